/**
 * The shop's customer population. Ids are `c-000000` ... `c-199999` (6 digits).
 * Support contacts are skewed: a small set of frequent contacters accounts for
 * a large share of tickets, so the same customer is read again and again (by
 * several agents over the weeks), as in a real shop.
 */
import type { Rng } from './rng.js';

export class CustomerPool {
  /** Customers with frequent support contact (≈4 % of the population). */
  private readonly frequent: number;
  private activeCache: Int32Array | null = null;

  constructor(readonly size = 200_000) {
    if (!Number.isInteger(size) || size < 1000 || size > 999_999) {
      throw new Error(`customer population must be an integer in [1000, 999999], got ${size}`);
    }
    this.frequent = Math.max(50, Math.floor(size * 0.04));
  }

  static id(n: number): string {
    return `c-${String(n).padStart(6, '0')}`;
  }

  /** A bijective scramble of [0, size) so "frequent" customers are spread over the id range. */
  private scramble(k: number): number {
    // size is at most 999_999 < 2^20; (k * 7919 + 104_729) mod size with gcd(7919, size) == 1 is a bijection.
    const a = gcd(7919, this.size) === 1 ? 7919 : 7921;
    return (k * a + 104_729) % this.size;
  }

  /** A customer contacting support (skewed towards frequent contacters). */
  contact(rng: Rng): number {
    if (rng.bool(0.3)) return this.scramble(rng.int(0, this.frequent - 1));
    return rng.int(0, this.size - 1);
  }

  /** A uniformly random customer. */
  uniform(rng: Rng): number {
    return rng.int(0, this.size - 1);
  }

  /** `n` distinct uniformly random customers, sorted. */
  sample(rng: Rng, n: number): number[] {
    return rng.distinctInts(Math.min(n, this.size), 0, this.size - 1).sort((a, b) => a - b);
  }

  /** Customers with an active account (≈75 %), ascending; what monthly jobs walk over. */
  active(): Int32Array {
    if (!this.activeCache) {
      const out: number[] = [];
      for (let i = 0; i < this.size; i++) {
        // Deterministic, seed-independent membership.
        let h = Math.imul(i ^ 0x5bd1e995, 0x27d4eb2d);
        h ^= h >>> 15;
        if ((h >>> 0) % 100 < 75) out.push(i);
      }
      this.activeCache = Int32Array.from(out);
    }
    return this.activeCache;
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
