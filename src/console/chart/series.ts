/**
 * The data behind an alert's chart: the actor's hourly volume over time,
 * against their own baseline band and their peers' median, with the alert's
 * window marked. Computed with the engine's own robust statistics
 * (baseline/robust.ts) and part-of-week bands (baseline/bands.ts), so the band
 * is the one the 1-hour window is judged against: per band, from the median
 * of the actor's own hours to (1 + median) × exp(z × spread) − 1, over the
 * look-back before the alert.
 *
 * The plotted metric is each hour's peak of distinct customers in a sliding
 * hour (`hour_peak_1h`; the clock hour's count for rows stored without it).
 * The engine stores an hour's row once the hour closes; hours of the alert's
 * window without one yet (the open hour) are plotted from the stored events:
 * the clock hour's distinct customers so far, marked as open.
 */
import { bandOfHour, type Band, type BandRule } from '../../runtime/engine/baseline/bands.js';
import { logLimit, logSpread, summarise } from '../../runtime/engine/baseline/robust.js';
import { localReading } from '../../time/local-time.js';

const HOUR = 3_600_000;

export interface HourRow {
  readonly bucket_start_ms: number;
  readonly local_hour: number;
  readonly local_weekday: number;
  readonly value: number;
}

export interface ChartInputs {
  /** The actor's hourly rows over [lookbackStartMs, toMs). */
  readonly own: readonly HourRow[];
  /** Hours without a stored row yet (still open), counted from the events; never part of the band. */
  readonly open?: readonly HourRow[];
  /** Median of the peers' hourly values, per hour (hours without any peer row are absent). */
  readonly peers: ReadonlyMap<number, number>;
  readonly timezone: string;
  readonly bands: BandRule;
  readonly z: number;
  readonly minSpread: number;
  /** Own rows before this instant make the baseline (the alert's window start). */
  readonly baselineBeforeMs: number;
  readonly lookbackMs: number;
  /** Plotted range, hour-aligned. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly window: { readonly startMs: number; readonly endMs: number };
}

export interface ChartData {
  /** Hour starts, epoch seconds (uPlot's x). */
  readonly x: number[];
  readonly actor: number[];
  readonly bandLow: (number | null)[];
  readonly bandHigh: (number | null)[];
  readonly peers: (number | null)[];
  readonly window: readonly [number, number];
  /** x of the hours counted from events because no activity row holds them yet (the open hour). */
  readonly open: number[];
  /** Per band: what the band was computed from (shown under the chart). */
  readonly bands: Readonly<Record<string, { samples: number; usual: number | null; high: number | null }>>;
}

const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const round = (n: number) => Math.round(n * 100) / 100;

export function chartData(inp: ChartInputs): ChartData {
  // The actor's own band per part of the week, from the hours before the alert.
  const samples = new Map<Band, number[]>();
  const days = new Map<Band, Set<number>>();
  for (const r of inp.own) {
    if (r.bucket_start_ms >= inp.baselineBeforeMs || r.bucket_start_ms < inp.baselineBeforeMs - inp.lookbackMs) continue;
    const band = bandOfHour(r.local_hour, r.local_weekday, inp.bands);
    (samples.get(band) ?? samples.set(band, []).get(band))?.push(r.value);
    (days.get(band) ?? days.set(band, new Set()).get(band))?.add(Math.floor(r.bucket_start_ms / 86_400_000));
  }
  const bandInfo: Record<string, { samples: number; usual: number | null; high: number | null }> = {};
  for (const band of ['business', 'off_hours', 'weekend'] as const) {
    const values = samples.get(band) ?? [];
    if (values.length === 0) {
      bandInfo[band] = { samples: 0, usual: null, high: null };
      continue;
    }
    const stats = summarise([...values], 1, days.get(band)?.size ?? 0);
    bandInfo[band] = { samples: stats.samples, usual: round(stats.median), high: round(logLimit(stats, inp.z, logSpread(stats, inp.minSpread))) };
  }

  const byHour = new Map<number, HourRow>();
  for (const r of inp.own) byHour.set(floorHour(r.bucket_start_ms), r);
  const open: number[] = [];
  for (const r of inp.open ?? []) {
    const t = floorHour(r.bucket_start_ms);
    if (byHour.has(t) || t < inp.fromMs || t >= inp.toMs) continue;
    byHour.set(t, r);
    open.push(t / 1000);
  }
  open.sort((a, b) => a - b);
  const x: number[] = [];
  const actor: number[] = [];
  const bandLow: (number | null)[] = [];
  const bandHigh: (number | null)[] = [];
  const peers: (number | null)[] = [];
  for (let t = floorHour(inp.fromMs); t < inp.toMs; t += HOUR) {
    const row = byHour.get(t);
    // An hour without a row is an hour without activity; its band comes from its local time.
    const local = row ?? { local_hour: localReading(t, inp.timezone).hour, local_weekday: localReading(t, inp.timezone).weekday };
    const b = bandInfo[bandOfHour(local.local_hour, local.local_weekday, inp.bands)];
    x.push(t / 1000);
    actor.push(row?.value ?? 0);
    bandLow.push(b?.usual ?? null);
    bandHigh.push(b?.high ?? null);
    peers.push(inp.peers.get(t) ?? null);
  }
  return { x, actor, bandLow, bandHigh, peers, window: [inp.window.startMs / 1000, inp.window.endMs / 1000], open, bands: bandInfo };
}
