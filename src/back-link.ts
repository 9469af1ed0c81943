/**
 * "Back to <site>" links on error pages. Only ever built from a relying party a stored request
 * names (an OpenID 2.0 realm, an OIDC redirect origin) — never from the URL of the failing
 * request — and only for plain http(s) origins, so an error page cannot be made to link anywhere.
 */
export interface BackLink {
  url: string;
  /** What the user knows the site as: the client's name, or the realm without trailing slash. */
  label: string;
}

/**
 * The way back to the relying party behind `realm`: its origin (a `*.` wildcard realm links to the
 * bare domain, which the wildcard covers), labelled with `name` when given. Undefined when there
 * is no usable URL.
 */
export function backLinkTo(realm: string | null | undefined, name?: string | null): BackLink | undefined {
  if (!realm) return undefined;
  let url: URL;
  try {
    url = new URL(realm.replace(/^(https?:\/\/)\*\./, '$1'));
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return undefined;
  return { url: `${url.origin}/`, label: name?.trim() || realm.replace(/\/$/, '') };
}
