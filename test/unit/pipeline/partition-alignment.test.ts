/** Partition alignment: a partition too far ahead of the slowest one with events waiting is held, and none waits forever. */
import { describe, expect, it } from 'vitest';
import { PartitionAlignment } from '../../../src/runtime/pipeline/partition-alignment.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 2, 10);

function aligned(ahead = 23 * HOUR) {
  let now = 0;
  const a = new PartitionAlignment(() => ahead, () => now, 10_000);
  return { a, advance: (ms: number) => (now += ms) };
}

describe('PartitionAlignment', () => {
  it('bounds a partition by the slowest other one with events waiting; a caught-up partition holds nobody', () => {
    const { a } = aligned();
    a.assign([0, 1, 2]);
    a.evaluated(1, { lastTs: T, heldFrom: null, reachedEnd: false });
    a.evaluated(2, { lastTs: T + 5 * HOUR, heldFrom: null, reachedEnd: false });
    expect(a.othersCompleteTo(0)).toBe(T);
    expect(a.bound(0)).toBe(T + 23 * HOUR);
    // Partition 1 reaches its log end: it holds nobody back any more.
    a.evaluated(1, { lastTs: T + HOUR, heldFrom: null, reachedEnd: true });
    expect(a.othersCompleteTo(0)).toBe(T + 5 * HOUR);
    a.evaluated(2, { lastTs: T + 6 * HOUR, heldFrom: null, reachedEnd: true });
    expect(a.othersCompleteTo(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('a partition not heard of holds the others only for the grace period', () => {
    const { a, advance } = aligned();
    a.assign([0, 1]);
    a.evaluated(0, { lastTs: T, heldFrom: null, reachedEnd: false });
    expect(a.othersCompleteTo(0)).toBe(Number.NEGATIVE_INFINITY);
    advance(10_000);
    expect(a.othersCompleteTo(0)).toBe(Number.POSITIVE_INFINITY);
    // A restored partition is known at once: it stands at its newest stored event...
    a.assign([0, 1, 2]);
    a.restored(2, T - HOUR, false);
    expect(a.othersCompleteTo(0)).toBe(T - HOUR);
    // ...and one restored with nothing beyond its committed offset holds nobody (it may never deliver a batch).
    a.restored(2, T - HOUR, true);
    expect(a.othersCompleteTo(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('a held partition resumes once the slowest one caught up enough, and counts as standing at its first held event', () => {
    const { a } = aligned();
    a.assign([0, 1]);
    a.evaluated(1, { lastTs: T, heldFrom: null, reachedEnd: false });
    a.evaluated(0, { lastTs: T + 20 * HOUR, heldFrom: T + 30 * HOUR, reachedEnd: false });
    a.paused(0);
    expect(a.resumable()).toEqual([]);
    expect(a.othersCompleteTo(1)).toBe(T + 30 * HOUR - 1);
    a.evaluated(1, { lastTs: T + 8 * HOUR, heldFrom: null, reachedEnd: false });
    expect(a.resumable()).toEqual([0]);
    expect(a.resumable()).toEqual([]);
  });

  it('is not resumed before the source has paused it (a resume would come before the pause)', () => {
    const { a } = aligned();
    a.assign([0, 1]);
    a.evaluated(1, { lastTs: T + 10 * HOUR, heldFrom: null, reachedEnd: false });
    a.evaluated(0, { lastTs: T, heldFrom: T + 30 * HOUR, reachedEnd: false });
    expect(a.resumable()).toEqual([]);
    a.paused(0);
    expect(a.resumable()).toEqual([0]);
  });

  it('never holds every partition: the one furthest behind can always go on, even across a gap in its events', () => {
    const { a } = aligned();
    a.assign([0, 1, 2]);
    // Each was cut at its next event; partition 2's next event is three days after its last.
    a.evaluated(0, { lastTs: T + 10 * HOUR, heldFrom: T + 40 * HOUR, reachedEnd: false });
    a.evaluated(1, { lastTs: T + 12 * HOUR, heldFrom: T + 41 * HOUR, reachedEnd: false });
    a.evaluated(2, { lastTs: T, heldFrom: T + 72 * HOUR, reachedEnd: false });
    for (const p of [0, 1, 2]) a.paused(p);
    const resumed = a.resumable();
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed).toContain(0);
  });

  it('a revoked partition is not brought back by a restore or batch that ends after its revocation (no phantom bounding the others)', () => {
    const { a } = aligned();
    a.assign([0, 1]);
    a.evaluated(0, { lastTs: T, heldFrom: null, reachedEnd: false });
    a.assign([0]); // 1 revoked
    a.restored(1, T - 30 * HOUR, false);
    a.evaluated(1, { lastTs: T - 30 * HOUR, heldFrom: null, reachedEnd: false });
    expect(Object.keys(a.describe())).toEqual(['0']);
    expect(a.othersCompleteTo(0)).toBe(Number.POSITIVE_INFINITY);
  });
});
