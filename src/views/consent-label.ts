import type { MessageId, Translate } from '../i18n/translate.js';
import type { ConsentLabel } from '../provider/consent-labels.js';

/** A consent item's or remembered grant's label in the page's language. */
export function consentLabelText(label: ConsentLabel, t: Translate): string {
  if ('scope' in label) return t(`consent.scope.${label.scope}` as MessageId);
  if ('attribute' in label) return t(`attribute.${label.attribute}` as MessageId);
  if ('fields' in label) return t('consent.scope.custom', { fields: label.fields.map((f) => consentLabelText(f, t)).join(', ') });
  return label.text;
}
