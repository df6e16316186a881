/**
 * The distinct count of an actor beyond the exact cap is a sliding
 * HyperLogLog (p = 10). Measured over 30 seeds of 1,000,000 distinct refs
 * (issue 7 saw one reading 7.9 % low): HMAC refs through refKey, mean error
 * +0.5 %, standard deviation 3.4 %; the uniform keys below, -0.3 % and 3.0 %;
 * theory says 1.04/√1024 = 3.25 %. No bias, so a single reading 7.9 % low is
 * a 2.3-sigma draw (about 1 in 50), not a bug. This test
 * holds the sketch to that distribution on 8 seeds: the mean error within
 * ±3.5 % (2.5 × 3.4 %/√8 ≈ 3 %, rounded up) and every reading within ±12 %
 * (3.5 sigma). A biased sketch (e.g. a wrong range correction) fails it.
 */
import { describe, expect, it } from 'vitest';
import { DistinctWindow } from '../../../src/runtime/engine/state/distinct-window.js';

const T = Date.parse('2026-03-09T10:00:00Z');
const HOUR = 3_600_000;
const N = 1_000_000;

/** Uniform 30-bit keys, as refKey takes them from HMAC hex: xorshift32, one stream per seed. */
function keys(seed: number): () => number {
  let s = (seed * 0x9e3779b9) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 2) & 0x3fffffff;
  };
}

function relativeError(seed: number): number {
  const w = new DistinctWindow([5 * 60_000, HOUR, 24 * HOUR], 10_000);
  const next = keys(seed);
  for (let i = 0; i < N; i++) {
    const ts = T + Math.floor((i * HOUR) / N);
    if (i % 1_000 === 0) w.advance(ts);
    w.addRef(next(), ts);
  }
  w.advance(T + HOUR);
  expect(w.isExact).toBe(false);
  return (w.count(2) - N) / N;
}

describe('sliding HyperLogLog error at 1,000,000 distinct customers', () => {
  it('is unbiased, with the spread the documentation states', () => {
    const errors = [1, 2, 3, 4, 5, 6, 7, 8].map(relativeError);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(Math.abs(mean)).toBeLessThan(0.035);
    for (const e of errors) expect(Math.abs(e)).toBeLessThan(0.12);
  });
});
