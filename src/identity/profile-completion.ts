import type { Clock } from '../clock.js';
import type { DirectoryUser } from '../users/user.js';
import {
  missingFields,
  offeredFields,
  OFFERED_KEY,
  validateProfile,
  type ProfileField,
  type ProfileFieldError,
  type ProfileModel,
  type ProfileText,
} from './profile-model.js';
import type { ProfileStore } from './ports.js';

export { OFFERED_KEY };

/** The fields to ask a user for; `required` when at least one of them must be filled to go on. */
export interface CompletionForm {
  fields: ProfileField[];
  required: boolean;
}

export type CompletionResult =
  | { ok: true }
  | { ok: false; form: CompletionForm; errors: ProfileFieldError[]; values: Record<string, string> };

/**
 * Profile completion at sign-in (issue 11 §3): after the password and before the flow returns to
 * the relying party, ask for required fields that are missing, and offer optional ones once.
 *
 * Never a dead end: fields that cannot be stored for this user (a site directory's user has no
 * row in idbridge's table) and hidden fields are never asked; an optional field is offered once
 * and then remembered as offered, filled or not.
 */
export class ProfileCompletion {
  constructor(private readonly deps: { model: ProfileModel; store: ProfileStore; clock: Clock }) {}

  /** The form to show this user now, or null to go straight on. */
  async formFor(user: DirectoryUser): Promise<CompletionForm | null> {
    if (!this.deps.model.fields.some((f) => f.requirement !== 'hidden')) return null; // the common case: no reads
    const storage = await this.deps.store.storageFor(user.id);
    if (storage === null) return null;
    // A site directory's user: standard fields are the site's (never asked), custom ones are ours.
    const missing = missingFields(this.deps.model, user, (field) => storage === 'all' || !field.standard);
    const fields = [...missing.required, ...missing.optional];
    if (fields.length === 0) return null;
    // Model order, not "required first": the form reads like the operator's list.
    fields.sort((a, b) => this.deps.model.fields.indexOf(a) - this.deps.model.fields.indexOf(b));
    return { fields, required: missing.required.length > 0 };
  }

  /**
   * The submitted form. `skip`: the user skipped the optional fields (allowed only when nothing
   * required is missing). Validates everything first; stores all of it in one write or nothing.
   */
  async submit(user: DirectoryUser, input: Readonly<Record<string, unknown>>, locale: string | ProfileText, skip: boolean): Promise<CompletionResult> {
    const form = await this.formFor(user);
    if (!form) return { ok: true };
    const offered = [...new Set([...offeredFields(user), ...form.fields.filter((f) => f.requirement === 'optional').map((f) => f.name)])];
    if (skip && !form.required) {
      await this.deps.store.saveProfile(user.id, { standard: {}, custom: {}, offered }, this.deps.clock.now());
      return { ok: true };
    }
    // Skipping with required fields missing counts as submitting what is there: errors name them.
    const result = validateProfile(this.deps.model, input, locale, { fields: form.fields });
    if (!result.ok) return { ok: false, form, errors: result.errors, values: result.values };
    const standard: Record<string, string> = {};
    const custom: Record<string, string> = {};
    for (const field of form.fields) {
      const value = result.values[field.name] ?? '';
      if (value === '' || (field.type === 'checkbox' && value === 'false')) continue;
      if (field.standard) standard[field.name] = value;
      else custom[field.name] = value;
    }
    await this.deps.store.saveProfile(user.id, { standard, custom, offered }, this.deps.clock.now());
    return { ok: true };
  }
}
