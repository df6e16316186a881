/**
 * HyperLogLog over the 30-bit keys of keys.ts: the top `p` bits pick a
 * register, the rank is 1 + leading zeros of the remaining 30 - p bits
 * (enough up to ~10^9 distinct keys).
 * Standard error is 1.04 / sqrt(2^p): 1.6 % at p = 12, 3.3 % at p = 10.
 *
 * `Hll` is the plain sketch (activity buckets). `SlidingHll` answers "how many
 * distinct keys since time t" for any t in its retention: each register keeps
 * its list of possible future maxima (Chabchoub & Hébrail, "Sliding
 * HyperLogLog", 2010): the (ts, rank) pairs not dominated by a later pair with
 * a rank at least as high. Lists stay short (expected O(log n)).
 */
import { KEY_BITS } from './keys.js';

function registerOf(key: number, p: number): number {
  return key >>> (KEY_BITS - p);
}

function rankOf(key: number, p: number): number {
  const restBits = KEY_BITS - p;
  const rest = key & ((1 << restBits) - 1);
  return restBits - (32 - Math.clz32(rest)) + 1;
}

function alpha(m: number): number {
  return 0.7213 / (1 + 1.079 / m);
}

/** Raw HLL estimate with the small-range (linear counting) correction. */
function estimateFrom(m: number, sumInv: number, zeros: number): number {
  const raw = (alpha(m) * m * m) / sumInv;
  if (raw <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
  return raw;
}

export class Hll {
  private readonly m: number;
  private readonly regs: Uint8Array;
  constructor(private readonly p = 12) {
    this.m = 1 << p;
    this.regs = new Uint8Array(this.m);
  }
  add(key: number): void {
    const j = registerOf(key, this.p);
    const r = rankOf(key, this.p);
    if (r > (this.regs[j] as number)) this.regs[j] = r;
  }
  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let j = 0; j < this.m; j++) {
      const r = this.regs[j] as number;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    return Math.round(estimateFrom(this.m, sum, zeros));
  }
  get bytes(): number {
    return this.m;
  }
}

export class SlidingHll {
  private readonly m: number;
  /** Per register: flat [ts0, rank0, ts1, rank1, ...], ts ascending, rank strictly descending. */
  private readonly regs: (number[] | undefined)[];
  private pairs = 0;
  constructor(private readonly p = 10) {
    this.m = 1 << p;
    this.regs = new Array<number[] | undefined>(this.m);
  }

  add(key: number, ts: number): void {
    const j = registerOf(key, this.p);
    const r = rankOf(key, this.p);
    let l = this.regs[j];
    if (l === undefined) {
      this.regs[j] = [ts, r];
      this.pairs++;
      return;
    }
    const lastTs = l[l.length - 2] as number;
    if (ts >= lastTs) {
      // Common case, the newest pair: ranks descend along the list, so the
      // pairs it dominates (no later, no higher) are exactly a suffix.
      const before = l.length;
      while (l.length > 0 && (l[l.length - 1] as number) <= r) l.length -= 2;
      l.push(ts, r);
      this.pairs += (l.length - before) / 2;
      return;
    }
    // A pair at least as late with a rank at least as high makes this one useless.
    for (let k = l.length - 2; k >= 0 && (l[k] as number) >= ts; k -= 2) if ((l[k + 1] as number) >= r) return;
    // Drop pairs that are no later and no higher: they can never be the maximum again.
    const kept: number[] = [];
    for (let k = 0; k < l.length; k += 2) {
      const t = l[k] as number;
      const rk = l[k + 1] as number;
      if (t <= ts && rk <= r) continue;
      kept.push(t, rk);
    }
    let pos = kept.length;
    while (pos > 0 && (kept[pos - 2] as number) > ts) pos -= 2;
    kept.splice(pos, 0, ts, r);
    this.pairs += kept.length / 2 - l.length / 2;
    l = kept;
    this.regs[j] = l;
  }

  /** Distinct keys added with ts >= since. */
  estimate(since: number): number {
    let sum = 0;
    let zeros = 0;
    for (let j = 0; j < this.m; j++) {
      const l = this.regs[j];
      let r = 0;
      if (l !== undefined) {
        for (let k = 0; k < l.length; k += 2) {
          if ((l[k] as number) >= since) {
            r = l[k + 1] as number; // ranks descend with time: the first one in range is the max
            break;
          }
        }
      }
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    return Math.round(estimateFrom(this.m, sum, zeros));
  }

  /** Forget pairs older than `before`. Returns true when the sketch is empty. */
  prune(before: number): boolean {
    for (let j = 0; j < this.m; j++) {
      const l = this.regs[j];
      if (l === undefined) continue;
      let k = 0;
      while (k < l.length && (l[k] as number) < before) k += 2;
      if (k === 0) continue;
      this.pairs -= k / 2;
      if (k >= l.length) this.regs[j] = undefined;
      else l.splice(0, k);
    }
    return this.pairs === 0;
  }

  get approxBytes(): number {
    return this.m * 8 + this.pairs * 16;
  }
}
