/**
 * Seeded randomness for the simulator. Every random draw goes through an `Rng`
 * built on pure-rand's xoroshiro128+; sub-streams (one per actor-day, one per
 * incident, ...) get their own generator from a seed derived by hashing the
 * scenario seed with stable identifiers, so that changing one part of a
 * scenario (e.g. adding an incident) does not shift the draws of another.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** 32-bit finaliser (murmur3 fmix32). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a string to 32 bits (FNV-1a then fmix). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h >>> 0);
}

/** Derives a 32-bit seed from a base seed and any number of stable parts. */
export function deriveSeed(seed: number, ...parts: readonly (number | string)[]): number {
  let h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  for (const p of parts) {
    const v = typeof p === 'number' ? fmix32((p | 0) ^ 0x27d4eb2f) : hashString(p);
    h = fmix32((Math.imul(h, 31) + v) >>> 0);
  }
  return h | 0;
}

export class Rng {
  private readonly gen: RandomGenerator;
  /** Cached second Box-Muller value. */
  private spare: number | null = null;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** A child stream: independent of this one's later draws. */
  static derive(seed: number, ...parts: readonly (number | string)[]): Rng {
    return new Rng(deriveSeed(seed, ...parts));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [from, to] (both included). */
  int(from: number, to: number): number {
    return uniformInt(this.gen, from, to);
  }

  /** Uniform in [a, b). */
  range(a: number, b: number): number {
    return a + (b - a) * this.float();
  }

  bool(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Weighted choice; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.float() * total;
    for (const [v, w] of items) {
      x -= w;
      if (x < 0) return v;
    }
    const last = items[items.length - 1];
    if (!last) throw new Error('weighted choice from empty list');
    return last[0];
  }

  /** Standard normal (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return mean + sd * s;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-sd. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  exponential(mean: number): number {
    let u = 0;
    while (u <= Number.EPSILON) u = this.float();
    return -Math.log(u) * mean;
  }

  /** Poisson draw (Knuth below 30, rounded normal approximation above). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const l = Math.exp(-lambda);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= this.float();
      } while (p > l);
      return k - 1;
    }
    return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
  }

  /** Fisher-Yates in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const a = items[i] as T;
      items[i] = items[j] as T;
      items[j] = a;
    }
    return items;
  }

  /** `n` distinct integers from [from, to], in draw order. */
  distinctInts(n: number, from: number, to: number): number[] {
    const span = to - from + 1;
    if (n >= span) {
      const all: number[] = [];
      for (let i = from; i <= to; i++) all.push(i);
      return this.shuffle(all);
    }
    const seen = new Set<number>();
    const out: number[] = [];
    while (out.length < n) {
      const v = this.int(from, to);
      if (!seen.has(v)) {
        seen.add(v);
        out.push(v);
      }
    }
    return out;
  }

  /** Lowercase hex string of `len` characters. */
  hex(len: number): string {
    let s = '';
    while (s.length < len) s += (this.gen.next() >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, len);
  }
}
