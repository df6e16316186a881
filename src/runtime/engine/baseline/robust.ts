/**
 * Robust summary of a sample, on a log scale: the median of ln(1 + x) and the
 * upper MAD: the median deviation of the values at or above the median.
 * Bulk-read counts are heavy-tailed and multiplicative (an analyst's 2,000-row
 * day and 20,000-row day are as ordinary as a support agent's 8 and 16
 * customers an hour), so their spread is a ratio, not a difference; and a
 * mean and standard deviation would be dragged by the very outliers we look
 * for. Only the upper side: alerts are about going above the usual level, and
 * on a log scale quiet days (a Monday whose 24 hours hold no Sunday work, a
 * half day) would otherwise widen the tolerance for busy ones.
 */
import { medianSorted } from 'simple-statistics';

export interface SampleStats {
  readonly samples: number;
  /** Distinct actors contributing (1 for an actor's own history). */
  readonly actors: number;
  /** Distinct UTC days the samples come from (own history: how many days of work were seen). */
  readonly days: number;
  /** Median of the raw values (the "usual" level shown to people). */
  readonly median: number;
  /** Median of ln(1 + value), and the raw (unscaled) upper MAD: median of ln(1 + x) - logMedian over x at or above the median. */
  readonly logMedian: number;
  readonly logMad: number;
  /** The highest values, descending (at most TOP_KEPT): recurring peaks are read from here. */
  readonly top: readonly number[];
  /** Values at HIGH_QUANTILES (nearest rank), e.g. a peer group's routine high level. */
  readonly high: readonly number[];
}

export const TOP_KEPT = 5;
/** Quantiles kept per sample (a baseline's `peer_routine.quantile` is one of these). */
export const HIGH_QUANTILES = [0.9, 0.95, 0.99] as const;
/** Frozen: it stands for every empty band of every actor (summarise). */
export const EMPTY_STATS: SampleStats = Object.freeze({ samples: 0, actors: 0, days: 0, median: 0, logMedian: 0, logMad: 0, top: Object.freeze([]), high: Object.freeze([]) });

/** 1.4826 × MAD estimates the standard deviation of a normal sample. */
export const MAD_TO_SIGMA = 1.4826;

/** Sorts `values` in place. */
export function summarise(values: number[], actors: number, days: number): SampleStats {
  // An empty band is the one shared object (an actor's cache holds a band per metric, most of them empty).
  if (values.length === 0) return actors === 0 && days === 0 ? EMPTY_STATS : { ...EMPTY_STATS, actors, days };
  values.sort((a, b) => a - b);
  const top = values.slice(-TOP_KEPT).reverse();
  const n = values.length;
  const high = HIGH_QUANTILES.map((q) => values[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number);
  // ln(1 + x) is monotone: the sorted order carries over, and so do the upper deviations.
  const logs = values.map((v) => Math.log1p(Math.max(0, v)));
  const logMedian = medianSorted(logs);
  let first = 0;
  while (first < n && (logs[first] as number) < logMedian) first++;
  const upper: number[] = [];
  for (let i = first; i < n; i++) upper.push((logs[i] as number) - logMedian);
  return { samples: n, actors, days, median: medianSorted(values), logMedian, logMad: upper.length > 0 ? medianSorted(upper) : 0, top, high };
}

/**
 * The log-scale spread with a floor: a perfectly regular history (MAD 0: the
 * same 40 customers every hour) would otherwise make 41 an infinite z-score.
 */
export function logSpread(stats: SampleStats, minSpread: number): number {
  return Math.max(MAD_TO_SIGMA * stats.logMad, minSpread);
}

/** The level `z` spreads above the usual one: (1 + median) × exp(z × spread) − 1 on the raw scale. */
export function logLimit(stats: SampleStats, z: number, spread: number): number {
  return Math.expm1(stats.logMedian + z * spread);
}
