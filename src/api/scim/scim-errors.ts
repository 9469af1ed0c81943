import { IdbridgeError } from '../../errors.js';

/** The `scimType` values of RFC 7644 §3.12 that idbridge answers with. */
export type ScimType = 'invalidFilter' | 'invalidValue' | 'invalidSyntax' | 'invalidPath' | 'uniqueness' | 'mutability' | 'noTarget' | 'tooMany';

/**
 * A SCIM error in the one error family: a 400 (or 409 for uniqueness) `invalid_request` whose
 * `extra.scimType` the error handler's `scim` format renders (RFC 7644 §3.12).
 */
export function scimError(scimType: ScimType, detail: string): IdbridgeError {
  return new IdbridgeError(scimType === 'uniqueness' ? 'conflict' : 'invalid_request', detail, {
    status: scimType === 'uniqueness' ? 409 : 400,
    extra: { scimType },
  });
}
