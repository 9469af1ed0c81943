import { describe, expect, it } from 'vitest';
import { addressAllowed, classifyAddress, parseIpv6, PUBLIC_ONLY } from '../../src/util/ip-address.js';

describe('classifyAddress', () => {
  const cases: Array<[string, 'public' | 'loopback' | 'private' | null]> = [
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'private'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'private'], // CGNAT
    ['100.127.255.255', 'private'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'private'], // cloud metadata
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['192.0.2.1', 'private'],
    ['198.18.0.1', 'private'],
    ['224.0.0.1', 'private'], // multicast
    ['255.255.255.255', 'private'],
    ['2606:4700::1111', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'], // IPv4-mapped: no IPv4 range reachable by spelling it in IPv6
    ['::ffff:8.8.8.8', 'private'],
    ['::ffff:a9fe:a9fe', 'private'],
    ['fc00::1', 'private'], // ULA
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'], // link-local
    ['fe80::1%eth0', 'private'],
    ['ff02::1', 'private'], // multicast
    ['64:ff9b::a00:1', 'private'], // NAT64
    ['2001:db8::1', 'private'], // documentation
    ['2001::1', 'private'], // Teredo
    ['2002:a00:1::', 'private'], // 6to4
    ['::10.0.0.1', 'private'], // IPv4-compatible (deprecated)
    ['example.com', null],
    ['1.2.3', null],
    ['1.2.3.256', null],
    ['01.2.3.4', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1::2::3', null],
    ['12345::1', null],
    ['', null],
  ];
  it.each(cases)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('parses IPv6 with an IPv4 tail and compressed groups', () => {
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(parseIpv6('1::')).toEqual([0, 1, ...Array(14).fill(0)]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(parseIpv6('1:2:3:4:5:6:7::8')).toBeNull(); // "::" must stand for at least one group
  });
});

describe('addressAllowed', () => {
  it('allows only public addresses by default, loopback and private only when the policy says so', () => {
    expect(addressAllowed('8.8.8.8', PUBLIC_ONLY)).toBe(true);
    expect(addressAllowed('127.0.0.1', PUBLIC_ONLY)).toBe(false);
    expect(addressAllowed('10.0.0.1', PUBLIC_ONLY)).toBe(false);
    expect(addressAllowed('127.0.0.1', { loopback: true, private: false })).toBe(true);
    expect(addressAllowed('10.0.0.1', { loopback: true, private: false })).toBe(false);
    expect(addressAllowed('10.0.0.1', { loopback: true, private: true })).toBe(true);
    expect(addressAllowed('not-an-ip', { loopback: true, private: true })).toBe(false);
  });
});
