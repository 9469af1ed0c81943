import { parseIpv4, parseIpv6 } from '../util/ip-address.js';

/**
 * The network a client address is counted under by the sign-in throttle (pure).
 *
 * Why: an IPv6 host usually owns a whole /64 (SLAAC, privacy addresses), so counting per full
 * address lets one client rotate through 2^64 "new" addresses. IPv4 is counted per address; an
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports) is the IPv4
 * client it maps. Anything unparsable is counted as the literal string, so it is still throttled.
 */
export function throttleNetwork(address: string): string {
  const text = address.trim();
  const v4 = parseIpv4(text);
  if (v4) return v4.join('.');
  const v6 = parseIpv6(text);
  if (!v6) return `raw:${address}`;
  if (v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((v6[i]! << 8) | v6[i + 1]!).toString(16).padStart(4, '0'));
  return `${groups.join(':')}::/64`;
}
