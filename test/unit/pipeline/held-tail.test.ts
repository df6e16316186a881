/**
 * The messages partition alignment held back, kept per partition for its next
 * batch: at most maxBytes of keys and values, and joined with the next fetch
 * by offset.
 */
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../../src/model/batch.js';
import { HeldTails, fitting } from '../../../src/runtime/source/held-tail.js';

/** Messages whose keys and values are slices of one buffer, as kafkajs hands them over. */
function fetched(offsets: number[], valueBytes = 10): InboundMessage[] {
  const buffer = Buffer.alloc(offsets.length * (valueBytes + 1), 'x');
  return offsets.map((offset, i) => ({
    key: buffer.subarray(i * (valueBytes + 1), i * (valueBytes + 1) + 1),
    value: buffer.subarray(i * (valueBytes + 1) + 1, (i + 1) * (valueBytes + 1)),
    offset: String(offset),
  }));
}
const offsets = (ms: readonly InboundMessage[]) => ms.map((m) => Number(m.offset));

describe('held tails', () => {
  it('hands a fetch on unchanged while nothing is held', () => {
    const f = fetched([1, 2]);
    expect(new HeldTails().before(0, f)).toBe(f);
  });

  it('puts the held messages before a fetch that starts at the last one held (the fetched copy of that one wins)', () => {
    const tails = new HeldTails();
    expect(tails.hold(0, fetched([10, 11, 12, 13, 14]), 2, 1_000)?.offset).toBe('14');
    const next = fetched([14, 15]);
    const batch = tails.before(0, next);
    expect(offsets(batch)).toEqual([12, 13, 14, 15]);
    expect(batch[2]).toBe(next[0]);
    // Only hold() or release() replace what is held: a batch given up is joined the same way again.
    expect(offsets(tails.before(0, next))).toEqual([12, 13, 14, 15]);
  });

  it('leaves out held messages a fetch starts at or before, and keeps them before one that starts beyond', () => {
    const tails = new HeldTails();
    tails.hold(3, fetched([12, 13, 14]), 0, 1_000);
    expect(offsets(tails.before(3, fetched([10, 11, 12, 13])))).toEqual([10, 11, 12, 13]);
    expect(offsets(tails.before(3, fetched([13, 14])))).toEqual([12, 13, 14]);
    // 15..19 compacted away meanwhile: what is held is still the partition's next data.
    expect(offsets(tails.before(3, fetched([20])))).toEqual([12, 13, 14, 20]);
    expect(offsets(tails.before(4, fetched([20])))).toEqual([20]);
  });

  it('holds no more than maxBytes of keys and values (the rest is fetched again), nothing when the first does not fit', () => {
    const tails = new HeldTails();
    const batch = fetched([1, 2, 3, 4, 5]);
    expect(tails.hold(0, batch, 1, 33)?.offset).toBe('4');
    expect(tails.count(0)).toBe(3);
    expect(tails.hold(0, batch, 1, 10)).toBeNull();
    expect(tails.count(0)).toBe(0);
    expect(tails.hold(0, batch, 5, 1_000)).toBeNull();
  });

  it('keeps kafkajs’ message objects (copying them cost more than fetching them again saved)', () => {
    const tails = new HeldTails();
    const batch = fetched([1, 2]);
    tails.hold(0, batch, 0, 1_000);
    const [first, second] = tails.before(0, fetched([5]));
    expect([first, second]).toEqual([batch[0], batch[1]]);
    expect(first).toBe(batch[0]);
  });

  it('measures a run of messages that fits in a number of bytes', () => {
    const batch = fetched([1, 2, 3], 10);
    expect([fitting(batch, 0, 33), fitting(batch, 0, 32), fitting(batch, 1, 11), fitting(batch, 0, 10), fitting(batch, 3, 100)]).toEqual([3, 2, 2, 0, 3]);
  });

  it('forgets one partition or all', () => {
    const tails = new HeldTails();
    tails.hold(0, fetched([1]), 0, 100);
    tails.hold(1, fetched([1]), 0, 100);
    tails.release(0);
    expect([tails.count(0), tails.count(1)]).toEqual([0, 1]);
    tails.clear();
    expect(tails.count(1)).toBe(0);
  });
});
