/** Latency figures: count and percentiles of one set of samples, and ranges over rounds. Pure. */
import { quantileSorted } from 'simple-statistics';

export interface LatencySummary {
  readonly count: number;
  /** Milliseconds; null without samples. Percentiles interpolate between ranks (simple-statistics quantileSorted). */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export function latencySummary(samples: readonly number[]): LatencySummary {
  const xs = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  return { count: xs.length, p50: quantileSorted(xs, 0.5), p95: quantileSorted(xs, 0.95), p99: quantileSorted(xs, 0.99), max: xs[xs.length - 1] ?? null };
}

/** `lo–hi` of the values present (one value alone, or 'n/a'), rounded to `digits`. */
export function rangeText(values: readonly (number | null)[], digits = 0): string {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return 'n/a';
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}
