import { z } from 'zod';
import { applyConnectorPreset, CONNECTOR_PRESET_NAMES } from '../connectors/presets/index.js';
import { EXTENDED_FIELDS, SREG_FIELDS } from '../users/profile.js';

/**
 * The config file's `connectors` section: upstream OpenID Connect / OAuth 2.0 providers whose
 * buttons the bridge's login page shows (docs/connectors.md). `kind` is `oidc`, `oauth2` or a
 * preset name (google, microsoft, apple, facebook, github, sisuid) whose data is merged in first.
 */

const MAPPABLE = [...SREG_FIELDS, ...EXTENDED_FIELDS.filter((f) => f !== 'updated_at')] as const;
/** A claim name, or a dotted path into a nested profile object (`picture.data.url`). */
const claimName = z.string().regex(/^[A-Za-z0-9_:$@-]+(\.[A-Za-z0-9_:$@-]+){0,4}$/, 'must be a claim name (dots for nested fields)').max(200);
const httpsUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });
const token = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be printable ASCII without spaces');

/** How a returning upstream identity becomes a local user (see docs/connectors.md). */
export const CONNECTOR_POLICIES = ['map-existing', 'link-by-email', 'create'] as const;

const connectorObject = z
  .strictObject({
    /** Stable id: in the callback URL (`/connectors/<id>/callback`) and in the stored links. */
    id: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be 1-32 lower-case letters, digits, "_" or "-", starting with a letter'),
    // A refinement, not an enum: the message must name the presets too (a preset kind was already
    // replaced by its own kind before validation, so only an unknown name gets here).
    kind: z
      .string({ error: 'required' })
      .refine((k) => k === 'oidc' || k === 'oauth2', `must be oidc, oauth2 or a preset (${CONNECTOR_PRESET_NAMES.join(', ')})`)
      .transform((k) => k as 'oidc' | 'oauth2'),
    /** Set from `kind` when a preset was used. */
    preset: z.string().optional(),
    label: z.string().min(1, 'required').max(60, 'must be at most 60 characters'),
    /** A preset icon name (google, microsoft, apple, facebook, github, eid) or an image URL / `/static/…` path. */
    icon: z.string().max(500).regex(/^([a-z]+|https:\/\/\S+|\/static\/\S+)$/, 'must be an icon name, an https URL or a /static/ path').optional(),
    /** OpenID Connect: the issuer (discovery at `<issuer>/.well-known/openid-configuration`). */
    issuer: httpsUrl.optional(),
    /** OAuth 2.0: the provider's endpoints. */
    authorizationUrl: httpsUrl.optional(),
    tokenUrl: httpsUrl.optional(),
    profileUrl: httpsUrl.optional(),
    clientId: z.string().min(1, 'required').max(500),
    /** A secret: `${ENV_NAME}` only (a literal is refused). */
    clientSecret: z.string().min(1, 'must not be empty').optional(),
    /** private_key_jwt: the private key as a JWK (JSON); a secret, `${ENV_NAME}` only. */
    privateKeyJwk: z.string().min(1, 'must not be empty').optional(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).default('client_secret_basic'),
    scopes: z.array(token).max(30).default(['openid', 'email', 'profile']),
    /** Sent as `acr_values`; the upstream's `acr` must then be one of them, or the sign-in fails. */
    acrValues: z.array(token).max(10).optional(),
    /** Sent as `max_age` (seconds); the upstream's auth_time is checked against it. */
    maxAge: z.number().int().min(0).max(31_536_000).optional(),
    pkce: z.boolean().default(true),
    responseMode: z.enum(['query', 'form_post']).default('query'),
    policy: z.enum(CONNECTOR_POLICIES, { error: () => `must be one of ${CONNECTOR_POLICIES.join(', ')}` }),
    /** map-existing: which upstream claim is looked up against which local attribute. */
    match: z
      .strictObject({
        claim: claimName,
        /** external_id, customer_id, or a custom profile field (users.attributes). */
        attribute: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be an attribute name'),
        /** The local attribute holds the HMAC of the value (national ids), never the value. */
        hashed: z.boolean().default(false),
      })
      .optional(),
    /** link-by-email: with no local account of that email, create one (as `create`) instead of refusing. */
    createMissing: z.boolean().default(false),
    /** The claim that identifies the user upstream (`sub`; OAuth 2.0 profiles: often `id`). */
    subjectClaim: claimName.optional(),
    /** Local attribute → upstream claim, for new accounts (create) and the claims shown. */
    claims: z.partialRecord(z.enum(MAPPABLE), claimName).default({}),
    /** Claims the upstream must send, or the sign-in fails (missing_claim). */
    requiredClaims: z.array(claimName).max(20).default([]),
    /** Upper bound for each call to the upstream (discovery, token, userinfo, profile). */
    timeoutMs: z.number().int().min(500).max(60_000).default(10_000),
    /** Development and tests only: allow an http:// upstream. */
    allowInsecure: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const need = (key: keyof typeof c, why: string) => {
      if (c[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `required (${why})` });
    };
    if (c.kind === 'oidc') need('issuer', 'kind oidc');
    if (c.kind === 'oauth2') {
      need('authorizationUrl', 'kind oauth2');
      need('tokenUrl', 'kind oauth2');
      need('profileUrl', 'kind oauth2');
    }
    if (c.clientAuth === 'client_secret_basic' || c.clientAuth === 'client_secret_post') need('clientSecret', `clientAuth ${c.clientAuth}`);
    if (c.clientAuth === 'private_key_jwt') need('privateKeyJwk', 'clientAuth private_key_jwt');
    if (c.clientAuth === 'none' && !c.pkce) ctx.addIssue({ code: 'custom', path: ['pkce'], message: 'must be true with clientAuth none (a public client needs PKCE)' });
    if (c.policy === 'map-existing') need('match', 'policy map-existing');
    if (c.kind === 'oidc' && !c.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include openid for kind oidc' });
    for (const url of [c.issuer, c.authorizationUrl, c.tokenUrl, c.profileUrl]) {
      if (url?.startsWith('http:') && !c.allowInsecure) {
        ctx.addIssue({ code: 'custom', path: ['allowInsecure'], message: `must be true for the http:// URL ${url} (development only)` });
        break;
      }
    }
  });

export const connectorsSchema = z
  .array(z.preprocess(applyConnectorPreset, connectorObject))
  .max(20, 'at most 20 connectors')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate connector id ${c.id}` });
      seen.add(c.id);
    });
  });

export type ConnectorConfig = z.output<typeof connectorObject>;

/** Settings of a connector that are secrets (a literal value in the file is refused). */
export const CONNECTOR_SECRET_PATH = /^connectors\.\d+\.(clientSecret|privateKeyJwk)$/;
