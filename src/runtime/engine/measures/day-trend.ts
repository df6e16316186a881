/**
 * `measure: day_trend` with `active_days: n`: how steadily an actor's days
 * rose, over their last n days with reads within the window (whole UTC days,
 * today's open day included): the Mann-Kendall count S, the number of pairs
 * of those days (earlier, later) in which the later day had more distinct
 * customers, less the number in which it had fewer. From -n(n-1)/2 (every
 * day below the one before) to +n(n-1)/2 (every day above): 21 for 7 days.
 *
 * Why a trend of its own: a scrape that grows a little each day, or adds an
 * ordinary day's worth of customers to each working day, is a level only
 * somewhat above the person's usual days, and their ordinary weeks reach such
 * levels too; what they rarely do is rise day after day. Days that go up and
 * down at random give S near 0 (its spread for 7 days is about 6.7), a week
 * that only rises 21. Measured on the simulator's tuning seeds before it was
 * built (scripts/probes/day-trend.mjs): S of 13 or more over the last 7
 * active days together with a level 1.5x the usual day found 15 of 19 slow
 * incidents on 17 of 7,414 benign actor-days (2.3 per 1,000). So it is a
 * point to add to a level of days above a learned limit (risk score), not a
 * rule that alerts alone.
 *
 * A window fires when S is above its limit: a limit of n(n-1)/2 or more
 * never fires (for 7 days, 20 is the highest that can).
 *
 * Like customer_days it keeps no state of its own (closed daily rows and
 * the open day bucket), so a restart restores it whole. Fewer than n days
 * with reads in the window: 0. Today's count only grows during the day, so S
 * does too: the day is judged as it fills. Its limit is fixed (`limit:`):
 * there is no history of trends to learn one from.
 */
import { z } from 'zod';
import { fmt, leadingWindow } from '../alerts/wording.js';
import type { ActorState } from '../state/actor-state.js';
import type { CompiledMeasure, RateMeasurePart, WindowDays } from './rate-measure.js';
import { actorToday, dayCounts, wholeDayRuntime } from './day-counts.js';

const DAY_MS = 86_400_000;
const DEFAULT_ACTIVE_DAYS = 7;

/** Reused by days(): read before the next call. */
const scratch: WindowDays = { active: 1, start: 0, level: 1 };
/** Every day's count, newest first, and the counts of the days with reads, newest first (reused). */
let perDay: number[] = [];
let counts: number[] = [];

/**
 * The Mann-Kendall S of the actor's last `n` days with reads within `span`
 * UTC days up to its event time (0 when fewer). The walk stops at the n-th
 * day with reads, except for the explanation (`explain`: scratch says how
 * many days of the whole window had reads), which is off the per-event path.
 */
function trendOf(st: ActorState, span: number, n: number, explain: boolean): number {
  if (perDay.length < span) perDay = new Array<number>(span).fill(0);
  if (counts.length < n) counts = new Array<number>(n).fill(0);
  const active = dayCounts(st, span, perDay, explain ? Number.POSITIVE_INFINITY : n);
  const today = actorToday(st);
  let found = 0;
  let first = today;
  // At most `active` days with reads were walked: past the last of them, perDay holds an older call's days.
  for (let d = 0; d < span && found < n && found < active; d++) {
    const count = perDay[d] as number;
    if (count === 0) continue;
    counts[found++] = count;
    first = today - d * DAY_MS;
  }
  scratch.active = Math.max(1, active);
  scratch.start = first;
  scratch.level = n;
  if (found < n) return 0;
  // counts[0] is the newest day: a pair (older j, newer i) with i < j.
  let s = 0;
  for (let a = 0; a < n; a++) {
    const newer = counts[a] as number;
    for (let b = a + 1; b < n; b++) {
      const older = counts[b] as number;
      if (newer > older) s++;
      else if (newer < older) s--;
    }
  }
  return s;
}

export const dayTrend: RateMeasurePart = {
  name: 'day_trend',
  fields: {
    /** The trend is read over this many of the actor's latest days with reads (at least 4). */
    active_days: z.number().int().min(4).max(31).optional(),
  },
  baselines: false,
  counts: 'customers',
  readsAfterActor: true,
  spansDays: true,
  compile(ctx): CompiledMeasure {
    const n = (ctx.field('active_days') as number | undefined) ?? DEFAULT_ACTIVE_DAYS;
    ctx.horizons.forEach((ms, w) => {
      if (ms % DAY_MS !== 0) ctx.problem(['windows', w, 'window'], 'a day_trend window is a whole number of days (it reads whole UTC days)');
      else if (n > ms / DAY_MS) ctx.problem(['active_days'], `active_days (${n}) is more days than the ${ms / DAY_MS}-day window holds`);
    });
    return {
      part: dayTrend,
      activityClass: null,
      distinctHorizons: [],
      noHistory: 'a trend has no stored history to learn a limit from; give it a fixed limit',
      bind: (_layout, windows) => wholeDayRuntime(windows, (st, span, explain) => trendOf(st, span, n, explain), scratch),
    };
  },
  phrase(_a, f) {
    const lead = leadingWindow(f);
    const n = lead?.decision.days?.level ?? DEFAULT_ACTIVE_DAYS;
    return `read more customers day after day: a trend of ${fmt(f.observed)} (of at most ${fmt((n * (n - 1)) / 2)}) over their last ${n} days with reads in ${f.windowLabel}${lead ? `, above the limit of ${fmt(lead.decision.limit)}` : ''}`;
  },
};
