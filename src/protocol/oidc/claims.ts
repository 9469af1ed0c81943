/**
 * Standard claims released per scope (OIDC Core §5.1, §5.4), built from the SREG-style profile the
 * site's user database holds.
 */

/** What we know about a user, in the site's (SREG) vocabulary. Empty strings count as absent. */
export interface UserClaimsSource {
  /** Subject identifier: stable, never reassigned. */
  sub: string;
  email?: string;
  emailVerified?: boolean;
  /** Login name, released as `preferred_username`. */
  username?: string;
  nickname?: string;
  fullname?: string;
  /** SREG date of birth `YYYY-MM-DD`, zero for parts the user withholds. */
  dob?: string;
  gender?: 'M' | 'F';
  postcode?: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  language?: string;
  /** IANA time zone (`Europe/Paris`). */
  timezone?: string;
  /** E.164 phone number. */
  phone?: string;
  phoneVerified?: boolean;
  /** The tenant's own id for the user. */
  customerId?: string;
  /** Last profile change, milliseconds since the epoch. */
  updatedAt?: number;
  /** Custom field values by claim name (`x_coffee`), released per {@link ClaimOptions.customScopes}. */
  custom?: Readonly<Record<string, string | undefined>>;
}

/** `address` claim (OIDC Core §5.1.1), restricted to what we hold. */
export interface AddressClaim {
  postal_code?: string;
  country?: string;
}

export type UserClaims = Record<string, string | number | boolean | AddressClaim>;

/** Default namespace of idbridge's own claims (a collision-resistant name, RFC 7519 §4.2). */
export const DEFAULT_CLAIM_NAMESPACE = 'https://idbridge.dev/claims/';

export interface ClaimOptions {
  /** Prefix of private claim names; default {@link DEFAULT_CLAIM_NAMESPACE}. */
  namespace?: string;
  /**
   * The operator's own scopes → the custom claims (`x_<field>`) each releases (config
   * `profile.scopes`). A custom claim is released only under a granted scope that maps it.
   */
  customScopes?: ReadonlyMap<string, readonly string[]>;
}

/** The claim name carrying the tenant's customer id. */
export function customerIdClaim(namespace: string = DEFAULT_CLAIM_NAMESPACE): string {
  return `${namespace}customer_id`;
}

/** Claims each scope stands for (OIDC Core §5.4), restricted to what we can supply. */
export const SCOPE_CLAIMS: Readonly<Record<'profile' | 'email' | 'phone' | 'address', readonly string[]>> = {
  profile: ['name', 'nickname', 'preferred_username', 'birthdate', 'gender', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
};

/** Every claim name we may issue, for discovery's `claims_supported`. */
/**
 * Keep only the claims the given scopes release (plus `sub`): a token whose scope was narrowed at
 * refresh must not read claims of the wider grant.
 */
export function filterClaimsByScopes(claims: Readonly<Record<string, unknown>>, scopes: readonly string[], options: ClaimOptions = {}): Record<string, unknown> {
  const allowed = new Set<string>(['sub']);
  for (const scope of scopes) for (const claim of SCOPE_CLAIMS[scope as keyof typeof SCOPE_CLAIMS] ?? []) allowed.add(claim);
  if (scopes.includes('profile')) allowed.add(customerIdClaim(options.namespace));
  for (const scope of scopes) for (const claim of options.customScopes?.get(scope) ?? []) allowed.add(claim);
  return Object.fromEntries(Object.entries(claims).filter(([name]) => allowed.has(name)));
}

export function supportedClaims(options: ClaimOptions = {}): string[] {
  return [
    'sub',
    'iss',
    'aud',
    'exp',
    'iat',
    'auth_time',
    'nonce',
    'acr',
    'amr',
    'sid',
    'at_hash',
    ...Object.values(SCOPE_CLAIMS).flat(),
    'openid2_id',
    customerIdClaim(options.namespace),
    ...new Set([...(options.customScopes?.values() ?? [])].flat()),
  ];
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/**
 * SREG `dob` → OIDC `birthdate`. SREG zeroes withheld parts; OIDC allows `0000` for a withheld year
 * and `YYYY` alone, but no month without a day. So `1980-00-00` → `1980`, `0000-05-17` stays,
 * `1980-05-00` → `1980` (the day is withheld, so we withhold the month too). Anything malformed is
 * dropped rather than passed on as a claim the client would misparse.
 */
export function birthdateFromSreg(dob: string): string | undefined {
  const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(dob);
  if (match === null) return undefined;
  const [, year, month, day] = match as unknown as [string, string, string, string];
  const m = Number(month);
  const d = Number(day);
  if (m > 12 || d > 31) return undefined;
  if (m !== 0 && d !== 0) return `${year}-${month}-${day}`;
  return year === '0000' ? undefined : year;
}

/**
 * The user claims to release for the granted scopes. `openid` releases only `sub`; `profile`
 * adds name, nickname, preferred_username, birthdate, gender, zoneinfo, locale, updated_at and the
 * tenant's customer id (a namespaced claim: it is profile data of the site, not a standard claim);
 * `email`, `phone`, `address` the claims of OIDC Core §5.4. Only claims with values are included.
 */
export function claimsForScopes(source: UserClaimsSource, scopes: readonly string[], options: ClaimOptions = {}): UserClaims {
  const granted = new Set(scopes);
  const claims: UserClaims = { sub: source.sub };

  if (granted.has('profile')) {
    if (present(source.fullname)) claims['name'] = source.fullname;
    if (present(source.nickname)) claims['nickname'] = source.nickname;
    if (present(source.username)) claims['preferred_username'] = source.username;
    const birthdate = source.dob === undefined ? undefined : birthdateFromSreg(source.dob);
    if (birthdate !== undefined) claims['birthdate'] = birthdate;
    if (source.gender === 'M') claims['gender'] = 'male';
    else if (source.gender === 'F') claims['gender'] = 'female';
    if (present(source.timezone)) claims['zoneinfo'] = source.timezone;
    if (present(source.language)) claims['locale'] = source.language;
    if (source.updatedAt !== undefined && Number.isFinite(source.updatedAt)) {
      claims['updated_at'] = Math.floor(source.updatedAt / 1000);
    }
    if (present(source.customerId)) claims[customerIdClaim(options.namespace)] = source.customerId;
  }
  if (granted.has('email') && present(source.email)) {
    claims['email'] = source.email;
    if (source.emailVerified !== undefined) claims['email_verified'] = source.emailVerified;
  }
  if (granted.has('phone') && present(source.phone)) {
    claims['phone_number'] = source.phone;
    if (source.phoneVerified !== undefined) claims['phone_number_verified'] = source.phoneVerified;
  }
  // Custom fields: `x_<field>` claims, only under a granted scope the operator mapped them to.
  for (const scope of granted) {
    for (const claim of options.customScopes?.get(scope) ?? []) {
      const value = source.custom?.[claim];
      if (present(value)) claims[claim] = value;
    }
  }
  if (granted.has('address')) {
    const address: AddressClaim = {};
    if (present(source.postcode)) address.postal_code = source.postcode;
    if (present(source.country)) address.country = source.country;
    if (Object.keys(address).length > 0) claims['address'] = address;
  }
  return claims;
}
