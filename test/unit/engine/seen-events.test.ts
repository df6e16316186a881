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
    s.add('evt-679192', T0 + UNIT);
    expect(s.has('evt-462789')).toBe(true);
    expect(s.has('evt-679192')).toBe(true);
    // Forgetting the first leaves the second.
    s.expire(T0 + 1);
    expect(s.has('evt-462789')).toBe(false);
    expect(s.has('evt-679192')).toBe(true);
    expect(s.size).toBe(1);
  });

  it('forgets, in arrival order, the events older than the expiry instant: never one at or after it, none older by UNIT', () => {
    const s = new SeenEvents(100);
    s.add('a', T0 + 2 * H1);
    s.add('b', T0 + 3 * H1 + 999);
    s.add('c', T0 + 10 * H1);
    s.expire(T0 + 3 * H1 + 999);
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([false, true, true]);
    s.expire(T0 + 3 * H1 + 999 + UNIT);
    expect([s.has('b'), s.has('c')]).toEqual([false, true]);
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

  it('never forgets early across long spans of event time (the 14-bit times are rebased)', () => {
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
        if (x.ts < ts - day - UNIT) expect(s.has(x.id)).toBe(false);
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

  it('agrees with a model (arrival-ordered list of ids) under random adds, late events, caps and expiry', () => {
    for (const cap of [50, 1_000_000]) {
      const rnd = prng(cap);
      const s = new SeenEvents(cap);
      const model: { id: string; ts: number }[] = [];
      const heldIds = new Set<string>();
      let now = T0;
      for (let step = 0; step < 20_000; step++) {
        now += Math.floor(rnd() * 2000);
        const ts = now - Math.floor(rnd() * rnd() * H1); // some late by up to an hour
        const id = `ev-${Math.floor(rnd() * 30_000)}`;
        expect(s.has(id)).toBe(heldIds.has(id));
        if (!heldIds.has(id)) {
          s.add(id, ts);
          model.push({ id, ts });
          heldIds.add(id);
          if (model.length > cap) heldIds.delete((model.shift() as { id: string }).id);
        }
        if (step % 97 === 0) {
          const cutoff = now - 2 * H1;
          s.expire(cutoff);
          while (model.length > 0 && held((model[0] as { ts: number }).ts) < cutoff) heldIds.delete((model.shift() as { id: string }).id);
          expect(s.size).toBe(model.length);
        }
      }
      for (const { id } of model) expect(s.has(id)).toBe(true);
    }
  });

  it('holds few ids without an index (scanned) and many with one, crossing both ways without losing or inventing an id', () => {
    const rnd = prng(11);
    const s = new SeenEvents(1_000_000);
    const model: { id: string; ts: number }[] = [];
    let now = T0;
    let small = 0;
    let large = 0;
    for (let step = 0; step < 30_000; step++) {
      now += 1000;
      const id = `x-${step}-${Math.floor(rnd() * 1e6)}`;
      expect(s.has(id)).toBe(false);
      s.add(id, now);
      model.push({ id, ts: now });
      // The number held swings between a few and several hundred (the window of ids kept changes every 500 steps).
      const keep = [30, 480, 60, 360][Math.floor(step / 500) % 4] as number;
      if (step % 7 === 0) {
        s.expire(now - keep * 1000);
        while (model.length > 0 && held((model[0] as { ts: number }).ts) < now - keep * 1000) model.shift();
        expect(s.size).toBe(model.length);
        const probe = model[Math.floor(rnd() * model.length)] as { id: string };
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
    for (const { id } of model) expect(s.has(id)).toBe(true);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(0);
  });

  it('costs about 8 bytes per id in the log plus the index, and shrinks when ids expire', () => {
    const s = new SeenEvents(1_000_000);
    for (let i = 0; i < 10_000; i++) s.add(`id-${i}`, T0 + i * 1000);
    expect(s.approxBytes).toBeLessThanOrEqual(200 + 10_000 * (8 * 1.5 + 4 / 0.25));
    s.expire(T0 + 9_000 * 1000);
    // The ids of the UNIT before the expiry instant may stay.
    expect(s.size).toBeGreaterThanOrEqual(1000);
    expect(s.size).toBeLessThanOrEqual(1000 + UNIT / 1000);
    expect(s.approxBytes).toBeLessThanOrEqual(200 + 1016 * (8 * 1.5 + 4 / 0.25));
  });
  it('holds more ids than 16-bit positions tell apart (its index widens to 32 bits), and forgets them as before', () => {
    const s = new SeenEvents(1_000_000);
    for (let i = 0; i < 70_000; i++) s.add(`wide-${i}`, T0 + i * 1000);
    expect((s as unknown as { index: unknown }).index).toBeInstanceOf(Int32Array);
    for (let i = 0; i < 70_000; i += 7) expect(s.has(`wide-${i}`)).toBe(true);
    for (let i = 0; i < 1_000; i++) expect(s.has(`other-${i}`)).toBe(false);
    s.expire(T0 + 60_000 * 1000);
    expect(s.size).toBeGreaterThanOrEqual(10_000);
    expect(s.size).toBeLessThanOrEqual(10_000 + UNIT / 1000);
    expect(s.has('wide-69999')).toBe(true);
    expect(s.has('wide-100')).toBe(false);
    expect((s as unknown as { index: unknown }).index).toBeInstanceOf(Uint16Array);
  });
});
