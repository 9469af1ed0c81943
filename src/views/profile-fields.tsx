import { builtinProfileText, localized, type ProfileField, type ProfileFieldError } from '../identity/profile-model.js';
import type { Translate } from '../i18n/translate.js';

export interface ProfileFieldsProps {
  /** The fields to render (a model's `fields`, or a completion form's). Hidden ones are skipped. */
  fields: readonly ProfileField[];
  /** Values to fill in (stored ones, or what the user typed before an error), by field name. */
  values?: Readonly<Record<string, string>>;
  /** Errors from `validateProfile`, shown under their fields and tied with aria-describedby. */
  errors?: readonly ProfileFieldError[];
  /** Language of the labels (`de` → German labels where the operator gave them). */
  locale?: string;
  /** Prefix of element ids, so two forms on one page do not share ids. Default `profile`. */
  idPrefix?: string;
  /** The page's translate function (`c.get('ui').t`); default: the built-in catalogue of `locale`. */
  t?: Translate;
}

const INPUT_TYPE = { text: 'text', email: 'email', phone: 'tel', date: 'date', number: 'number' } as const;

/**
 * The inputs of a profile form, one per field: the right input type and `autocomplete` token
 * (WCAG 1.3.5), a label, a required marker, and the field's error tied to it (`aria-invalid`,
 * `aria-describedby`). The browser's constraints mirror the model's; the server checks again with
 * `validateProfile`. Renders no `<form>`: the page around it owns the action and CSRF token.
 */
export function ProfileFields(props: ProfileFieldsProps) {
  const locale = props.locale ?? 'en';
  const prefix = props.idPrefix ?? 'profile';
  const t = props.t ?? builtinProfileText(locale).t;
  return (
    <>
      {props.fields
        .filter((f) => f.requirement !== 'hidden')
        .map((field) => {
          const id = `${prefix}-${field.name}`;
          const error = props.errors?.find((e) => e.field === field.name);
          const errorId = `${id}-error`;
          const value = props.values?.[field.name] ?? '';
          const required = field.requirement === 'required';
          const label = localized(field.labels, locale);
          const described = error ? { 'aria-invalid': 'true', 'aria-describedby': errorId } : {};
          const marker = required ? (
            <span class="required" aria-hidden="true">
              {' *'}
            </span>
          ) : (
            <span class="optional"> {t('profile.optional')}</span>
          );
          const message = error ? (
            <p class="field-error" id={errorId} role="alert">
              {error.message}
            </p>
          ) : null;
          if (field.type === 'checkbox') {
            return (
              <div class="field field-checkbox">
                <input id={id} name={field.name} type="checkbox" value="true" checked={value === 'true'} required={required} {...described} />
                <label for={id}>
                  {label}
                  {marker}
                </label>
                {message}
              </div>
            );
          }
          if (field.type === 'select') {
            return (
              <div class="field">
                <label for={id}>
                  {label}
                  {marker}
                </label>
                <select id={id} name={field.name} required={required} autocomplete={field.autocomplete} {...described}>
                  <option value="">{required ? t('profile.choose') : '—'}</option>
                  {(field.options ?? []).map((o) => (
                    <option value={o.value} selected={o.value === value}>
                      {localized(o.labels, locale)}
                    </option>
                  ))}
                </select>
                {message}
              </div>
            );
          }
          return (
            <div class="field">
              <label for={id}>
                {label}
                {marker}
              </label>
              <input
                id={id}
                name={field.name}
                type={INPUT_TYPE[field.type]}
                autocomplete={field.autocomplete}
                value={value}
                required={required}
                maxlength={field.type === 'date' || field.type === 'number' ? undefined : field.maxLength}
                minlength={field.minLength}
                pattern={field.type === 'text' ? field.pattern : undefined}
                min={field.min === undefined ? undefined : String(field.min)}
                max={field.max === undefined ? undefined : String(field.max)}
                inputmode={field.type === 'phone' ? 'tel' : field.type === 'number' ? 'decimal' : undefined}
                placeholder={field.type === 'phone' ? '+4930123456' : undefined}
                {...described}
              />
              {message}
            </div>
          );
        })}
    </>
  );
}
