/**
 * Whether the monitor's memory stays flat under steady load (issue 13: "RSS
 * after 15 minutes at 80 % load"): samples taken at the start of every round
 * and when production stopped, summarised as the first, last and peak RSS and
 * the slope of RSS over the last third of the run (a fitted line, MB per
 * minute), where state that fills up at the start (windows, the event-id
 * logs up to their caps: 20,000 ids per actor, reached by the benchmark's
 * 1,000 actors after about 20 M events) no longer counts.
 */
import { linearRegression } from 'simple-statistics';
import type { MemorySample } from './protocol.js';

export interface MemoryTrend {
  readonly first: MemorySample;
  readonly last: MemorySample;
  readonly peakRssMb: number;
  /** Minutes from the first sample to the last. */
  readonly minutes: number;
  /** RSS slope over the samples of the last third of the run (MB per minute; null: fewer than 3 samples there). */
  readonly lastThirdRssMbPerMinute: number | null;
  /** The same slope of the engine's window-state estimate. */
  readonly lastThirdStateMbPerMinute: number | null;
}

const MINUTE = 60_000;

export function memoryTrend(samples: readonly MemorySample[]): MemoryTrend | null {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined) return null;
  const from = first.atMs + ((last.atMs - first.atMs) * 2) / 3;
  const later = samples.filter((s) => s.atMs >= from);
  const slope = (value: (s: MemorySample) => number): number | null =>
    later.length < 3 ? null : linearRegression(later.map((s) => [(s.atMs - first.atMs) / MINUTE, value(s)])).m;
  return {
    first,
    last,
    peakRssMb: Math.max(...samples.map((s) => s.rssMb)),
    minutes: (last.atMs - first.atMs) / MINUTE,
    lastThirdRssMbPerMinute: slope((s) => s.rssMb),
    lastThirdStateMbPerMinute: slope((s) => s.engineStateMb),
  };
}

/** At most `max` of the samples, evenly spaced, the first and the last always included (for a table). */
export function evenlyPicked<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (xs.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => xs[i] as T);
}
