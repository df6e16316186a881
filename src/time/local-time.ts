/**
 * Local hour and weekday of an instant in an IANA time zone, fast enough for
 * the hot path.
 *
 * Intl formatting costs microseconds per call. Every real UTC offset is a
 * multiple of 15 minutes, so hour and weekday are constant within each
 * 15-minute-aligned UTC block: we format once per (zone, block) and reuse it.
 * Events arrive roughly in time order, so the last block of each zone answers
 * almost every event; a bounded map of blocks per zone serves readers that
 * jump around in time (activity buckets of many actors, backtests).
 */
const BLOCK_MS = 15 * 60 * 1000;
/** Blocks remembered per zone (about 42 days of 15-minute blocks). */
const BLOCKS_PER_ZONE = 4096;
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface LocalClockReading {
  readonly hour: number;
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  readonly weekday: number;
  /** Minutes since local midnight. */
  readonly minuteOfDay: number;
}

interface CacheEntry {
  block: number;
  hour: number;
  weekday: number;
  minuteAtBlockStart: number;
}

export class LocalTimeResolver {
  private readonly formatters = new Map<string, Intl.DateTimeFormat>();
  /** Per zone: the last block read, and every block read recently. */
  private readonly last = new Map<string, CacheEntry>();
  private readonly blocks = new Map<string, Map<number, CacheEntry>>();

  /** Throws RangeError for an unknown time zone (validated when the directory loads). */
  static assertValidZone(timeZone: string): void {
    new Intl.DateTimeFormat('en-US', { timeZone });
  }

  /** Whether assertValidZone accepts the zone. */
  static isValidZone(this: void, timeZone: string): boolean {
    try {
      LocalTimeResolver.assertValidZone(timeZone);
      return true;
    } catch {
      return false;
    }
  }

  read(epochMs: number, timeZone: string): LocalClockReading {
    const block = Math.floor(epochMs / BLOCK_MS);
    let entry = this.last.get(timeZone);
    if (entry === undefined || entry.block !== block) {
      entry = this.remembered(block, timeZone);
      this.last.set(timeZone, entry);
    }
    const minuteInBlock = Math.floor((epochMs - block * BLOCK_MS) / 60_000);
    return { hour: entry.hour, weekday: entry.weekday, minuteOfDay: entry.minuteAtBlockStart + minuteInBlock };
  }

  private remembered(block: number, timeZone: string): CacheEntry {
    let perZone = this.blocks.get(timeZone);
    if (perZone === undefined) {
      perZone = new Map();
      this.blocks.set(timeZone, perZone);
    }
    let entry = perZone.get(block);
    if (entry === undefined) {
      if (perZone.size >= BLOCKS_PER_ZONE) perZone.clear();
      entry = this.compute(block, timeZone);
      perZone.set(block, entry);
    }
    return entry;
  }

  private compute(block: number, timeZone: string): CacheEntry {
    let fmt = this.formatters.get(timeZone);
    if (fmt === undefined) {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
        weekday: 'short',
      });
      this.formatters.set(timeZone, fmt);
    }
    let hour = 0;
    let minute = 0;
    let weekday = 1;
    for (const part of fmt.formatToParts(new Date(block * BLOCK_MS))) {
      if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
      else if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 1;
    }
    return { block, hour, weekday, minuteAtBlockStart: hour * 60 + minute };
  }
}

/** One resolver shared by callers that have no hot loop of their own (activity buckets, rule tests). */
const shared = new LocalTimeResolver();

/** Local hour and ISO weekday of `epochMs` in `timeZone`; an unknown zone reads as UTC. */
export function localReading(epochMs: number, timeZone: string): LocalClockReading {
  try {
    return shared.read(epochMs, timeZone);
  } catch {
    return shared.read(epochMs, 'UTC');
  }
}
