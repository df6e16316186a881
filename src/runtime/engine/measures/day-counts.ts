/**
 * The per-day figures the whole-day measures (customer_days, day_trend) read:
 * distinct customers per UTC day of an actor, newest first, from its open day
 * bucket (a day's bucket is open until the lateness allowance has passed its
 * end), else its closed daily row. One walk for both, so they cannot come to
 * read a day differently.
 */
import type { RateWindow } from '../rules/rule-set.js';
import type { ActorState } from '../state/actor-state.js';
import type { MeasureRuntime, WindowDays } from './rate-measure.js';

const DAY_MS = 86_400_000;

/** The UTC midnight starting the day of the actor's event time. */
export function actorToday(st: ActorState): number {
  const now = st.watermark;
  return now - (((now % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * Writes the distinct customers of the actor's `span` UTC days up to its
 * event time into `out` (out[d]: d days before today), stopping early once
 * `stopAfter` days with reads were found (the days not walked are left as
 * they were). Returns how many days with reads it walked.
 */
export function dayCounts(st: ActorState, span: number, out: number[], stopAfter = Number.POSITIVE_INFINITY): number {
  const today = actorToday(st);
  let active = 0;
  const rows = st.history?.daily;
  // Daily rows are sorted by bucket start: walk back from the newest.
  let i = rows === undefined ? -1 : rows.length - 1;
  for (let d = 0; d < span && active < stopAfter; d++) {
    const day = today - d * DAY_MS;
    const open = st.activity.openDay(day);
    let count = 0;
    if (open !== undefined) count = open.distinct.count();
    if (rows !== undefined) {
      while (i >= 0 && rows.start(i) > day) i--;
      if (open === undefined && i >= 0 && rows.start(i) === day) count = rows.distinctRecords(i);
    }
    if (count > 0) active++;
    out[d] = count;
  }
  return active;
}

/**
 * A whole-day measure bound to a rule's windows: `read(st, days, explain)` is
 * the value over a window of that many days, and sets `scratch` (what days()
 * returns); `explain` is true only where the window is explained or its limit
 * read, never on the per-event check.
 */
export function wholeDayRuntime(windows: readonly RateWindow[], read: (st: ActorState, days: number, explain: boolean) => number, scratch: WindowDays): MeasureRuntime {
  const spans = windows.map((w) => Math.round(w.horizonMs / DAY_MS));
  return {
    observe: (st, w) => read(st, spans[w] as number, false),
    days(st, w) {
      read(st, spans[w] as number, true);
      return scratch;
    },
  };
}
