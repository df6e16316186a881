/**
 * Local hour and ISO weekday of an instant in a time zone, for activity rows.
 * Called once per bucket (not per event); formatters are cached per zone
 * because constructing Intl.DateTimeFormat is slow.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface LocalReading {
  readonly hour: number;
  readonly weekday: number;
}

/** Readings per zone and UTC hour: activity buckets of many actors share them. */
const memo = new Map<string, Map<number, LocalReading>>();
const MEMO_MAX_PER_ZONE = 10_000;

export function localReading(ts: number, timeZone: string): LocalReading {
  // Zones differ from UTC by whole hours or half/quarter hours: memoise per minute-aligned instant.
  if (ts % 60_000 !== 0) return compute(ts, timeZone);
  let perZone = memo.get(timeZone);
  if (perZone === undefined) {
    perZone = new Map();
    memo.set(timeZone, perZone);
  }
  let r = perZone.get(ts);
  if (r === undefined) {
    if (perZone.size >= MEMO_MAX_PER_ZONE) perZone.clear();
    r = compute(ts, timeZone);
    perZone.set(ts, r);
  }
  return r;
}

function compute(ts: number, timeZone: string): LocalReading {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', hourCycle: 'h23', weekday: 'short' });
    } catch {
      fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hour: '2-digit', hourCycle: 'h23', weekday: 'short' });
    }
    formatters.set(timeZone, fmt);
  }
  let hour = 0;
  let weekday = 1;
  for (const part of fmt.formatToParts(ts)) {
    if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 1;
  }
  return { hour, weekday };
}
