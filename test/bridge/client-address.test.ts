/** throttleNetwork: the network a client address is counted under (IPv6 per /64, mapped IPv4 as IPv4). */
import { describe, expect, it } from 'vitest';
import { throttleNetwork } from '../../src/bridge/client-address.js';

describe('throttleNetwork', () => {
  it('counts IPv4 per address, in canonical form', () => {
    expect(throttleNetwork('192.0.2.1')).toBe('192.0.2.1');
    expect(throttleNetwork(' 192.0.2.1 ')).toBe('192.0.2.1');
  });

  it('counts IPv6 per /64, whatever the spelling of the address', () => {
    const net = '2001:0db8:0001:0002::/64';
    for (const address of [
      '2001:db8:1:2::1',
      '2001:db8:1:2:aaaa:bbbb:cccc:dddd',
      '2001:0DB8:0001:0002:0000:0000:0000:0001',
      '[2001:db8:1:2::5]',
      '2001:db8:1:2::9%eth0',
    ]) {
      expect(throttleNetwork(address)).toBe(net);
    }
    expect(throttleNetwork('2001:db8:1:3::1')).not.toBe(net);
    expect(throttleNetwork('::1')).toBe('0000:0000:0000:0000::/64');
    expect(throttleNetwork('::')).toBe('0000:0000:0000:0000::/64');
    expect(throttleNetwork('2001:db8::')).toBe('2001:0db8:0000:0000::/64');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 client', () => {
    expect(throttleNetwork('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(throttleNetwork('::FFFF:c000:0201')).toBe('192.0.2.1');
    expect(throttleNetwork('0:0:0:0:0:ffff:192.0.2.1')).toBe('192.0.2.1');
  });

  it('keeps anything unparsable as its own (still counted) key', () => {
    for (const address of ['unknown', '1.2.3', '1:2:3', '1::2::3', '12345::1', '::ffff:300.1.1.1', '1:2:3:4:5:6:7:8:9']) {
      expect(throttleNetwork(address)).toBe(`raw:${address}`);
    }
  });
});
