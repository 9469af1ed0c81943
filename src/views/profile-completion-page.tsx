import type { CompletionForm } from '../identity/profile-completion.js';
import type { ProfileFieldError } from '../identity/profile-model.js';
import { Layout } from './layout.js';
import { ProfileFields } from './profile-fields.js';

export interface ProfileCompletionPageProps {
  siteName: string;
  requestId: string;
  csrfToken: string;
  form: CompletionForm;
  errors?: readonly ProfileFieldError[];
  values?: Readonly<Record<string, string>>;
  locale?: string;
}

/** Between the sign-in and the relying party: the fields the profile still lacks. */
export function ProfileCompletionPage(props: ProfileCompletionPageProps) {
  const errors = props.errors ?? [];
  return (
    <Layout title="Complete your profile" siteName={props.siteName}>
      <h1>{props.form.required ? 'Complete your profile' : 'Add to your profile?'}</h1>
      <p>
        {props.form.required
          ? `${props.siteName} needs a little more information before you continue.`
          : 'You can add these details now, or skip them and continue.'}
      </p>
      {errors.length > 0 ? (
        <p class="alert" role="alert">
          {errors.length === 1 ? 'Please correct the field marked below.' : `Please correct the ${errors.length} fields marked below.`}
        </p>
      ) : null}
      <form method="post" action="/verify/profile" class="form">
        <input type="hidden" name="request_id" value={props.requestId} />
        <input type="hidden" name="csrf" value={props.csrfToken} />
        <ProfileFields fields={props.form.fields} values={props.values} errors={errors} locale={props.locale} />
        <div class="actions">
          <button type="submit" name="action" value="save">
            Continue
          </button>
          {props.form.required ? null : (
            <button type="submit" name="action" value="skip" class="secondary" formnovalidate>
              Skip
            </button>
          )}
        </div>
      </form>
    </Layout>
  );
}
