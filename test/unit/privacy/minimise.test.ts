import { afterEach, describe, expect, it, vi } from 'vitest';
import ipaddr from 'ipaddr.js';
import { BoundedMemo, createOptionalFieldMinimiser, DEFAULT_MINIMISATION, truncateAddress, userAgentFamily } from '../../../src/privacy/minimise.js';
import { createPseudonymizer } from '../../../src/privacy/pseudonym.js';

const KEY = 'unit-test-pseudonym-key-0123456789abcdef';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36';

describe('truncateAddress', () => {
  it('keeps the /24 of IPv4, the /48 of IPv6, IPv4-mapped as IPv4', () => {
    expect(truncateAddress('203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateAddress('2001:db8:85a3:1234::7334')).toBe('2001:db8:85a3::/48');
    expect(truncateAddress('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
  });
  it('stores no free text given as an address', () => {
    expect(truncateAddress('alice@example.com')).toBe('invalid');
  });
  it('gives what ipaddr.js gives for every form of IPv4 text (the dotted-quad fast path changes nothing)', () => {
    // The reference: parse, then the network of the /24 (or /48), as ipaddr.js prints it.
    const reference = (text: string): string => {
      if (!ipaddr.isValid(text)) return 'invalid';
      let a = ipaddr.parse(text);
      if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
      const prefix = a.kind() === 'ipv4' ? 24 : 48;
      const net = a.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${a.toString()}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${a.toString()}/${prefix}`);
      return `${net.toString()}/${prefix}`;
    };
    const edge = [
      '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3.256', '010.1.2.3', '1.02.3.4', '1.2.3.04', '00.1.2.3', '1.2.3', '1.2.3.4.5',
      '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '0x7f.0.0.1', '127.1', '4294967295', '1.2.3.-1', '1..2.3', '١.٢.٣.٤', '1.2.3.4/24', '999.999.999.999', '',
    ];
    let seed = 12345;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const random = Array.from({ length: 2000 }, () => [next(300), next(300), next(300), next(300)].map((o) => (next(20) === 0 ? `0${o}` : String(o))).join('.'));
    for (const text of [...edge, ...random]) expect(truncateAddress(text), text).toBe(reference(text));
  });
});

describe('userAgentFamily', () => {
  it('keeps a browser and its major version, or the first product token', () => {
    expect(userAgentFamily(CHROME)).toBe('Chrome/120');
    expect(userAgentFamily('curl/8.4.0')).toBe('curl/8');
    expect(userAgentFamily('python-requests/2.31.0')).toBe('python-requests/2');
    expect(userAgentFamily('(compatible; nothing)')).toBe('other');
  });
});

describe('createOptionalFieldMinimiser', () => {
  const fields = { source_ip: '10.10.4.20', user_agent: CHROME, session_id: 'sess-1' };

  it('applies the documented default: truncated address and agent, session pseudonym', () => {
    const out = createOptionalFieldMinimiser(DEFAULT_MINIMISATION, KEY)(fields);
    expect(out.source_ip).toBe('10.10.4.0/24');
    expect(out.user_agent).toBe('Chrome/120');
    expect(out.session_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('pseudonymises per field: a session pseudonym is not the record-id pseudonym of the same string', () => {
    const out = createOptionalFieldMinimiser({ source_ip: 'pseudonymised', user_agent: 'clear', session_id: 'pseudonymised' }, KEY)(fields);
    expect(out.session_id).not.toBe(createPseudonymizer(KEY)('sess-1'));
    expect(out.source_ip).toMatch(/^[0-9a-f]{32}$/);
    expect(out.source_ip).not.toBe(out.session_id);
    expect(out.user_agent).toBe(CHROME);
  });

  it('gives every repeated value the pseudonym made from it, per field, also past the memo of repeats', () => {
    const policy = { source_ip: 'pseudonymised', user_agent: 'pseudonymised', session_id: 'pseudonymised' } as const;
    const minimise = createOptionalFieldMinimiser(policy, KEY);
    const direct = createPseudonymizer(KEY);
    // 3 passes over 5,000 values (more than one memo holds), each value also in another field.
    for (let pass = 0; pass < 3; pass++) {
      for (let i = 0; i < 5_000; i += pass === 0 ? 1 : 7) {
        const v = `v-${i}`;
        expect(minimise({ source_ip: v, user_agent: v, session_id: v })).toEqual({
          source_ip: direct(`source_ip\u0000${v}`),
          user_agent: direct(`user_agent\u0000${v}`),
          session_id: direct(`session_id\u0000${v}`),
        });
      }
    }
  });

  it('drops, keeps nulls null, and needs the key only to pseudonymise', () => {
    const drop = createOptionalFieldMinimiser({ source_ip: 'dropped', user_agent: 'dropped', session_id: 'dropped' });
    expect(drop(fields)).toEqual({ source_ip: null, user_agent: null, session_id: null });
    expect(createOptionalFieldMinimiser(DEFAULT_MINIMISATION, KEY)({ source_ip: null, user_agent: null, session_id: null }))
      .toEqual({ source_ip: null, user_agent: null, session_id: null });
    expect(() => createOptionalFieldMinimiser(DEFAULT_MINIMISATION)).toThrow(/pseudonym key/);
  });
});

describe('BoundedMemo', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('computes a value once while it repeats, and again once the memo was full or old enough', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z'), toFake: ['Date'] });
    const computed: string[] = [];
    const memo = new BoundedMemo<string>(2, 60_000);
    const get = (k: string) => memo.get(k, (v) => (computed.push(v), v.toUpperCase()));
    expect([get('a'), get('a'), get('b'), get('a')]).toEqual(['A', 'A', 'B', 'A']);
    expect(computed).toEqual(['a', 'b']);
    get('c'); // full: forgets a and b
    get('a');
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
    vi.advanceTimersByTime(59_999);
    get('a');
    expect(computed).toHaveLength(4);
    vi.advanceTimersByTime(1);
    get('a'); // a minute since it forgot: forgets again
    expect(computed).toEqual(['a', 'b', 'c', 'a', 'a']);
  });
});
