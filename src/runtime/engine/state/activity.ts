/**
 * Per-actor activity buckets (UTC-aligned hours and days). A bucket closes
 * when the actor's event time passes its end plus the lateness allowance (for
 * an idle actor, tick advances that event time by the processing time it has
 * been idle), and becomes an
 * ActorActivityRow: stored by the sinks, and fed back into the engine's own
 * history so baselines also learn online during a long backtest.
 */
import type { ActorActivityRow } from '../api.js';
import type { ActorProfile, EnrichedEvent } from '../../../model/enriched.js';
import { BucketDistinct } from './distinct-counter.js';
import { appended } from './exact-array.js';
import { NO_NAMES, withName } from './name-lists.js';
import { NONE, fromWindowSeconds, toWindowSeconds } from './distinct-window.js';
import { localReading } from '../../../time/local-time.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * A bucket IS its distinct-customer counter (`distinct` is the bucket
 * itself): one object per bucket, where a counter of its own cost 32 bytes
 * more (its header and the field pointing to it), 48 per actor of the
 * organisation.
 */
export class ActivityBucket extends BucketDistinct {
  events = 0;
  denied = 0;
  peak5m = 0;
  peak1h = 0;
  peak24h = 0;
  /** Largest record_count of one counted request in the bucket. */
  maxRequest = 0;
  /**
   * Start in the DistinctWindow's time unit, to compare with a ref's previous
   * touch; the start in ms is derived from it (a field of a time is a boxed
   * double: 24 bytes).
   */
  readonly startSec: number;
  /**
   * Names used in the bucket, in order of first use (a handful: arrays cost a
   * fraction of a Set). Immutable lists shared between buckets (name-lists.ts):
   * replaced by the list one longer when a name is added.
   */
  resourceTypes: readonly string[] = NO_NAMES;
  channels: readonly string[] = NO_NAMES;
  zones: readonly string[] = NO_NAMES;
  /** Requests per activity class, in the order of `classList` (the settings' classes when counted); null until the first. */
  private classCounts: number[] | null = null;
  private classList: readonly string[] = NO_NAMES;
  constructor(
    readonly granularity: 'hour' | 'day',
    start: number,
  ) {
    super();
    // invariant: a bucket starts on a whole hour of a decodable ts (years 2000-2106), which window seconds hold exactly.
    this.startSec = toWindowSeconds(start);
  }

  /** The distinct customers of the bucket (counted by the bucket itself: see the class). */
  get distinct(): BucketDistinct {
    return this;
  }

  /** Start, epoch ms (derived from startSec, exact). */
  get start(): number {
    return fromWindowSeconds(this.startSec);
  }

  /** Derived, not a field: a bucket is held by the hundred thousand, and a field of a time is a boxed double (24 bytes). */
  get end(): number {
    return this.start + (this.granularity === 'hour' ? HOUR_MS : DAY_MS);
  }

  /** Adds one event (peaks: the actor's current 5-minute, 1-hour and 24-hour distinct counts). */
  record(e: EnrichedEvent, peak5m: number, peak1h: number, peak24h: number): void {
    this.events++;
    if (e.outcome === 'denied') this.denied++;
    if (peak5m > this.peak5m) this.peak5m = peak5m;
    if (peak1h > this.peak1h) this.peak1h = peak1h;
    if (peak24h > this.peak24h) this.peak24h = peak24h;
    this.resourceTypes = withName(this.resourceTypes, e.resource_type);
    if (e.channel !== null) this.channels = withName(this.channels, e.channel);
    this.zones = withName(this.zones, e.network.zone);
  }

  /** One request of class number `i` of `classes` (the settings' class names, one array per rule set). */
  countClass(classes: readonly string[], i: number): void {
    if (this.classList !== classes) this.recount(classes);
    const counts = (this.classCounts ??= new Array<number>(classes.length).fill(0));
    counts[i] = (counts[i] as number) + 1;
  }

  /** A rule reload changed the classes: counts carried over by name (a class dropped is forgotten). */
  private recount(classes: readonly string[]): void {
    const old = this.classCounts;
    const oldList = this.classList;
    this.classList = classes;
    this.classCounts = old === null ? null : classes.map((name) => old[oldList.indexOf(name)] ?? 0);
  }

  toRow(actor: Pick<ActorProfile, 'actor_id' | 'role' | 'department' | 'timezone'>): ActorActivityRow {
    const local = localReading(this.start, actor.timezone);
    return {
      actor_id: actor.actor_id,
      role: actor.role,
      department: actor.department,
      granularity: this.granularity,
      bucket_start: this.start,
      local_hour: local.hour,
      local_weekday: local.weekday,
      events: this.events,
      distinct_records: this.distinct.count(),
      peak_5m_distinct: this.peak5m,
      max_request_records: this.maxRequest,
      peak_1h_distinct: this.peak1h,
      ...(this.granularity === 'day' ? { peak_24h_distinct: this.peak24h } : {}),
      denied: this.denied,
      resource_types: [...this.resourceTypes].sort(),
      channels: [...this.channels].sort(),
      zones: [...this.zones].sort(),
      ...this.classesOfRow(),
    };
  }

  /** class_names (sorted) and class_events of the classes seen; nothing when none was (rows without classes stay as they were). */
  private classesOfRow(): Pick<ActorActivityRow, 'class_names' | 'class_events'> {
    const counts = this.classCounts;
    if (counts === null) return {};
    const seen = this.classList.map((name, i) => ({ name, n: counts[i] as number })).filter((c) => c.n > 0);
    seen.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { class_names: seen.map((c) => c.name), class_events: seen.map((c) => c.n) };
  }

  override get approxBytes(): number {
    return 250 + super.approxBytes + (this.resourceTypes.length + this.channels.length + this.zones.length) * 8 + (this.classCounts === null ? 0 : 16 + this.classCounts.length * 8);
  }
}


const NO_BUCKETS: readonly ActivityBucket[] = [];
/** closedBefore or nextEnd unset (-Infinity, Infinity): below every window second. */
const NO_SEC = NONE;

/** The open buckets of one actor: usually one hour and one day, more around a boundary with late events. */
export class ActivityTracker {
  /** Usually two buckets; replaced (not pushed to) when one opens, so it holds exactly its buckets. */
  private open: readonly ActivityBucket[] = NO_BUCKETS;
  /**
   * closedBefore and nextEnd in window seconds (NO_SEC: -Infinity and
   * Infinity): both are bucket boundaries, whole hours, which window seconds
   * hold exactly, and a small integer field is 8 bytes where a time in ms is
   * a boxed double (24: 32 bytes per actor for the two).
   */
  private closedSec = NO_SEC;
  private nextEndSec = NO_SEC;
  /** Set by `locate`: the hour and day buckets of the last located event. */
  hour: ActivityBucket | null = null;
  day: ActivityBucket | null = null;

  /** Buckets ending at or before this were emitted (by tick); later stragglers are not re-opened. */
  get closedBefore(): number {
    return this.closedSec === NO_SEC ? -Infinity : fromWindowSeconds(this.closedSec);
  }

  /**
   * A bucket end (whole hours; -Infinity: none). Held to the second below: a
   * bucket boundary compares with it as with the ms (stored rows' ends are
   * boundaries too).
   */
  set closedBefore(ms: number) {
    this.closedSec = ms === -Infinity ? NO_SEC : toWindowSeconds(ms);
  }

  /** Earliest end among open buckets (Infinity when none): lets callers skip closeUpTo. */
  get nextEnd(): number {
    return this.nextEndSec === NO_SEC ? Infinity : fromWindowSeconds(this.nextEndSec);
  }

  private set nextEnd(ms: number) {
    this.nextEndSec = ms === Infinity ? NO_SEC : toWindowSeconds(ms);
  }

  /**
   * Points `hour` and `day` at the buckets holding ts (creating them); false,
   * with both null, for an event in an already closed period.
   */
  locate(ts: number): boolean {
    const hourStart = ts - (ts % HOUR_MS);
    if (hourStart + HOUR_MS <= this.closedBefore) {
      this.hour = null;
      this.day = null;
      return false;
    }
    const h = this.hour;
    if (h === null || h.start !== hourStart) this.hour = this.find('hour', hourStart);
    const dayStart = ts - (ts % DAY_MS);
    const d = this.day;
    if (d === null || d.start !== dayStart) this.day = this.find('day', dayStart);
    return true;
  }

  /** Remove and return the buckets ending at or before `limit`. */
  closeUpTo(limit: number): ActivityBucket[] {
    const closed: ActivityBucket[] = [];
    for (let i = this.open.length - 1; i >= 0; i--) {
      const b = this.open[i] as ActivityBucket;
      if (b.end <= limit) closed.push(b);
    }
    if (closed.length > 0) {
      const kept = new Array<ActivityBucket>(this.open.length - closed.length);
      let k = 0;
      for (const b of this.open) if (b.end > limit) kept[k++] = b;
      this.open = kept;
    }
    if (closed.length > 0) closed.sort((a, b) => a.start - b.start || (a.granularity === 'hour' ? -1 : 1));
    this.nextEnd = Infinity;
    for (const b of this.open) if (b.end < this.nextEnd) this.nextEnd = b.end;
    if (this.hour !== null && this.hour.end <= limit) this.hour = null;
    if (this.day !== null && this.day.end <= limit) this.day = null;
    return closed;
  }

  /** Takes back buckets held elsewhere meanwhile (an evicted actor's, on its rebuild). */
  adopt(buckets: readonly ActivityBucket[], closedBefore: number): void {
    for (const b of buckets) {
      if (this.open.some((o) => o.start === b.start && o.granularity === b.granularity)) continue;
      this.open = appended(this.open, b);
      if (b.end < this.nextEnd) this.nextEnd = b.end;
    }
    if (closedBefore > this.closedBefore) this.closedBefore = closedBefore;
    this.hour = null;
    this.day = null;
  }

  get isEmpty(): boolean {
    return this.open.length === 0;
  }

  /** The open day bucket starting at `start`, if any (a multi-day window reads the days still open). */
  openDay(start: number): ActivityBucket | undefined {
    for (const b of this.open) if (b.granularity === 'day' && b.start === start) return b;
    return undefined;
  }

  get approxBytes(): number {
    let n = 64;
    for (const b of this.open) n += b.approxBytes;
    return n;
  }

  private find(granularity: 'hour' | 'day', start: number): ActivityBucket {
    for (const b of this.open) if (b.start === start && b.granularity === granularity) return b;
    const b = new ActivityBucket(granularity, start);
    this.open = appended(this.open, b);
    if (b.end < this.nextEnd) this.nextEnd = b.end;
    return b;
  }
}
