import type { ActorActivityRow } from '../../../../src/runtime/engine/index.js';

/** Hourly rows at 09:00-16:00 UTC (10:00-17:00 Berlin: business band) on the `days` weekdays before `before`. */
export function hourlyRows(
  actor: string,
  opts: { days: number; peak5m: number; peak1h?: number; distinct?: number; role?: string; department?: string; before: number; zones?: string[]; channels?: string[] },
): ActorActivityRow[] {
  const rows: ActorActivityRow[] = [];
  const day0 = opts.before - (opts.before % 86_400_000);
  let d = 1;
  let made = 0;
  while (made < opts.days) {
    const day = day0 - d * 86_400_000;
    d++;
    const wd = ((new Date(day).getUTCDay() + 6) % 7) + 1;
    if (wd >= 6) continue;
    made++;
    for (let h = 9; h < 17; h++) {
      rows.push({
        actor_id: actor,
        role: opts.role ?? 'support_agent',
        department: opts.department ?? 'customer_care',
        granularity: 'hour',
        bucket_start: day + h * 3_600_000,
        local_hour: h + 1,
        local_weekday: wd,
        events: 10,
        distinct_records: opts.distinct ?? opts.peak5m * 3,
        peak_5m_distinct: opts.peak5m,
        ...(opts.peak1h !== undefined && { peak_1h_distinct: opts.peak1h }),
        denied: 0,
        resource_types: ['customer'],
        channels: opts.channels ?? ['support_console'],
        zones: opts.zones ?? ['office'],
      });
    }
  }
  return rows.sort((a, b) => a.bucket_start - b.bucket_start);
}

/** A closed daily row of `distinct` customers (a support agent in customer care), for the whole-day measures. */
export function dayRow(actor: string, day: number, distinct: number): ActorActivityRow {
  return {
    actor_id: actor,
    role: 'support_agent',
    department: 'customer_care',
    granularity: 'day',
    bucket_start: day,
    local_hour: 1,
    local_weekday: ((new Date(day).getUTCDay() + 6) % 7) + 1,
    events: distinct,
    distinct_records: distinct,
    peak_5m_distinct: 5,
    peak_1h_distinct: 10,
    peak_24h_distinct: distinct,
    denied: 0,
    resource_types: ['customer'],
    channels: ['support_console'],
    zones: ['office'],
  };
}
