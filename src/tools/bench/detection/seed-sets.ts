/**
 * Named seed sets of the detection benchmark. `tuning` is what rules may be
 * tuned on; `held-out` is never tuned on: its figures are the honest ones.
 * Changing a set invalidates every figure measured on it, so add a set rather
 * than edit one.
 */
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const SEED_SETS: Readonly<Record<string, readonly number[]>> = {
  tuning: range(1, 10),
  'held-out': range(101, 110),
};
