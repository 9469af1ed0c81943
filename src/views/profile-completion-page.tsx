import type { CompletionForm } from '../identity/profile-completion.js';
import type { ProfileFieldError } from '../identity/profile-model.js';
import { Layout } from './layout.js';
import { ProfileFields } from './profile-fields.js';
import type { Ui } from './ui.js';

export interface ProfileCompletionPageProps {
  /** Locale, translations and theme (`c.get('ui')`): the page and the field labels follow its locale. */
  ui: Ui;
  requestId: string;
  csrfToken: string;
  form: CompletionForm;
  errors?: readonly ProfileFieldError[];
  values?: Readonly<Record<string, string>>;
}

/** Between the sign-in and the relying party: the fields the profile still lacks. */
export function ProfileCompletionPage(props: ProfileCompletionPageProps) {
  const { ui } = props;
  const { t } = ui;
  const errors = props.errors ?? [];
  const title = props.form.required ? t('profile.title.required') : t('profile.title.optional');
  return (
    <Layout title={title} ui={ui}>
      <h1>{title}</h1>
      <p>{props.form.required ? t('profile.intro.required', { siteName: ui.theme.productName }) : t('profile.intro.optional')}</p>
      {errors.length > 0 ? (
        // The summary is announced once; each field's own message is tied to it (aria-describedby).
        <p class="alert" role="alert">
          {t('profile.errors', { count: errors.length })}
        </p>
      ) : null}
      <form method="post" action="/verify/profile" class="form">
        <input type="hidden" name="request_id" value={props.requestId} />
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <ProfileFields fields={props.form.fields} values={props.values} errors={errors} locale={ui.locale} t={t} />
        <div class="actions">
          <button type="submit" name="action" value="save">
            {t('profile.continue')}
          </button>
          {props.form.required ? null : (
            <button type="submit" name="action" value="skip" class="secondary" formnovalidate>
              {t('profile.skip')}
            </button>
          )}
        </div>
      </form>
    </Layout>
  );
}
