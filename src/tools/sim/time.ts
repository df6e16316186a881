/**
 * Calendar and time-zone helpers (Intl only, no dependency). All instants are
 * epoch milliseconds (UTC).
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** ISO weekday, 1 = Monday ... 7 = Sunday. */
  readonly weekday: number;
}

/** Wall-clock parts of an instant in a time zone. */
export function localParts(ms: number, tz: string): LocalParts {
  const parts = formatter(tz).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')) % 24,
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: WEEKDAYS[get('weekday')] ?? 1,
  };
}

const offsetCache = new Map<string, Map<number, number>>();

/**
 * Offset of the zone from UTC at an instant, in ms (e.g. +3_600_000 for CET).
 * Cached per quarter hour (every real zone transition falls on one).
 */
export function tzOffsetMs(ms: number, tz: string): number {
  let byQuarter = offsetCache.get(tz);
  if (!byQuarter) {
    byQuarter = new Map();
    offsetCache.set(tz, byQuarter);
  }
  const q = Math.floor(ms / 900_000);
  let off = byQuarter.get(q);
  if (off === undefined) {
    const whole = q * 900_000;
    const p = localParts(whole, tz);
    off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
    if (byQuarter.size > 200_000) byQuarter.clear();
    byQuarter.set(q, off);
  }
  return off;
}

/** The instant at which the wall clock in `tz` shows the given time (first one, across DST). */
export function zonedToUtc(tz: string, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const off1 = tzOffsetMs(guess - 12 * HOUR, tz);
  let t = guess - off1;
  const off2 = tzOffsetMs(t, tz);
  if (off2 !== off1) t = guess - off2;
  return t;
}

/** A calendar date (no zone). */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The calendar date `n` days after the UTC date of `startMs`. */
export function calendarDate(startMs: number, n: number): CalendarDate {
  const d = new Date(startMs + n * DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday (1 = Monday) of a calendar date. */
export function isoWeekday(date: CalendarDate): number {
  const wd = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

const hourCache = new Map<string, readonly number[]>();

/**
 * UTC instants of the 25 local hour boundaries (0:00 ... 24:00) of a calendar date
 * in a zone. Cached; DST days are approximated (the skipped or repeated hour is
 * folded), which is fine for traffic generation.
 */
export function localHourStarts(tz: string, date: CalendarDate): readonly number[] {
  const key = `${tz}|${date.year}-${date.month}-${date.day}`;
  let hours = hourCache.get(key);
  if (!hours) {
    const start = zonedToUtc(tz, date.year, date.month, date.day, 0, 0);
    const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
    const end = zonedToUtc(tz, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0);
    const arr: number[] = [];
    for (let h = 0; h <= 24; h++) arr.push(start + ((end - start) * h) / 24);
    hours = arr.map((x) => Math.round(x));
    hourCache.set(key, hours);
  }
  return hours;
}

/** UTC instant of a fractional local hour (e.g. 9.25 = 09:15) on a calendar date in a zone. */
export function localTime(tz: string, date: CalendarDate, hourFraction: number): number {
  const hours = localHourStarts(tz, date);
  const h = Math.max(0, Math.min(24, hourFraction));
  const i = Math.min(23, Math.floor(h));
  const a = hours[i] as number;
  const b = hours[i + 1] as number;
  return Math.round(a + (b - a) * (h - i));
}

/** RFC 3339 with a numeric offset for the zone, e.g. `2026-03-02T10:15:02.123+01:00`. */
export function formatWithOffset(ms: number, tz: string): string {
  const off = tzOffsetMs(ms, tz);
  if (off === 0) return new Date(ms).toISOString();
  const local = new Date(ms + off).toISOString().slice(0, 23);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / MINUTE;
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** Parses `YYYY-MM-DD` (or any Date-parsable string) to the UTC midnight of that date. */
export function parseStartDate(start: string | number | Date): number {
  const ms = typeof start === 'number' ? start : start instanceof Date ? start.getTime() : Date.parse(start);
  if (!Number.isFinite(ms)) throw new Error(`invalid start date: ${String(start)}`);
  return Math.floor(ms / DAY) * DAY;
}
