/**
 * Which IP addresses an outgoing request to a URL someone else chose may reach.
 *
 * Pure (Web standards only): used on every runtime for IP-literal hosts, and by the Node entry at
 * connect time for the addresses a host name resolved to (so DNS rebinding cannot slip past).
 */

/** `public`: globally routable unicast. `loopback`: this machine. `private`: anything else. */
export type AddressClass = 'public' | 'loopback' | 'private';

/** What an outgoing request may reach besides public addresses. */
export interface AddressPolicy {
  loopback: boolean;
  /** Private, link-local, CGNAT, ULA, multicast, reserved and translation ranges. */
  private: boolean;
}

/** Only public addresses (production). */
export const PUBLIC_ONLY: AddressPolicy = { loopback: false, private: false };

/** IPv4 ranges that are not public: [first octets, prefix length]. Loopback is handled apart. */
const IPV4_NOT_PUBLIC: Array<[number[], number]> = [
  [[0], 8], // "this network"
  [[10], 8], // RFC 1918
  [[100, 64], 10], // CGNAT (RFC 6598)
  [[169, 254], 16], // link-local (cloud metadata services live here)
  [[172, 16], 12], // RFC 1918
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // documentation
  [[192, 88, 99], 24], // 6to4 relay anycast
  [[192, 168], 16], // RFC 1918
  [[198, 18], 15], // benchmarking
  [[198, 51, 100], 24], // documentation
  [[203, 0, 113], 24], // documentation
  [[224], 4], // multicast
  [[240], 4], // reserved, broadcast
];

/** Parse a dotted-quad IPv4 address (exactly four decimal parts), or null. */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    bytes.push(n);
  }
  return bytes;
}

/** Parse an IPv6 address (optionally in brackets, with a zone id or a dotted IPv4 tail) into 16 bytes, or null. */
export function parseIpv6(text: string): number[] | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':') || s.length > 45) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`; // placeholder for the two groups the IPv4 tail fills
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    const n = parseInt(group, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function inPrefix(bytes: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((bytes[byte]! & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyIpv4(b: number[]): AddressClass {
  if (b[0] === 127) return 'loopback';
  return IPV4_NOT_PUBLIC.some(([prefix, bits]) => inPrefix(b, prefix, bits)) ? 'private' : 'public';
}

function classifyIpv6(b: number[]): AddressClass {
  if (b.slice(0, 15).every((x) => x === 0)) return b[15] === 1 ? 'loopback' : 'private'; // ::1, ::
  // IPv4-mapped (::ffff:a.b.c.d): only ever an alias of IPv4 loopback counts as loopback; every
  // other mapped address is refused, so no IPv4 range can be reached by spelling it in IPv6.
  if (inPrefix(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) return b[12] === 127 ? 'loopback' : 'private';
  // Global unicast is 2000::/3; inside it, ranges that translate to IPv4 or are not routed.
  if (!inPrefix(b, [0x20], 3)) return 'private'; // ULA fc00::/7, link-local, multicast, NAT64 64:ff9b::, …
  if (inPrefix(b, [0x20, 0x01, 0x00, 0x00], 23)) return 'private'; // IETF assignments incl. Teredo 2001::/32
  if (inPrefix(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'private'; // documentation
  if (inPrefix(b, [0x20, 0x02], 16)) return 'private'; // 6to4 (embeds an IPv4 address)
  if (inPrefix(b, [0x3f, 0xff], 20)) return 'private'; // documentation (RFC 9637)
  return 'public';
}

/** Classify an IP address (IPv4 or IPv6 text); null when `text` is not an IP address. */
export function classifyAddress(text: string): AddressClass | null {
  const v4 = parseIpv4(text);
  if (v4) return classifyIpv4(v4);
  const v6 = parseIpv6(text);
  return v6 ? classifyIpv6(v6) : null;
}

/** May a request reach this IP address? Anything that is not an IP address is refused. */
export function addressAllowed(text: string, policy: AddressPolicy): boolean {
  const kind = classifyAddress(text);
  if (kind === null) return false;
  return kind === 'public' || (kind === 'loopback' ? policy.loopback : policy.private);
}
