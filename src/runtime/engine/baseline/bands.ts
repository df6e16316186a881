/**
 * Parts of the week a baseline is computed per: an actor's 10:00 on a Tuesday
 * is not comparable with their Sunday night. Hourly metrics use `business`,
 * `off_hours` and `weekend`; the daily metric uses `weekday` and `weekend`.
 * Stored rows and live events are classified by the same rule (settings
 * `baseline_bands`), so a baseline and the value compared with it always agree.
 * The bands are not the enrichment calendar: that one decides whether an event
 * is `local_time.business_hours` (for rules and alerts); these only decide which
 * stored hours are compared with which.
 */
import type { ActivityColumns } from './activity-columns.js';

/** What a baseline measures in each stored bucket: distinct customers (peaks), or requests (events). */
export type BaseMetric = 'hour_peak_5m' | 'hour_peak_1h' | 'hour_distinct' | 'day_distinct' | 'day_peak_24h' | 'hour_events' | 'day_events';
/**
 * A metric of distinct customers, or the requests of one activity class
 * (settings `activity_classes`): `day_events:exports` is a day's export
 * requests, 0 on a day of other work. The rule loader composes it from
 * `metric` and `class` (`*_events` always come with a class).
 */
export type Metric = Exclude<BaseMetric, 'hour_events' | 'day_events'> | `${'hour_events' | 'day_events'}:${string}`;

/** The metric of a baseline: `metric`, or `metric:class` for the requests of one activity class (the schema pairs the two). */
export function metricOf(metric: BaseMetric, activityClass: string | undefined): Metric {
  return activityClass === undefined ? (metric as Metric) : (`${metric as 'hour_events' | 'day_events'}:${activityClass}` as const);
}
export type Band = 'business' | 'off_hours' | 'weekend' | 'weekday';
export const BANDS: readonly Band[] = ['business', 'off_hours', 'weekend', 'weekday'];

export interface BandRule {
  readonly start: number;
  readonly end: number;
  readonly weekend_days: readonly number[];
}

export function metricGranularity(metric: Metric): 'hour' | 'day' {
  return metric.startsWith('day_') ? 'day' : 'hour';
}

/**
 * How to read a metric from a stored row, resolved once per metric (a
 * baseline reads it from every row of its span; a class's name is parsed here,
 * not per row).
 */
export function metricReader(metric: Metric): (rows: ActivityColumns, i: number) => number {
  const colon = metric.indexOf(':');
  if (colon >= 0) {
    // One class's requests: 0 when the bucket had none (rows stored before classes too).
    const name = metric.slice(colon + 1);
    return (rows, i) => rows.classEvents(i, name);
  }
  if (metric === 'hour_peak_5m') return (rows, i) => rows.peak5m(i);
  // Rows stored without the sliding-hour peak fall back to the clock hour's count.
  if (metric === 'hour_peak_1h') return (rows, i) => rows.peak1h(i);
  if (metric === 'day_peak_24h') return (rows, i) => rows.peak24h(i);
  return (rows, i) => rows.distinctRecords(i);
}

export function bandOfHour(hour: number, weekday: number, rule: BandRule): Band {
  if (rule.weekend_days.includes(weekday)) return 'weekend';
  return hour >= rule.start && hour < rule.end ? 'business' : 'off_hours';
}

export function bandOfDay(weekday: number, rule: BandRule): Band {
  return rule.weekend_days.includes(weekday) ? 'weekend' : 'weekday';
}

/** Band of a held row (i of `rows`). A UTC day's start may fall on the previous local evening: use its midpoint's weekday. */
export function bandOfRow(rows: ActivityColumns, i: number, rule: BandRule): Band {
  if (rows.granularity === 'hour') return bandOfHour(rows.localHour(i), rows.localWeekday(i), rule);
  return bandOfDay(dayWeekday(rows, i), rule);
}

/** The local weekday a daily row stands for: its midpoint's (a UTC day's start may fall on the previous local evening). */
export function dayWeekday(rows: ActivityColumns, i: number): number {
  const weekday = rows.localWeekday(i);
  return rows.localHour(i) >= 12 ? (weekday % 7) + 1 : weekday;
}

/** Band of "now" for a metric, from the event's local time. */
export function bandAt(metric: Metric, hour: number, weekday: number, rule: BandRule): Band {
  return metricGranularity(metric) === 'day' ? bandOfDay(weekday, rule) : bandOfHour(hour, weekday, rule);
}
