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

  it("the share of peers who used a resource type counts the others, as of the cutoff", () => {
    const h = new ActivityHistory(LOOKBACK, BAND);
    // alice and p1 read customers; p2 and p3 orders too (p2 a week before, p3 only after the cutoff).
    for (const actor of ['alice', 'p1', 'p2', 'p3']) for (const r of hourlyRows(actor, { days: 3, peak5m: 10, before: T0 })) h.add(r);
    const orders = (actor: string, from: number) => hourlyRows(actor, { days: 1, peak5m: 5, before: from }).map((r) => ({ ...r, resource_types: ['order'] }));
    for (const r of orders('p2', T0 - 7 * DAY)) h.add(r);
    for (const r of orders('p3', T0 + 3 * DAY).filter((r) => r.bucket_start >= T0)) h.add(r);
    const g = h.peerGroup('support_agent', 'customer_care');
    const cutoff = T0 - (T0 % DAY);
    // Of alice's three peers, p2 read orders before the cutoff: 1 / 3.
    expect(h.shareUsing(g, 'alice', 'resource_types', 'order', cutoff)).toBeCloseTo(1 / 3);
    // p2's own use is not a peer's: of p2's peers, none.
    expect(h.shareUsing(g, 'p2', 'resource_types', 'order', cutoff)).toBe(0);
    // Everyone read customers.
    expect(h.shareUsing(g, 'alice', 'resource_types', 'customer', cutoff)).toBe(1);
    // After p3's orders closed, 2 of alice's 3 peers.
    expect(h.shareUsing(g, 'alice', 'resource_types', 'order', T0 + 3 * DAY)).toBeCloseTo(2 / 3);
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
