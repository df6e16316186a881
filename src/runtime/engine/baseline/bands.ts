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
import type { ActorActivityRow } from '../api.js';

export type Metric = 'hour_peak_5m' | 'hour_peak_1h' | 'hour_distinct' | 'day_distinct' | 'day_peak_24h';
export type Band = 'business' | 'off_hours' | 'weekend' | 'weekday';
export const BANDS: readonly Band[] = ['business', 'off_hours', 'weekend', 'weekday'];

export interface BandRule {
  readonly start: number;
  readonly end: number;
  readonly weekend_days: readonly number[];
}

export function metricGranularity(metric: Metric): 'hour' | 'day' {
  return metric === 'day_distinct' || metric === 'day_peak_24h' ? 'day' : 'hour';
}

export function metricValue(row: ActorActivityRow, metric: Metric): number {
  if (metric === 'hour_peak_5m') return row.peak_5m_distinct;
  // Rows stored without the sliding-hour peak fall back to the clock hour's count.
  if (metric === 'hour_peak_1h') return row.peak_1h_distinct ?? row.distinct_records;
  if (metric === 'day_peak_24h') return row.peak_24h_distinct ?? row.distinct_records;
  return row.distinct_records;
}

export function bandOfHour(hour: number, weekday: number, rule: BandRule): Band {
  if (rule.weekend_days.includes(weekday)) return 'weekend';
  return hour >= rule.start && hour < rule.end ? 'business' : 'off_hours';
}

export function bandOfDay(weekday: number, rule: BandRule): Band {
  return rule.weekend_days.includes(weekday) ? 'weekend' : 'weekday';
}

/** Band of a stored row. A UTC day's start may fall on the previous local evening: use its midpoint's weekday. */
export function bandOfRow(row: ActorActivityRow, rule: BandRule): Band {
  if (row.granularity === 'hour') return bandOfHour(row.local_hour, row.local_weekday, rule);
  const midWeekday = row.local_hour >= 12 ? (row.local_weekday % 7) + 1 : row.local_weekday;
  return bandOfDay(midWeekday, rule);
}

/** Band of "now" for a metric, from the event's local time. */
export function bandAt(metric: Metric, hour: number, weekday: number, rule: BandRule): Band {
  return metricGranularity(metric) === 'day' ? bandOfDay(weekday, rule) : bandOfHour(hour, weekday, rule);
}
