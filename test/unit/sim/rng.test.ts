import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed } from '../../../src/tools/sim/rng.js';
import { calendarDate, formatWithOffset, localParts, localTime, zonedToUtc } from '../../../src/tools/sim/time.js';

describe('seeded randomness', () => {
  it('repeats for a seed and differs between derived streams', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 20 }, () => a.float());
    expect(Array.from({ length: 20 }, () => b.float())).toEqual(xs);
    expect(deriveSeed(1, 'day', 3, 4)).not.toBe(deriveSeed(1, 'day', 4, 3));
    expect(deriveSeed(1, 'x')).toBe(deriveSeed(1, 'x'));
  });

  it('has sane distributions', () => {
    const r = new Rng(9);
    const n = 20_000;
    let sum = 0;
    let big = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      sum += r.poisson(4);
      big += r.poisson(200);
      norm += r.normal(10, 2);
    }
    expect(sum / n).toBeCloseTo(4, 1);
    expect(big / n).toBeGreaterThan(198);
    expect(big / n).toBeLessThan(202);
    expect(norm / n).toBeCloseTo(10, 1);
    const d = r.distinctInts(500, 0, 999);
    expect(new Set(d).size).toBe(500);
  });
});

describe('time zones', () => {
  it('converts local wall time to UTC across DST', () => {
    // Berlin: CET (+1) in winter, CEST (+2) from 29 March 2026.
    expect(new Date(zonedToUtc('Europe/Berlin', 2026, 3, 2, 9, 0)).toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(new Date(zonedToUtc('Europe/Berlin', 2026, 4, 2, 9, 0)).toISOString()).toBe('2026-04-02T07:00:00.000Z');
    expect(new Date(zonedToUtc('America/New_York', 2026, 3, 2, 9, 0)).toISOString()).toBe('2026-03-02T14:00:00.000Z');
    const t = localTime('Asia/Manila', calendarDate(Date.UTC(2026, 2, 2), 0), 9.5);
    expect(localParts(t, 'Asia/Manila')).toMatchObject({ hour: 9, minute: 30, weekday: 1 });
  });

  it('renders RFC 3339 with the zone offset', () => {
    const ms = Date.UTC(2026, 2, 2, 9, 15, 2, 123);
    expect(formatWithOffset(ms, 'Europe/Berlin')).toBe('2026-03-02T10:15:02.123+01:00');
    expect(formatWithOffset(ms, 'America/New_York')).toBe('2026-03-02T04:15:02.123-05:00');
    expect(formatWithOffset(ms, 'UTC')).toBe('2026-03-02T09:15:02.123Z');
    expect(Date.parse(formatWithOffset(ms, 'Asia/Manila'))).toBe(ms);
  });
});
