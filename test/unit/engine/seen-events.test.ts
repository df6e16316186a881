import { describe, expect, it } from 'vitest';
import { hashKey32 } from '../../../src/runtime/engine/state/keys.js';
import { SeenEvents } from '../../../src/runtime/engine/state/seen-events.js';
import { prng } from './support/prng.js';

const T0 = Date.parse('2025-03-04T10:00:00Z');
const H1 = 3_600_000;
/** The store rounds an event's time up to this: an id goes no earlier than asked and at most this much later. */
const UNIT = 16_000;
/** The model's time of an id: its ts rounded up to UNIT (what the store holds). */
const held = (ts: number): number => Math.ceil(ts / UNIT) * UNIT;
/** Ids to a block of the log, which holds one time for them all (the latest): an id goes with its block. */
const BLOCK = 8;

/**
 * The store's contract as a model: ids in arrival order, BLOCK to a block
 * (numbered from the first id held after the store was last empty); a block
 * goes, from the front, once the latest held time of the ids added to it is
 * before the expiry instant; beyond `cap` the first arrived id goes.
 */
class BlockModel {
  readonly ids: { id: string; ts: number; block: number }[] = [];
  private readonly held = new Set<string>();
  private readonly latest = new Map<number, number>();
  private arrived = 0;
  constructor(private readonly cap: number) {}

  add(id: string, ts: number): void {
    if (this.ids.length === 0) this.arrived = 0;
    const block = Math.floor(this.arrived++ / BLOCK);
    this.latest.set(block, Math.max(this.latest.get(block) ?? -Infinity, held(ts)));
    this.ids.push({ id, ts, block });
    this.held.add(id);
    if (this.ids.length > this.cap) this.drop();
  }

  expire(before: number): void {
    while (this.ids.length > 0) {
      const block = (this.ids[0] as { block: number }).block;
      if ((this.latest.get(block) as number) >= before) return;
      while (this.ids.length > 0 && (this.ids[0] as { block: number }).block === block) this.drop();
    }
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  private drop(): void {
    this.held.delete((this.ids.shift() as { id: string }).id);
  }
}

describe('SeenEvents', () => {
  it('knows an event by its id, whatever its ts', () => {
    const s = new SeenEvents(100);
    expect(s.has('e-1')).toBe(false);
    s.add('e-1', T0);
    expect(s.has('e-1')).toBe(true);
    expect(s.has('e-2')).toBe(false);
    expect(s.size).toBe(1);
  });

  it('holds two ids that share the first (32-bit) hash, each on its own (the old map kept one)', () => {
    // hashKey32('evt-462789') === hashKey32('evt-679192'): found by a birthday search.
    expect(hashKey32('evt-462789')).toBe(hashKey32('evt-679192'));
    const s = new SeenEvents(100);
    s.add('evt-462789', T0);
    // (The second in the next block: a block goes as one.)
    for (let k = 1; k < BLOCK; k++) s.add(`filler-${k}`, T0);
    s.add('evt-679192', T0 + UNIT);
    expect(s.has('evt-462789')).toBe(true);
    expect(s.has('evt-679192')).toBe(true);
    // Forgetting the first leaves the second.
    s.expire(T0 + 1);
    expect(s.has('evt-462789')).toBe(false);
    expect(s.has('evt-679192')).toBe(true);
    expect(s.size).toBe(1);
  });

  it('forgets, in arrival order, a block of ids once the latest of them is older than the expiry instant: never one at or after it', () => {
    const s = new SeenEvents(100);
    const block = (name: string, ts: number): string[] => Array.from({ length: BLOCK }, (_, k) => `${name}${k}`);
    const a = block('a', 0);
    const b = block('b', 0);
    for (const id of a) s.add(id, T0 + 2 * H1);
    // The block's latest time decides: one id of b is an hour earlier than the rest.
    b.forEach((id, k) => s.add(id, T0 + 3 * H1 + 999 - (k === 0 ? H1 : 0)));
    s.add('c', T0 + 10 * H1);
    s.expire(T0 + 3 * H1 + 999);
    expect(a.some((id) => s.has(id))).toBe(false);
    expect(b.every((id) => s.has(id))).toBe(true);
    expect(s.has('c')).toBe(true);
    s.expire(T0 + 3 * H1 + 999 + UNIT);
    expect(b.some((id) => s.has(id))).toBe(false);
    expect(s.has('c')).toBe(true);
    expect(s.size).toBe(1);
    // Every millisecond offset: held while the expiry instant is at or before its ts, gone once it is UNIT past.
    for (let ms = 0; ms < 2 * UNIT; ms += 997) {
      const ts = T0 + 11 * H1 + ms;
      for (const d of [-1, 0, 1, UNIT - 1, UNIT]) {
        const t = new SeenEvents(10);
        t.add('x', ts);
        t.expire(ts - d);
        if (d >= 0) expect(t.has('x')).toBe(true);
        t.expire(ts + UNIT);
        expect(t.has('x')).toBe(false);
      }
    }
  });

  it('never forgets early across long spans of event time (the 16-bit block times are rebased)', () => {
    const s = new SeenEvents(1_000_000);
    const day = 24 * H1;
    // An id every 10 minutes for 20 days, expiring those over a day old: each rebase (every 36 hours) keeps the day.
    const ids: { id: string; ts: number }[] = [];
    for (let ts = T0, step = 0; ts < T0 + 20 * day; ts += 600_000, step++) {
      s.add(`r-${ts}`, ts);
      ids.push({ id: `r-${ts}`, ts });
      s.expire(ts - day);
      if (step % 8 !== 0) continue;
      for (const x of ids.slice(-150)) {
        if (x.ts >= ts - day) expect(s.has(x.id)).toBe(true);
        // Gone once the latest id of its block (at most BLOCK - 1 ids, 10 minutes apart, later) is UNIT past.
        if (x.ts < ts - day - (BLOCK - 1) * 600_000 - UNIT) expect(s.has(x.id)).toBe(false);
      }
    }
    // A late event older than the log's time base (held longer, never shorter), then expiry past it.
    s.add('late', T0 + 18 * day);
    expect(s.has('late')).toBe(true);
    s.expire(T0 + 18 * day);
    expect(s.has('late')).toBe(true);
  });

  it('keeps at most cap ids, forgetting the first arrived first', () => {
    const s = new SeenEvents(3);
    for (let k = 1; k <= 4; k++) s.add(`t${k}`, T0 + k * 1000);
    expect(s.size).toBe(3);
    expect(s.has('t1')).toBe(false);
    for (const k of [2, 3, 4]) expect(s.has(`t${k}`)).toBe(true);
  });

  it('agrees with a model (arrival-ordered blocks of ids) under random adds, late events, caps and expiry', () => {
    for (const cap of [50, 1_000_000]) {
      const rnd = prng(cap);
      const s = new SeenEvents(cap);
      const model = new BlockModel(cap);
      let now = T0;
      for (let step = 0; step < 20_000; step++) {
        now += Math.floor(rnd() * 2000);
        const ts = now - Math.floor(rnd() * rnd() * H1); // some late by up to an hour
        const id = `ev-${Math.floor(rnd() * 30_000)}`;
        const known = model.has(id);
        expect(s.has(id)).toBe(known);
        if (!known) {
          s.add(id, ts);
          model.add(id, ts);
        }
        if (step % 97 === 0) {
          const cutoff = now - 2 * H1;
          s.expire(cutoff);
          model.expire(cutoff);
          expect(s.size).toBe(model.ids.length);
          // Never shorter than the 8-byte entries held: every id whose own rounded time is not before the cutoff, of the last cap.
          if (cap > 20_000 && step % 970 === 0) for (const x of model.ids) if (held(x.ts) >= cutoff) expect(s.has(x.id)).toBe(true);
        }
      }
      for (const { id } of model.ids) expect(s.has(id)).toBe(true);
    }
  });

  it('forgets every id the 8-byte entries forgot but at most BLOCK - 1 per store (random times, late ones, expiry)', () => {
    const rnd = prng(5);
    const s = new SeenEvents(1_000_000);
    const all: { id: string; ts: number }[] = [];
    let now = T0;
    for (let step = 0; step < 5_000; step++) {
      now += Math.floor(rnd() * 60_000);
      const id = `late-${step}`;
      const ts = now - Math.floor(rnd() * rnd() * H1);
      s.add(id, ts);
      all.push({ id, ts });
      if (step % 13 === 0) {
        const cutoff = now - H1;
        s.expire(cutoff);
        // The old store's front: ids expired in arrival order while their own time was before the cutoff.
        let front = 0;
        while (front < all.length && held((all[front] as { ts: number }).ts) < cutoff) front++;
        const oldHeld = all.length - front;
        expect(s.size).toBeGreaterThanOrEqual(oldHeld);
        expect(s.size).toBeLessThanOrEqual(oldHeld + BLOCK - 1);
        for (let k = front; k < all.length; k++) expect(s.has((all[k] as { id: string }).id)).toBe(true);
        all.splice(0, all.length - s.size);
      }
    }
  });

  it('holds few ids without an index (scanned) and many with one, crossing both ways without losing or inventing an id', () => {
    const rnd = prng(11);
    const s = new SeenEvents(1_000_000);
    const model = new BlockModel(1_000_000);
    let now = T0;
    let small = 0;
    let large = 0;
    for (let step = 0; step < 30_000; step++) {
      now += 1000;
      const id = `x-${step}-${Math.floor(rnd() * 1e6)}`;
      expect(s.has(id)).toBe(false);
      s.add(id, now);
      model.add(id, now);
      // The number held swings between a few and several hundred (the window of ids kept changes every 500 steps).
      const keep = [30, 480, 60, 360][Math.floor(step / 500) % 4] as number;
      if (step % 7 === 0) {
        s.expire(now - keep * 1000);
        model.expire(now - keep * 1000);
        expect(s.size).toBe(model.ids.length);
        const probe = model.ids[Math.floor(rnd() * model.ids.length)] as { id: string };
        expect(s.has(probe.id)).toBe(true);
        expect(s.has(`${probe.id}-not`)).toBe(false);
        // Below SCAN_MAX / 2 the index is gone, whatever size it had (128 here).
        if (s.size <= 64 && step > 1000) {
          small++;
          expect(s.indexed).toBe(false);
        }
        if (s.size > 300) {
          large++;
          expect(s.indexed).toBe(true);
        }
      }
    }
    for (const { id } of model.ids) expect(s.has(id)).toBe(true);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(0);
  });

  it('costs about 6.25 bytes per id in the log plus the index, and shrinks when ids expire', () => {
    const s = new SeenEvents(1_000_000);
    for (let i = 0; i < 10_000; i++) s.add(`id-${i}`, T0 + i * 1000);
    expect(s.approxBytes).toBeLessThanOrEqual(360 + 10_000 * (6.25 * 1.15 + 2 / 0.6));
    expect(s.approxBytes).toBeLessThan(360 + 10_000 * (8 * 1.1 + 2 / 0.6));
    s.expire(T0 + 9_000 * 1000);
    // The ids of the UNIT before the expiry instant may stay, and the rest of a block.
    expect(s.size).toBeGreaterThanOrEqual(1000);
    expect(s.size).toBeLessThanOrEqual(1000 + UNIT / 1000 + BLOCK);
    expect(s.approxBytes).toBeLessThanOrEqual(360 + 1030 * (6.25 * 1.15 + 2 / 0.6));
  });
  it('holds more ids than 16-bit positions tell apart (its index widens to 32 bits), and forgets them as before', () => {
    const s = new SeenEvents(1_000_000);
    for (let i = 0; i < 70_000; i++) s.add(`wide-${i}`, T0 + i * 1000);
    expect((s as unknown as { index: unknown }).index).toBeInstanceOf(Int32Array);
    for (let i = 0; i < 70_000; i += 7) expect(s.has(`wide-${i}`)).toBe(true);
    for (let i = 0; i < 1_000; i++) expect(s.has(`other-${i}`)).toBe(false);
    s.expire(T0 + 60_000 * 1000);
    expect(s.size).toBeGreaterThanOrEqual(10_000);
    expect(s.size).toBeLessThanOrEqual(10_000 + UNIT / 1000 + BLOCK);
    expect(s.has('wide-69999')).toBe(true);
    expect(s.has('wide-100')).toBe(false);
    expect((s as unknown as { index: unknown }).index).toBeInstanceOf(Uint16Array);
  });
});
