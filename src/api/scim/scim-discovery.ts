/**
 * The SCIM discovery documents (RFC 7644 §4, RFC 7643 §5–§7) for what idbridge implements:
 * Users only, PATCH, filters (the `eq` subset) with {@link MAX_RESULTS}, ETags, no bulk, no
 * sorting, no password change. The User schema is generated from the attribute registry the
 * mapping uses, so it lists exactly the attributes that are stored.
 */
import { LIST_RESPONSE_SCHEMA, USER_ATTRIBUTES, USER_SCHEMA } from './scim-schema.js';

/** The largest page of a list or filter (`count` above it is lowered to it, RFC 7644 §3.4.2.4). */
export const MAX_RESULTS = 200;

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** `base` is the absolute URL of the SCIM root (`https://idp.example/scim/v2`). */
export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'An idbridge API token (`idbridge token add --scope users:read,users:write`) or the admin token, as Authorization: Bearer.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function userResourceType(base: string): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'A user of the identity provider.',
    schema: USER_SCHEMA,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
  };
}

export function userSchema(base: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: USER_SCHEMA,
    name: 'User',
    description: 'User Account (the attributes idbridge stores).',
    attributes: USER_ATTRIBUTES,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${USER_SCHEMA}` },
  };
}

/** A ListResponse (RFC 7644 §3.4.2) of a whole, unpaged collection. */
export function listOf(resources: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}
