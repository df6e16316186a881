import { describe, expect, it } from 'vitest';
import { hashKey } from '../../../src/runtime/engine/state/keys.js';
import { SeenEvents } from '../../../src/runtime/engine/state/seen-events.js';

const T0 = Date.parse('2025-03-04T10:00:00Z');
const H1 = 3_600_000;

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
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

  it('holds two ids that share the first 30-bit hash, each on its own (the old map kept one)', () => {
    // hashKey('evt-86377') === hashKey('evt-325810'): found by a birthday search.
    expect(hashKey('evt-86377')).toBe(hashKey('evt-325810'));
    const s = new SeenEvents(100);
    s.add('evt-86377', T0);
    s.add('evt-325810', T0 + 1000);
    expect(s.has('evt-86377')).toBe(true);
    expect(s.has('evt-325810')).toBe(true);
    // Forgetting the first leaves the second.
    s.expire(T0 + 1);
    expect(s.has('evt-86377')).toBe(false);
    expect(s.has('evt-325810')).toBe(true);
    expect(s.size).toBe(1);
  });

  it('forgets, in arrival order, the events older than the expiry instant (to the millisecond)', () => {
    const s = new SeenEvents(100);
    s.add('a', T0 + 2 * H1);
    s.add('b', T0 + 3 * H1 + 999);
    s.add('c', T0 + 10 * H1);
    s.expire(T0 + 3 * H1 + 999);
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([false, true, true]);
    s.expire(T0 + 3 * H1 + 1000);
    expect([s.has('b'), s.has('c')]).toEqual([false, true]);
    expect(s.size).toBe(1);
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
      const held = new Set<string>();
      let now = T0;
      for (let step = 0; step < 20_000; step++) {
        now += Math.floor(rnd() * 2000);
        const ts = now - Math.floor(rnd() * rnd() * H1); // some late by up to an hour
        const id = `ev-${Math.floor(rnd() * 30_000)}`;
        expect(s.has(id)).toBe(held.has(id));
        if (!held.has(id)) {
          s.add(id, ts);
          model.push({ id, ts });
          held.add(id);
          if (model.length > cap) held.delete((model.shift() as { id: string }).id);
        }
        if (step % 97 === 0) {
          const cutoff = now - 2 * H1;
          s.expire(cutoff);
          while (model.length > 0 && (model[0] as { ts: number }).ts < cutoff) held.delete((model.shift() as { id: string }).id);
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
        while (model.length > 0 && (model[0] as { ts: number }).ts < now - keep * 1000) model.shift();
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

  it('costs about 12 bytes per id in the log plus the index, and shrinks when ids expire', () => {
    const s = new SeenEvents(1_000_000);
    for (let i = 0; i < 10_000; i++) s.add(`id-${i}`, T0 + i * 1000);
    expect(s.approxBytes).toBeLessThanOrEqual(200 + 10_000 * (12 * 1.5 + 4 / 0.25));
    s.expire(T0 + 9_000 * 1000);
    expect(s.size).toBe(1000);
    expect(s.approxBytes).toBeLessThanOrEqual(200 + 1000 * (12 * 1.5 + 4 / 0.25));
  });
});
