import { describe, expect, it } from 'vitest';
import { clientKey } from './guard';

describe('clientKey', () => {
  it('keys IPv4 by address, also when it arrives IPv4-mapped', () => {
    expect(clientKey('127.0.0.1')).toBe('127.0.0.1');
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('::FFFF:10.1.2.3')).toBe('10.1.2.3');
  });

  it('keys IPv6 by its /64, however the address is written', () => {
    const key = '2001:db8:0:1::/64';
    for (const address of [
      '2001:db8:0:1::1',
      '2001:0db8:0000:0001:ffff:ffff:ffff:ffff',
      '2001:db8:0:1:a:b:c:d',
      '2001:DB8:0:1::9%eth0',
    ])
      expect(clientKey(address), address).toBe(key);
    expect(clientKey('2001:db8:0:2::1')).not.toBe(key);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('gives a missing address one shared key instead of none', () => {
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('')).toBe('unknown');
  });
});
