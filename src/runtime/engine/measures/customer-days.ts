/**
 * `measure: customer_days` with `on_days: k`: the number of distinct
 * customers (per UTC day) an actor reached on at least k days of a window of
 * whole days (at least two): its k-th busiest day. The low-and-slow horizon:
 * a scrape that adds one or two ordinary days' worth of customers to every
 * working day never stands out on one day (one busy day does as much), but it
 * lifts day after day; a busy day, a month-end list or a weekly report lifts
 * one. So the k-th busiest day of a week moves with a sustained rise and not
 * with a spike.
 *
 * It keeps no state of its own: the days that closed are the actor's daily
 * activity rows (the baseline history, restored from ClickHouse), the day
 * still open is its open day bucket (rebuilt by the restore's replay). So
 * events are kept for a day only, and a restart restores the window whole.
 *
 * Its baseline (metric day_distinct) is the actor's usual day read as of the
 * window's first day (spansDays: engine.limitFor): the days being judged
 * never enter the baseline that judges them.
 */
import { z } from 'zod';
import { fmt, leadingWindow, daysComparison } from '../alerts/wording.js';
import type { ActorState } from '../state/actor-state.js';
import type { CompiledMeasure, RateMeasurePart, WindowDays } from './rate-measure.js';
import { actorToday, dayCounts, wholeDayRuntime } from './day-counts.js';

const DAY_MS = 86_400_000;
const DEFAULT_ON_DAYS = 3;

/** Reused by days(): read before the next call. */
const scratch: WindowDays = { active: 1, start: 0, level: 1 };
/** The window's day counts (reused: windows are at most a few weeks). */
let counts: number[] = [];
let top: number[] = [];

/**
 * The k-th largest count of distinct customers over the actor's `n` UTC
 * days up to its event time (0 when fewer than k days had any): dayCounts'
 * reading of each day. Sets scratch.active/start.
 */
function kthDay(st: ActorState, n: number, k: number): number {
  if (counts.length < n) counts = new Array<number>(n).fill(0);
  const active = dayCounts(st, n, counts);
  const start = actorToday(st) - (n - 1) * DAY_MS;
  scratch.active = Math.max(1, active);
  scratch.start = start;
  scratch.level = k;
  if (active < k) return 0;
  // The k largest, descending, by insertion (k and n are a few days: no sort, no allocation).
  if (top.length < k) top = new Array<number>(k);
  top.fill(-1, 0, k);
  for (let d = 0; d < n; d++) {
    const c = counts[d] as number;
    if (c <= (top[k - 1] as number)) continue;
    let j = k - 1;
    while (j > 0 && (top[j - 1] as number) < c) {
      top[j] = top[j - 1] as number;
      j--;
    }
    top[j] = c;
  }
  return top[k - 1] as number;
}

export const customerDays: RateMeasurePart = {
  name: 'customer_days',
  fields: {
    /** The level counted is the one reached on at least this many days of the window (its k-th busiest day). */
    on_days: z.number().int().min(1).max(31).optional(),
  },
  baselines: true,
  counts: 'customers',
  readsAfterActor: true,
  spansDays: true,
  compile(ctx): CompiledMeasure {
    const k = (ctx.field('on_days') as number | undefined) ?? DEFAULT_ON_DAYS;
    ctx.horizons.forEach((ms, w) => {
      if (ms % DAY_MS !== 0 || ms < 2 * DAY_MS) {
        ctx.problem(['windows', w, 'window'], 'a customer_days window is a whole number of days, at least 2d (it reads whole UTC days)');
      } else if (k > ms / DAY_MS) {
        ctx.problem(['on_days'], `on_days (${k}) is more days than the ${ms / DAY_MS}-day window holds`);
      }
    });
    return {
      part: customerDays,
      activityClass: null,
      distinctHorizons: [],
      bind: (_layout, windows) => wholeDayRuntime(windows, (st, days) => kthDay(st, days, k), scratch),
    };
  },
  phrase(_a, f) {
    const lead = leadingWindow(f);
    const k = lead?.decision.days?.level ?? DEFAULT_ON_DAYS;
    return `read ${fmt(f.observed)} or more customers a day on ${k} days of the last ${f.windowLabel}${lead ? daysComparison(f, lead) : ''}`;
  },
};
