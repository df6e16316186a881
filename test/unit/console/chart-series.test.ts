import { describe, expect, it } from 'vitest';
import { chartData, type ChartInputs, type HourRow } from '../../../src/console/chart/series.js';

const HOUR = 3_600_000;
/** Monday 2026-03-09 00:00 UTC. */
const MONDAY = Date.UTC(2026, 2, 9);
const row = (ms: number, value: number): HourRow => {
  const d = new Date(ms);
  return { bucket_start_ms: ms, local_hour: d.getUTCHours(), local_weekday: ((d.getUTCDay() + 6) % 7) + 1, value };
};

describe('the alert chart data', () => {
  // Three weekdays of 10:00-11:00 history at 4, then an alert in the Thursday 10:00 hour (still open).
  const own = [0, 1, 2].map((d) => row(MONDAY + d * 24 * HOUR + 10 * HOUR, 4));
  const alertHour = MONDAY + 3 * 24 * HOUR + 10 * HOUR;
  const base: ChartInputs = {
    own,
    peers: new Map(),
    timezone: 'UTC',
    bands: { start: 8, end: 18, weekend_days: [6, 7] },
    z: 4,
    minSpread: 0.25,
    baselineBeforeMs: alertHour,
    lookbackMs: 14 * 24 * HOUR,
    fromMs: MONDAY,
    toMs: alertHour + 3 * HOUR,
    window: { startMs: alertHour + 10 * 60_000, endMs: alertHour + 40 * 60_000 },
  };

  it('plots the open hour from its events, marks it, and keeps it out of the band', () => {
    const withOpen = chartData({ ...base, open: [row(alertHour, 37)] });
    const at = withOpen.x.indexOf(alertHour / 1000);
    expect(withOpen.actor[at]).toBe(37);
    expect(withOpen.open).toEqual([alertHour / 1000]);
    expect(withOpen.window).toEqual([(alertHour + 10 * 60_000) / 1000, (alertHour + 40 * 60_000) / 1000]);
    // The band comes from the three closed hours before the alert only.
    const without = chartData(base);
    expect(withOpen.bands).toEqual(without.bands);
    expect(withOpen.bands.business?.samples).toBe(3);
    expect(without.actor[at]).toBe(0);
    expect(without.open).toEqual([]);
  });

  it('a stored (closed) row of the same hour wins over the count from events', () => {
    const stored = row(alertHour, 41);
    const data = chartData({ ...base, own: [...own, stored], open: [row(alertHour, 37)] });
    expect(data.actor[data.x.indexOf(alertHour / 1000)]).toBe(41);
    expect(data.open).toEqual([]);
  });
});
