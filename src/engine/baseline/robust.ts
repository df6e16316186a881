/**
 * Robust summary of a sample: median and MAD (median absolute deviation).
 * Bulk-read counts are heavy-tailed (one export day among quiet ones), where a
 * mean and standard deviation are dragged by the very outliers we look for.
 */
import { medianAbsoluteDeviation, medianSorted } from 'simple-statistics';

export interface SampleStats {
  readonly samples: number;
  /** Distinct actors contributing (1 for an actor's own history). */
  readonly actors: number;
  readonly median: number;
  /** Raw MAD (not scaled). */
  readonly mad: number;
  /** The highest values, descending (at most TOP_KEPT): recurring peaks are read from here. */
  readonly top: readonly number[];
}

export const TOP_KEPT = 5;
export const EMPTY_STATS: SampleStats = { samples: 0, actors: 0, median: 0, mad: 0, top: [] };

/** 1.4826 × MAD estimates the standard deviation of a normal sample. */
export const MAD_TO_SIGMA = 1.4826;

export function summarise(values: number[], actors: number): SampleStats {
  if (values.length === 0) return { ...EMPTY_STATS, actors };
  values.sort((a, b) => a - b);
  const top = values.slice(-TOP_KEPT).reverse();
  return { samples: values.length, actors, median: medianSorted(values), mad: medianAbsoluteDeviation(values), top };
}

/**
 * Sigma with floors: a perfectly regular history (MAD 0: the same 40 customers
 * every hour) would otherwise make 41 an infinite z-score. The floor is a share
 * of the median and an absolute minimum.
 */
export function flooredSigma(stats: SampleStats, ratio: number, absolute: number): number {
  return Math.max(MAD_TO_SIGMA * stats.mad, ratio * stats.median, absolute);
}
