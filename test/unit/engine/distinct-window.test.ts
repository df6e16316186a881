import { describe, expect, it } from 'vitest';
import { DistinctWindow, NONE, SKETCHED, toWindowSeconds } from '../../../src/runtime/engine/state/distinct-window.js';
import { Hll, SlidingHll } from '../../../src/runtime/engine/state/hll.js';
import { IntMap, MISSING } from '../../../src/runtime/engine/state/int-map.js';
import { refKey } from '../../../src/runtime/engine/state/keys.js';
import { ref } from './support/enrich.js';
import { prng } from './support/prng.js';

const M5 = 300_000;
const H1 = 3_600_000;
const D1 = 86_400_000;
const T0 = Date.parse('2025-03-04T10:00:00Z');

/** Brute force: distinct keys whose latest touch (in whole seconds) is within [now - h, now]. */
function model(touches: [number, number][], nowMs: number, h: number): number {
  const last = new Map<number, number>();
  for (const [k, t] of touches) last.set(k, Math.max(last.get(k) ?? -Infinity, Math.floor(t / 1000)));
  const cutoff = Math.floor(nowMs / 1000) - h / 1000;
  let n = 0;
  for (const t of last.values()) if (t >= cutoff) n++;
  return n;
}

describe('DistinctWindow', () => {
  it('counts distinct refs per horizon, not touches', () => {
    const w = new DistinctWindow([M5, H1, D1], 10_000);
    const a = refKey(ref('a'));
    const b = refKey(ref('b'));
    w.advance(T0);
    w.addRef(a, T0);
    w.addRef(a, T0);
    w.addRef(b, T0);
    expect([w.count(0), w.count(1), w.count(2)]).toEqual([2, 2, 2]);
    w.advance(T0 + 10 * 60_000); // 10 minutes later: gone from 5m only
    expect([w.count(0), w.count(1), w.count(2)]).toEqual([0, 2, 2]);
    w.addRef(a, T0 + 10 * 60_000); // a comes back into 5m, still one in 1h
    expect([w.count(0), w.count(1), w.count(2)]).toEqual([1, 2, 2]);
    w.advance(T0 + 2 * H1);
    expect([w.count(0), w.count(1), w.count(2)]).toEqual([0, 0, 2]);
    w.advance(T0 + D1 + 11 * 60_000);
    expect([w.count(0), w.count(1), w.count(2)]).toEqual([0, 0, 0]);
  });

  it('addRef tells the previous latest touch (what buckets use for "first since")', () => {
    const w = new DistinctWindow([M5, D1], 10_000);
    const a = refKey(ref('a'));
    w.advance(T0);
    expect(w.addRef(a, T0)).toBe(NONE);
    w.advance(T0 + 60_000);
    expect(w.addRef(a, T0 + 60_000)).toBe(toWindowSeconds(T0));
  });

  it('counts count-only customers as exact sums that expire', () => {
    const w = new DistinctWindow([M5, H1], 10_000);
    w.advance(T0);
    w.addAnonymous(40, T0);
    w.addRef(refKey(ref('a')), T0);
    expect(w.count(0)).toBe(41);
    w.advance(T0 + 6 * 60_000);
    w.addAnonymous(5, T0 + 6 * 60_000);
    expect([w.count(0), w.count(1)]).toEqual([5, 46]);
  });

  it('holds count-only amounts beyond int32 exactly (an amount is held in its log key, a large one as several entries), through a compaction and expiry', () => {
    const w = new DistinctWindow([M5, H1], 10_000);
    w.advance(T0);
    const big = 4_294_967_295; // the largest record_count decode lets through
    w.addAnonymous(big, T0);
    w.addAnonymous(2_147_483_647, T0 + 1000);
    expect(w.count(1)).toBe(big + 2_147_483_647);
    // Superseded touches force a compaction: the amounts stay.
    for (let i = 0; i < 40; i++) for (const r of ['a', 'b']) w.addRef(refKey(ref(r)), T0 + 2000 + i * 1000);
    expect(w.count(1)).toBe(big + 2_147_483_647 + 2);
    w.advance(T0 + 6 * 60_000);
    expect([w.count(0), w.count(1)]).toEqual([0, big + 2_147_483_647 + 2]);
    w.setHorizons([M5, H1, 2 * H1]);
    expect(w.count(2)).toBe(big + 2_147_483_647 + 2);
    w.advance(T0 + H1 + 60_000);
    expect(w.count(1)).toBe(0);
    expect(w.count(2)).toBe(big + 2_147_483_647 + 2);
  });

  it('inserts late touches in time order: counted where they belong, expired on time', () => {
    const w = new DistinctWindow([M5, H1], 10_000);
    const a = refKey(ref('a'));
    const b = refKey(ref('b'));
    w.advance(T0 + 10 * 60_000);
    w.addRef(a, T0 + 10 * 60_000);
    w.addRef(b, T0); // 10 minutes late: outside 5m, inside 1h
    expect([w.count(0), w.count(1)]).toEqual([1, 2]);
    w.advance(T0 + H1 + 1_000); // b's hour is over, a's is not
    expect([w.count(0), w.count(1)]).toEqual([0, 1]);
  });

  it('matches a brute-force model on random in-order and late streams (several horizons)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = prng(seed);
      const horizons = [60_000, M5, H1];
      const w = new DistinctWindow(horizons, 10_000);
      const touches: [number, number][] = [];
      let now = T0;
      for (let i = 0; i < 3_000; i++) {
        now += Math.floor(rnd() * 20_000);
        w.advance(now);
        // Mostly in order; sometimes up to 2 minutes late.
        const ts = rnd() < 0.1 ? now - Math.floor(rnd() * 120_000) : now;
        const k = Math.floor(rnd() * 400);
        w.addRef(k, ts);
        touches.push([k, ts]);
        if (i % 50 === 0) {
          horizons.forEach((h, idx) => expect(w.count(idx), `seed ${seed} step ${i} horizon ${h}`).toBe(model(touches, now, h)));
        }
      }
    }
  });

  it('scans few live refs without an index and indexes many, crossing both ways (late touches included) without miscounting or losing a previous touch', () => {
    const rnd = prng(21);
    const horizons = [M5, H1];
    const w = new DistinctWindow(horizons, 10_000);
    const touches: [number, number][] = [];
    const latest = new Map<number, number>();
    let now = T0;
    let small = 0;
    let large = 0;
    for (let i = 0; i < 12_000; i++) {
      // Quiet and busy stretches: the hour holds from a handful of refs to several hundred.
      const busy = Math.floor(i / 1500) % 2 === 1;
      now += busy ? Math.floor(rnd() * 3_000) : Math.floor(rnd() * 60_000);
      w.advance(now);
      const ts = rnd() < 0.1 ? now - Math.floor(rnd() * 120_000) : now;
      const k = Math.floor(rnd() * (busy ? 2_000 : 20));
      const prev = w.addRef(k, ts);
      // addRef tells the ref's previous latest touch (in window seconds) while it is within the hour.
      const want = latest.get(k);
      const cutoff = toWindowSeconds(now) - H1 / 1000;
      expect(prev, `step ${i}`).toBe(want === undefined || want < cutoff ? NONE : want);
      latest.set(k, Math.max(want ?? -Infinity, toWindowSeconds(ts)));
      touches.push([k, ts]);
      if (i % 40 === 0) {
        horizons.forEach((h, idx) => expect(w.count(idx), `step ${i} horizon ${h}`).toBe(model(touches, now, h)));
        const live = w.count(1);
        // Below SCAN_MAX / 2 the index is gone, whatever size it had (64 here).
        if (live < 32 && i > 1500) {
          small++;
          expect(w.indexed, `step ${i}`).toBe(false);
        }
        if (live > 300) {
          large++;
          expect(w.indexed, `step ${i}`).toBe(true);
        }
      }
    }
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(0);
  });

  it('matches the model with thousands of refs coming and going, late touches, count-only entries and a reload to a longer horizon, which sees only what the old longest held, count-only customers included (index grows, shrinks, entries move)', () => {
    for (const seed of [11, 12, 13]) {
      const rnd = prng(seed);
      let horizons = [60_000, M5, H1];
      const w = new DistinctWindow(horizons, 10_000);
      const touches: [number, number][] = [];
      const anon: [number, number][] = [];
      const latest = new Map<number, number>();
      let now = T0;
      for (let i = 0; i < 12_000; i++) {
        // Bursts of many new refs, then quiet stretches in which they expire.
        const phase = Math.floor(i / 2_000) % 2;
        now += phase === 0 ? Math.floor(rnd() * 500) : Math.floor(rnd() * 60_000);
        w.advance(now);
        const ts = rnd() < 0.2 ? now - Math.floor(rnd() * 240_000) : now;
        if (rnd() < 0.05) {
          const n = 1 + Math.floor(rnd() * 5);
          w.addAnonymous(n, ts);
          if (Math.floor(ts / 1000) >= Math.floor(now / 1000) - (horizons[horizons.length - 1] as number) / 1000) anon.push([n, ts]);
        } else {
          const k = Math.floor(rnd() * (phase === 0 ? 5_000 : 50)) * 2_654_435 % 0x3fffffff;
          const longestCutoff = Math.floor(now / 1000) - (horizons[horizons.length - 1] as number) / 1000;
          const sec = Math.floor(ts / 1000);
          const prev = latest.get(k);
          const prevLive = prev !== undefined && prev >= longestCutoff ? prev : undefined;
          const got = w.addRef(k, ts);
          if (sec < longestCutoff) expect(got).toBe(NONE);
          else {
            expect(got === NONE ? undefined : got, `seed ${seed} step ${i}`).toBe(prevLive === undefined ? undefined : toWindowSeconds(prevLive * 1000));
            touches.push([k, ts]);
            if (prevLive === undefined || sec > prevLive) latest.set(k, sec);
          }
        }
        if (i === 6_000) {
          horizons = [M5, H1, 2 * H1];
          w.setHorizons(horizons);
          // A longer horizon sees only what the previous longest still held.
          const cutoff = Math.floor(now / 1000) - H1 / 1000;
          for (let j = touches.length - 1; j >= 0; j--) if (Math.floor((touches[j] as [number, number])[1] / 1000) < cutoff) touches.splice(j, 1);
          for (let j = anon.length - 1; j >= 0; j--) if (Math.floor((anon[j] as [number, number])[1] / 1000) < cutoff) anon.splice(j, 1);
          for (const [k, t] of latest) if (t < cutoff) latest.delete(k);
        }
        if (i % 97 === 0) {
          horizons.forEach((h, idx) => {
            const cutoff = Math.floor(now / 1000) - h / 1000;
            const a = anon.filter(([, t]) => Math.floor(t / 1000) >= cutoff).reduce((x, [n]) => x + n, 0);
            expect(w.count(idx), `seed ${seed} step ${i} horizon ${h}`).toBe(model(touches, now, h) + a);
          });
        }
      }
      expect(w.isExact).toBe(true);
    }
  });

  it.each([
    ['1970, horizons reaching before the epoch', Date.parse('1970-01-01T00:10:00Z')],
    ['2000', Date.parse('2000-01-01T00:00:00Z')],
    ['2019', Date.parse('2019-06-01T12:00:00Z')],
    ['2089 (past the old 2020-based int32 range)', Date.parse('2089-01-01T00:00:00Z')],
    ['2106', Date.parse('2106-01-01T00:00:00Z')],
  ])('matches the brute-force model far from 2020: %s', (_name, start) => {
    const rnd = prng(7);
    const horizons = [60_000, M5, H1, D1];
    const w = new DistinctWindow(horizons, 10_000);
    const touches: [number, number][] = [];
    let now = start;
    for (let i = 0; i < 2_000; i++) {
      now += Math.floor(rnd() * 60_000);
      w.advance(now);
      const ts = rnd() < 0.1 ? Math.max(start, now - Math.floor(rnd() * 120_000)) : now;
      const k = Math.floor(rnd() * 300);
      w.addRef(k, ts);
      touches.push([k, ts]);
      if (i % 50 === 0) horizons.forEach((h, idx) => expect(w.count(idx), `step ${i} horizon ${h}`).toBe(model(touches, now, h)));
    }
    w.advance(now + D1 + 1_000);
    expect(horizons.map((_, idx) => w.count(idx))).toEqual([0, 0, 0, 0]);
  });

  it('keeps window seconds ordered, distinct and clear of the sentinels from 1970 to 2106, clamped beyond', () => {
    const at = (iso: string) => toWindowSeconds(Date.parse(iso));
    const points = ['1970-01-01T00:00:01Z', '2000-01-01T00:00:00Z', '2020-09-13T12:26:40Z', '2088-09-01T00:00:00Z', '2106-02-07T06:28:14Z'].map(at);
    for (let i = 1; i < points.length; i++) expect(points[i]).toBeGreaterThan(points[i - 1] as number);
    for (const p of [...points, toWindowSeconds(-1e12), toWindowSeconds(Date.parse('2200-01-01T00:00:00Z'))]) {
      expect(p).toBeGreaterThan(NONE);
      expect(p).toBeLessThan(SKETCHED);
    }
    expect(toWindowSeconds(Date.parse('2089-01-01T00:00:01Z')) - toWindowSeconds(Date.parse('2089-01-01T00:00:00Z'))).toBe(1);
    // Beyond the range, times clamp (monotonic), they never wrap around.
    expect(toWindowSeconds(Date.parse('2200-01-01T00:00:00Z'))).toBeGreaterThanOrEqual(points[4] as number);
    expect(toWindowSeconds(-1e12)).toBeLessThanOrEqual(points[0] as number);
  });

  it('switches to a sliding HyperLogLog beyond the cap, within its error, and expires it', () => {
    const w = new DistinctWindow([M5, H1], 1_000);
    w.advance(T0);
    for (let i = 0; i < 20_000; i++) w.addRef(refKey(ref(`s-${i}`)), T0 + Math.floor(i / 10) * 1_000);
    w.advance(T0 + 2_000_000);
    expect(w.isExact).toBe(false);
    expect(w.addRef(refKey(ref('late-one')), T0 + 2_000_000)).toBe(SKETCHED);
    // 1h holds all 20,001; 5m holds the last 300 s = 3,000 refs (+1). p = 10: ~3.3 % standard error.
    expect(Math.abs(w.count(1) - 20_001) / 20_001).toBeLessThan(0.1);
    expect(Math.abs(w.count(0) - 3_001) / 3_001).toBeLessThan(0.1);
    w.advance(T0 + 2_000_000 + 2 * H1);
    expect(w.count(1)).toBe(0);
    expect(w.isExact).toBe(true);
  });

  it('setHorizons rebuilds counts from the log (rule reload keeps what was observed)', () => {
    const w = new DistinctWindow([M5, H1], 10_000);
    w.advance(T0);
    for (let i = 0; i < 10; i++) w.addRef(refKey(ref(`x${i}`)), T0 - i * 60_000);
    expect([w.count(0), w.count(1)]).toEqual([6, 10]);
    w.setHorizons([120_000, M5, H1]);
    expect([w.count(0), w.count(1), w.count(2)]).toEqual([3, 6, 10]);
  });
});

describe('DistinctWindow entries (6 bytes: a second offset from the window base, re-based; 8 when wide)', () => {
  const stride = (w: DistinctWindow): number => (w as unknown as { stride: number }).stride;
  const logBytes = (w: DistinctWindow): number => (w as unknown as { buf: Uint16Array }).buf.byteLength;

  /**
   * Drives a window and a model (latest second per ref, count-only amounts) through a random stream;
   * `reload` (step, horizons) changes the horizons mid-way. Checks counts and previous touches.
   */
  function drive(seed: number, first: number[], steps: number, gapMs: () => number, reload?: [number, number[]]): DistinctWindow {
    const rnd = prng(seed);
    let horizons = first;
    const w = new DistinctWindow(horizons, 100_000);
    const latest = new Map<number, number>();
    let anon: [number, number][] = [];
    let now = T0;
    const longestCutoff = (): number => toWindowSeconds(now) - (horizons[horizons.length - 1] as number) / 1000;
    for (let i = 0; i < steps; i++) {
      now += gapMs();
      w.advance(now);
      const late = rnd() < 0.2 ? Math.floor(rnd() * 300_000) : 0;
      const ts = now - late;
      const sec = toWindowSeconds(ts);
      if (rnd() < 0.05) {
        const n = 1 + Math.floor(rnd() * 9);
        w.addAnonymous(n, ts);
        if (sec >= longestCutoff()) anon.push([n, sec]);
      } else {
        const k = Math.floor(rnd() * 3_000) * 357_913 % 0x3fffffff;
        const prev = latest.get(k);
        const live = prev !== undefined && prev >= longestCutoff() ? prev : NONE;
        const got = w.addRef(k, ts);
        if (sec < longestCutoff()) expect(got).toBe(NONE);
        else {
          expect(got, `seed ${seed} step ${i}`).toBe(live);
          if (live === NONE || sec > live) latest.set(k, sec);
        }
      }
      if (reload !== undefined && i === reload[0]) {
        const cutoff = longestCutoff();
        horizons = reload[1];
        w.setHorizons(horizons);
        // A longer horizon sees only what the previous longest still held.
        for (const [k, t] of latest) if (t < cutoff) latest.delete(k);
        anon = anon.filter(([, t]) => t >= cutoff);
      }
      if (i % 53 === 0) {
        horizons.forEach((h, idx) => {
          const cutoff = toWindowSeconds(now) - h / 1000;
          let n = 0;
          for (const t of latest.values()) if (t >= cutoff) n++;
          for (const [a, t] of anon) if (t >= cutoff) n += a;
          expect(w.count(idx), `seed ${seed} step ${i} horizon ${h}`).toBe(n);
        });
      }
    }
    expect(w.isExact).toBe(true);
    return w;
  }

  it('holds 6 bytes per entry with horizons up to a day (an int32 second and key took 8)', () => {
    const w = new DistinctWindow([M5, H1, D1], 10_000);
    w.advance(T0);
    for (let k = 0; k < 2_000; k++) w.addRef(k * 7_919, T0);
    expect(stride(w)).toBe(3);
    expect(logBytes(w)).toBeLessThanOrEqual(2_000 * 6 * 1.2);
    expect(w.count(2)).toBe(2_000);
  });

  it('matches the model over days of event time with a day-long horizon (its base second re-based many times), late touches and count-only entries', () => {
    for (const seed of [21, 22, 23]) {
      const rnd = prng(seed * 7);
      // Busy stretches and quiet ones (up to 20 hours): several re-bases, some with everything expired.
      const w = drive(seed, [M5, H1, D1], 8_000, () => (rnd() < 0.002 ? Math.floor(rnd() * 20 * H1) : Math.floor(rnd() * 120_000)));
      expect(stride(w)).toBe(3);
    }
  });

  it('holds horizons longer than a narrow offset spans (2 and 7 days) in wide entries, exactly', () => {
    for (const [seed, horizons] of [[31, [H1, 2 * D1]], [32, [D1, 7 * D1]]] as const) {
      const rnd = prng(seed);
      const w = drive(seed, [...horizons], 6_000, () => Math.floor(rnd() * 400_000));
      expect(stride(w)).toBe(4);
    }
  });

  it('widens on a reload to a horizon beyond a narrow offset, keeping what the old longest held', () => {
    const rnd = prng(41);
    const w = drive(41, [M5, D1], 6_000, () => Math.floor(rnd() * 200_000), [3_000, [M5, D1, 3 * D1]]);
    expect(stride(w)).toBe(4);
  });

  it('holds its heads and counts in the log\'s array, after the entries (no array of their own), through reloads to more and to fewer horizons', () => {
    const cases = [
      [51, [M5, H1, D1], [60_000, M5, 2 * H1, D1]],
      [52, [M5, H1, D1], [H1]],
      [53, [H1], [60_000, M5, H1]],
      [54, [60_000, M5, H1, D1], [M5, 2 * D1]],
    ] as const;
    for (const [seed, first, next] of cases) {
      const rnd = prng(seed * 3);
      const w = drive(seed, [...first], 5_000, () => (rnd() < 0.01 ? Math.floor(rnd() * 4 * H1) : Math.floor(rnd() * 60_000)), [2_500, [...next]]);
      const view = w as unknown as { hr?: unknown; capacity: number };
      expect(view.hr).toBeUndefined();
      // Two values per horizon of two u16 words each, after `capacity` entries.
      expect(logBytes(w)).toBe(view.capacity * stride(w) * 2 + next.length * 8);
    }
  });

  it('widens when touches without an advance span more than a narrow offset, and counts them all', () => {
    const w = new DistinctWindow([M5, D1], 10_000);
    // No advance: every touch is within the (unset) watermark's windows; they span two days.
    for (let k = 0; k < 100; k++) expect(w.addRef(k, T0 + k * 1_800_000)).toBe(NONE);
    expect(stride(w)).toBe(4);
    expect(w.addRef(0, T0 + 1_000)).toBe(toWindowSeconds(T0));
    w.advance(T0 + 99 * 1_800_000);
    expect(w.count(1)).toBe(49);
    expect(w.count(0)).toBe(1);
  });
});

describe('DistinctWindow index positions', () => {
  /** The latest touch (window seconds) per ref, and the refs within h of now: the model, without replaying every touch. */
  const within = (latest: Map<number, number>, nowMs: number, h: number): number => {
    const cutoff = toWindowSeconds(nowMs) - h / 1000;
    let n = 0;
    for (const t of latest.values()) if (t >= cutoff) n++;
    return n;
  };

  it('keeps finding refs after the log has dropped far more than 65,535 entries from its front (16-bit positions wrap with the base)', () => {
    const rnd = prng(31);
    const horizons = [M5, H1];
    const w = new DistinctWindow(horizons, 10_000);
    const latest = new Map<number, number>();
    let now = T0;
    let checks = 0;
    let fresh = 0;
    for (let i = 0; i < 300_000; i++) {
      now += 1000;
      w.advance(now);
      const ts = rnd() < 0.1 ? now - Math.floor(rnd() * 60_000) : now;
      // Mostly new refs, some touched again: few superseded entries, so no compaction rebuilds the index
      // (and resets the base); the expired front is dropped by trims alone, about 300,000 entries of it.
      const k = rnd() < 0.9 || fresh < 3_000 ? fresh++ : fresh - 1 - Math.floor(rnd() * 3_000);
      const prev = w.addRef(k, ts);
      const want = latest.get(k);
      const cutoff = toWindowSeconds(now) - H1 / 1000;
      expect(prev, `step ${i}`).toBe(want === undefined || want < cutoff ? NONE : want);
      latest.set(k, Math.max(want ?? -Infinity, toWindowSeconds(ts)));
      if (i % 997 === 0 && i > 4000) {
        checks++;
        expect(w.indexed).toBe(true);
        horizons.forEach((h, idx) => expect(w.count(idx), `step ${i} horizon ${h}`).toBe(within(latest, now, h)));
      }
    }
    expect(checks).toBeGreaterThan(250);
  });

  it('widens its positions to 32 bits once the log outgrows 65,535 entries, and counts, answers previous touches and expires as before', () => {
    const w = new DistinctWindow([M5, H1], 200_000);
    const latest = new Map<number, number>();
    const index = (): unknown => (w as unknown as { index: unknown }).index;
    let now = T0;
    for (let k = 0; k < 70_000; k++) {
      now = T0 + k * 40;
      w.advance(now);
      w.addRef(k, now);
      latest.set(k, toWindowSeconds(now));
      if (k === 40_000) expect(index()).toBeInstanceOf(Uint16Array);
    }
    expect(index()).toBeInstanceOf(Int32Array);
    expect(w.count(1)).toBe(70_000);
    // Touched again (a second later), and a late touch of a new ref that moves the entries after it.
    now += 1000;
    w.advance(now);
    for (let k = 0; k < 10_000; k++) {
      expect(w.addRef(k, now)).toBe(latest.get(k));
      latest.set(k, toWindowSeconds(now));
    }
    w.addRef(1_000_000, T0 + 1_000_000);
    latest.set(1_000_000, toWindowSeconds(T0 + 1_000_000));
    expect(w.count(1)).toBe(within(latest, now, H1));
    expect(w.count(0)).toBe(within(latest, now, M5));
    for (const step of [600_000, 1_200_000, 2_400_000]) {
      now = T0 + step + 2_800_000;
      w.advance(now);
      expect(w.count(1), `at +${step}`).toBe(within(latest, now, H1));
      expect(w.count(0), `at +${step}`).toBe(within(latest, now, M5));
      expect(w.addRef(50_000, now - 1000)).toBe(latest.get(50_000) as number >= toWindowSeconds(now) - 3600 ? latest.get(50_000) : NONE);
      latest.set(50_000, toWindowSeconds(now - 1000));
    }
  });
});

describe('sketches', () => {
  it('Hll (p=12) estimates within 5 % at 50k and exactly-ish at small counts', () => {
    const h = new Hll(12);
    for (let i = 0; i < 50_000; i++) h.add(refKey(ref(`h-${i}`)));
    expect(Math.abs(h.estimate() - 50_000) / 50_000).toBeLessThan(0.05);
    const small = new Hll(12);
    for (let i = 0; i < 100; i++) small.add(refKey(ref(`s-${i}`)));
    expect(Math.abs(small.estimate() - 100)).toBeLessThanOrEqual(3);
  });

  it('SlidingHll answers any window ending now', () => {
    const s = new SlidingHll(10);
    for (let i = 0; i < 30_000; i++) s.add(refKey(ref(`w-${i}`)), i); // ts = i
    for (const [since, want] of [[0, 30_000], [20_000, 10_000], [29_000, 1_000]] as const) {
      expect(Math.abs(s.estimate(since) - want) / want).toBeLessThan(0.1);
    }
    expect(s.prune(30_000)).toBe(true);
  });
});

describe('IntMap', () => {
  it('behaves like a Map under random set/delete', () => {
    const rnd = prng(7);
    const m = new IntMap();
    const ref = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) {
      const k = Math.floor(rnd() * 2_000) * 1_048_573 % 0x3fffffff; // clustered low bits to stress probing
      const op = rnd();
      if (op < 0.5) {
        m.set(k, i);
        ref.set(k, i);
      } else if (op < 0.8) {
        expect(m.delete(k)).toBe(ref.delete(k));
      } else {
        expect(m.get(k)).toBe(ref.get(k) ?? MISSING);
      }
    }
    expect(m.size).toBe(ref.size);
    const seen = new Map<number, number>();
    m.forEach((k, v) => seen.set(k, v));
    expect(seen).toEqual(ref);
  });
});
