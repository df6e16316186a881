/**
 * Figures read as of an instant: rows the history holds beyond it (a restore
 * brought back rows of batches the replay has not reached; other partitions
 * are ahead) never change them, so they depend on the input, not on when
 * rows happened to arrive.
 */
import { describe, expect, it } from 'vitest';
import { ActivityHistory } from '../../../src/runtime/engine/baseline/history.js';
import type { ActorActivityRow } from '../../../src/runtime/engine/index.js';
import { T0 } from './support/enrich.js';
import { hourlyRows } from './support/history.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const BAND = { start: 8, end: 19, weekend_days: [6, 7] };
const LOOKBACK = 28 * DAY;

describe('ActivityHistory as of an instant', () => {
  const past = hourlyRows('alice', { days: 5, peak5m: 20, before: T0 });
  // Rows of the days after T0 that a restore brought back before the replay reached them.
  const future = hourlyRows('alice', { days: 5, peak5m: 900, before: T0 + 8 * DAY }).filter((r) => r.bucket_start >= T0);

  it('own figures as of an instant ignore rows of buckets that ended after it', () => {
    const plain = new ActivityHistory(LOOKBACK, BAND);
    for (const r of past) plain.add(r);
    const restored = new ActivityHistory(LOOKBACK, BAND);
    for (const r of [...past, ...future]) restored.add(r);
    expect(restored.own('alice', 'hour_peak_5m', 'business', T0)).toEqual(plain.own('alice', 'hour_peak_5m', 'business', T0));
    expect(restored.own('alice', 'hour_peak_5m', 'business', T0).median).toBe(20);
    // Read without an instant (as of the newest row), the future rows count: 40 hours of 20, 40 of 900.
    expect(restored.own('alice', 'hour_peak_5m', 'business').median).toBe(460);
    expect(restored.ownHours('alice', T0)).toBe(plain.ownHours('alice', T0));
  });

  it('a resource first used after the instant is not seen as of it', () => {
    const h = new ActivityHistory(LOOKBACK, BAND);
    for (const r of past) h.add(r);
    const later = { ...(future[0] as ActorActivityRow), resource_types: ['payment_method'] };
    h.add(later);
    expect(h.seenAsOf('alice', 'resource_types', 'customer', T0)).toBe(true);
    expect(h.seenAsOf('alice', 'resource_types', 'payment_method', T0)).toBe(false);
    expect(h.seenAsOf('alice', 'resource_types', 'payment_method', later.bucket_start + HOUR)).toBe(true);
  });

  it('a group snapshot as of a cutoff is taken once when final, and again as rows arrive while provisional', () => {
    const h = new ActivityHistory(LOOKBACK, BAND);
    for (const actor of ['p1', 'p2']) for (const r of hourlyRows(actor, { days: 3, peak5m: 10, before: T0 })) h.add(r);
    const g = h.peerGroup('support_agent', 'customer_care');
    const cutoff = T0 - (T0 % DAY);
    const provisional = h.groupStats(g, 'hour_peak_5m', 'business', cutoff, false);
    expect(provisional.actors).toBe(2);
    // A third peer's rows arrive (its partition was behind): a provisional snapshot takes them in...
    for (const r of hourlyRows('p3', { days: 3, peak5m: 10, before: T0 })) h.add(r);
    const retaken = h.groupStats(g, 'hour_peak_5m', 'business', cutoff, false);
    expect(retaken.actors).toBe(3);
    // ...a final one is not taken again, whatever arrives later, before or after its cutoff.
    const final = h.groupStats(g, 'hour_peak_5m', 'business', cutoff, true);
    for (const r of hourlyRows('p4', { days: 3, peak5m: 10, before: T0 })) h.add(r);
    for (const r of hourlyRows('p1', { days: 2, peak5m: 500, before: T0 + 3 * DAY }).filter((x) => x.bucket_start >= cutoff)) h.add(r);
    expect(h.groupStats(g, 'hour_peak_5m', 'business', cutoff, true)).toBe(final);
    expect(final.actors).toBe(3);
    // Rows after the cutoff never count in it.
    expect(final.median).toBe(10);
  });
});
