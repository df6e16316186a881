import { describe, expect, it } from 'vitest';
import { featuresOf, isAtLeast, parseServerVersion, requestSettings } from '../../../../src/runtime/outputs/clickhouse/server-version.js';

describe('server version detection', () => {
  it.each([
    ['18.16.1', 18, 16, 1],
    ['25.3.2.39', 25, 3, 2],
    ['24.8.4.13-lts', 24, 8, 4],
    [' 20.3 ', 20, 3, 0],
  ])('parses %j', (text, major, minor, patch) => {
    expect(parseServerVersion(text)).toMatchObject({ major, minor, patch });
  });

  it('refuses what is not a version', () => {
    expect(() => parseServerVersion('ClickHouse')).toThrow(RangeError);
    expect(() => parseServerVersion('')).toThrow(RangeError);
  });

  it('compares major then minor', () => {
    const v = parseServerVersion('20.3.1');
    expect(isAtLeast(v, 20, 3)).toBe(true);
    expect(isAtLeast(v, 20, 4)).toBe(false);
    expect(isAtLeast(v, 19, 17)).toBe(true);
    expect(isAtLeast(parseServerVersion('19.17.1'), 20, 3)).toBe(false);
  });

  it.each([
    ['18.16.1', false],
    ['19.17.9', false],
    ['20.1.1', false],
    ['20.3.1', true],
    ['22.8.5', true],
    ['25.3.2.39', true],
  ])('%s: LowCardinality, TTL and query parameters %s', (text, modern) => {
    const v = parseServerVersion(text);
    expect(featuresOf(v)).toEqual({ lowCardinality: modern, ttl: modern, queryParameters: modern, insertSettings: isAtLeast(v, 21, 11) });
  });

  it('sends async_insert and optimize_on_insert only to servers that know them, quoted 64-bit integers to all', () => {
    expect(requestSettings(featuresOf(parseServerVersion('18.16.1')))).toEqual({ output_format_json_quote_64bit_integers: 1 });
    expect(requestSettings(featuresOf(parseServerVersion('26.9.2.1')))).toEqual({ output_format_json_quote_64bit_integers: 1, async_insert: 0, optimize_on_insert: 0 });
  });
});
