/**
 * The network a client address is counted under by the sign-in throttle (pure).
 *
 * Why: an IPv6 host usually owns a whole /64 (SLAAC, privacy addresses), so counting per full
 * address lets one client rotate through 2^64 "new" addresses. IPv4 is counted per address; an
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports) is the IPv4
 * client it maps. Anything unparsable is counted as the literal string, so it is still throttled.
 */
export function throttleNetwork(address: string): string {
  let text = address.trim().toLowerCase();
  if (text.startsWith('[') && text.includes(']')) text = text.slice(1, text.indexOf(']'));
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (isIpv4(text)) return canonicalIpv4(text);
  const groups = expandIpv6(text);
  if (!groups) return `raw:${address}`;
  // ::ffff:a.b.c.d (IPv4-mapped): the IPv4 client.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16).padStart(4, '0'))
    .join(':')}::/64`;
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function canonicalIpv4(text: string): string {
  return text
    .split('.')
    .map((p) => String(Number(p)))
    .join('.');
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a trailing dotted IPv4), or null. */
function expandIpv6(text: string): number[] | null {
  if (!text.includes(':') || text.length > 45) return null;
  // A trailing dotted IPv4 ("::ffff:192.0.2.1") is two groups written differently.
  let body = text;
  const last = body.slice(body.lastIndexOf(':') + 1);
  if (last.includes('.')) {
    if (!isIpv4(last)) return null;
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    body = `${body.slice(0, body.length - last.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const explicit = head.length + rest.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const zeros = halves.length === 2 ? 8 - explicit : 0;
  return [...head.map((g) => parseInt(g, 16)), ...Array<number>(zeros).fill(0), ...rest.map((g) => parseInt(g, 16))];
}
