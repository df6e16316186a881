/**
 * Closed activity rows, per actor, for a bounded look-back (settings
 * activity_lookback): the material of baselines and of first-seen facts.
 * Fed by restore() at start and by the engine's own closing buckets.
 *
 * Every figure is read AS OF an instant: only rows of buckets that ended by it
 * and started within the look-back before it count. What the history holds
 * beyond that instant (rows a restore brought back from batches the replay has
 * not reached yet; rows of partitions further ahead) never changes a figure,
 * so a figure depends on the input, not on when rows happened to arrive:
 *  - an actor's own figures are read as of the actor's event time minus the
 *    lateness allowance: exactly the buckets that had closed;
 *  - a peer group's, a role's and the organisation's as of a cutoff per UTC day (the engine's
 *    groupCutoff: the day's start minus a margin), computed once per cutoff as
 *    a snapshot; a snapshot taken before every input had passed its cutoff is
 *    provisional and taken again as rows arrive, one taken after is final.
 * Rows are kept PRUNE_SLACK_MS beyond the look-back so that a reading as of an
 * earlier instant still finds them.
 *
 * Rows of buckets under an open alert (`under_alert`) enter no statistics of a
 * baseline with `exclude_alerted` (first-seen marks and activity always count).
 *
 * Statistics are cached: an actor's own figures per (metric, band) until the
 * actor's qualifying rows change; a group's per cutoff.
 */
import type { ActorActivityRow } from '../api.js';
import { ActivityColumns } from './activity-columns.js';
import { FirstUses, USE_KINDS, type SpanChange, type UseKind } from './first-uses.js';
import { BANDS, bandOfRow, dayWeekday, metricGranularity, metricReader, type Band, type BandRule, type Metric } from './bands.js';
import { EMPTY_STATS, summarise, TOP_KEPT, type SampleStats } from './robust.js';

const EMPTY_TOP: readonly number[] = [];

export interface ActorHistory {
  readonly actorId: string;
  role: string;
  department: string;
  /** The actor's rows, sorted by bucket start (activity-columns.ts: the form they are held in). */
  readonly hourly: ActivityColumns;
  readonly daily: ActivityColumns;
  /** Bumped on every change; keys the own-stats cache. */
  version: number;
  /** First and last bucket start each resource type / channel / zone was used in (within what is held). */
  readonly seen: FirstUses;
  /**
   * Per metric (with a '!' suffix: without the buckets under an alert, statsKey): stats per band
   * (BANDS order), valid for `version` and the rows [lo, hi) they were read from.
   */
  readonly cache: Map<string, { version: number; lo: number; hi: number; stats: SampleStats[] }>;
  /** Largest single requests (hourly rows' max_request_records, any band), descending, valid for `version` and the hourly rows [lo, hi). */
  requestPeaks: readonly number[];
  requests: { version: number; lo: number; hi: number };
  /** The last own span read per granularity: the windows and facts of one event all ask as of one instant. */
  readonly spans: { readonly hour: OwnSpan; readonly day: OwnSpan };
  /**
   * Recurring levels in a slot of the week (ownSlotLevel), per baseline that asks for one: created
   * with the first such question, so actors no slot rule judges hold nothing for it.
   */
  slots: Map<object, SlotLevel> | null;
}

/** The level an actor's own rows reached in one slot of the week, valid for `version`, the rows [lo, hi), that slot and alerted rows left out or not. */
interface SlotLevel {
  readonly version: number;
  readonly lo: number;
  readonly hi: number;
  readonly weekday: number;
  readonly hour: number;
  readonly withoutAlerted: boolean;
  readonly level: number | null;
}

/** Where a recurring level counts (recurring_peak with slot `week`): the local weekday, the hour and the hours either side. */
export interface WeekSlot {
  readonly weekday: number;
  readonly hour: number;
  readonly hours: number;
}

/** The actor's rows [lo, hi) that count as of `asOf`, valid while the rows are at `version`. */
interface OwnSpan {
  version: number;
  asOf: number;
  lo: number;
  hi: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * Rows are kept this long beyond the look-back: a reading as of an earlier
 * instant (a partition behind another, a replay after a restore, a group
 * cutoff a day back) still finds every row its look-back covers.
 */
export const PRUNE_SLACK_MS = 4 * DAY_MS;

/**
 * The instant peer, role and organisation baselines of an event at `ts` are
 * read as of: its UTC day's start less `marginMs` (rules settings
 * group_baseline_margin). The engine judges with it; the chaos report reads it
 * back to tell whether a judgment could have lacked a late partition's rows.
 */
export function groupCutoffOf(ts: number, marginMs: number): number {
  return ts - (((ts % DAY_MS) + DAY_MS) % DAY_MS) - marginMs;
}
/** Group snapshots kept per metric: partitions a few days apart read different cutoffs. */
const SNAPSHOTS_KEPT = 6;

interface GroupSnapshot {
  readonly cutoff: number;
  /** Taken once every input had passed the cutoff: never taken again. */
  readonly final: boolean;
  readonly rowsAdded: number;
  readonly stats: SampleStats[];
}

const durationOf = (granularity: 'hour' | 'day'): number => (granularity === 'hour' ? HOUR_MS : DAY_MS);

/** [lo, hi): the rows (sorted by bucket start) of buckets that started at or after `from` and ended by `to`. */
function span(rows: ActivityColumns, from: number, to: number, duration: number): { lo: number; hi: number } {
  return { lo: rows.lowerBound(from), hi: rows.lowerBound(to - duration + 1) };
}

/**
 * How many of a group's members used a value as of a cutoff
 * (ActivityHistory.shareUsing). Counted once, then kept up to date as
 * members' uses change (spanChanged); counted again only for another cutoff
 * or once the members changed (`membersEpoch`).
 */
interface GroupUsers {
  readonly cutoff: number;
  readonly membersEpoch: number;
  users: number;
  readonly withHistory: number;
}

/** What merge() did with a row. */
export type MergeResult = 'added' | 'replaced' | 'kept';

export interface HistoryGroup {
  readonly members: Set<string>;
  /** Rows added to members since the group was created (monotone). */
  rowsAdded: number;
  /** Rows members hold now (added minus pruned). */
  rows: number;
  /** Newest bucket start added (event time). */
  newest: number;
  version: number;
  /** Changes whenever an actor joins or leaves `members` (what GroupUsers counts over). */
  membersEpoch: number;
  /** Per metric (statsKey): snapshots as of a cutoff (newest last). */
  readonly snapshots: Map<string, GroupSnapshot[]>;
  /** Per resource type / channel / zone: how many members used it, as of a cutoff (usersOf). */
  readonly users: Record<UseKind, Map<string, GroupUsers>>;
}

export class ActivityHistory {
  private readonly actors = new Map<string, ActorHistory>();
  private readonly groups = new Map<string, HistoryGroup>();
  private readonly roles = new Map<string, HistoryGroup>();
  /** Every actor held: the organisation-wide prior of a role too thin for its own (orgGroup). */
  private readonly org: HistoryGroup = emptyGroup();
  private rules: BandRule;

  /**
   * `keepRecencyOrder`: the actors map is kept in order of their latest row
   * (least recent first), so dropLeastRecent() finds them from the front.
   */
  constructor(
    private lookbackMs: number,
    bandRule: BandRule,
    private readonly keepRecencyOrder = false,
  ) {
    this.rules = bandRule;
  }

  /** New settings after a rule reload: caches depend on the band rule. */
  configure(lookbackMs: number, bandRule: BandRule): void {
    const changed = bandRule.start !== this.rules.start || bandRule.end !== this.rules.end || bandRule.weekend_days.join() !== this.rules.weekend_days.join();
    this.lookbackMs = lookbackMs;
    this.rules = bandRule;
    // Slot levels are kept per baseline of the rule set: a reload brings new ones.
    for (const a of this.actors.values()) a.slots = null;
    // Who used a name within the look-back depends on the look-back.
    for (const g of this.allGroups()) for (const kind of USE_KINDS) g.users[kind].clear();
    if (!changed) return;
    for (const a of this.actors.values()) {
      a.cache.clear();
      a.version++;
    }
    for (const g of this.allGroups()) {
      g.snapshots.clear();
      g.version++;
    }
  }

  actor(actorId: string): ActorHistory | undefined {
    return this.actors.get(actorId);
  }

  /** Every actor's history, for `custos bench memory --breakdown` (which measures its parts by replacing them). */
  histories(): IterableIterator<ActorHistory> {
    return this.actors.values();
  }

  /** True when the row for this bucket is already held (a restore followed by a re-close). */
  has(actorId: string, granularity: 'hour' | 'day', bucketStart: number): boolean {
    const a = this.actors.get(actorId);
    if (a === undefined) return false;
    return (granularity === 'hour' ? a.hourly : a.daily).indexOf(bucketStart) >= 0;
  }

  /** Adds a row (ignored when the same bucket is already held). Returns whether it was added. */
  add(row: ActorActivityRow): boolean {
    if (this.has(row.actor_id, row.granularity, row.bucket_start)) return false;
    this.insert(row);
    return true;
  }

  /**
   * Adds a row from elsewhere (another instance's closed bucket). A bucket
   * already held is replaced only by a newer row of it, i.e. one that saw more
   * events (a bucket's row only grows as its events arrive); an identical or
   * older row changes nothing, so merging the same rows again is idempotent.
   */
  merge(row: ActorActivityRow): MergeResult {
    const a = this.actors.get(row.actor_id);
    const rows = a === undefined ? undefined : row.granularity === 'hour' ? a.hourly : a.daily;
    const i = rows === undefined ? -1 : rows.indexOf(row.bucket_start);
    if (rows !== undefined && i >= 0) {
      if (row.events <= rows.events(i)) return 'kept';
      const moved = this.ensureActor(row);
      rows.replace(i, row);
      this.noteRow(moved, rows, i);
      return 'replaced';
    }
    this.insert(row);
    return 'added';
  }

  private insert(row: ActorActivityRow): void {
    const a = this.ensureActor(row);
    const rows = row.granularity === 'hour' ? a.hourly : a.daily;
    // Keep rows sorted by bucket start (restore is oldest first; online rows arrive in order).
    let i = rows.length;
    while (i > 0 && rows.start(i - 1) > row.bucket_start) i--;
    rows.insert(i, row);
    this.groupOf(a.role, a.department).rows++;
    this.roleGroup(a.role).rows++;
    this.org.rows++;
    this.noteRow(a, rows, i);
    this.prune(a, row.bucket_start + durationOf(row.granularity) - this.lookbackMs - PRUNE_SLACK_MS);
  }

  /** A row of the actor was added or replaced: first-seen marks, versions, group freshness. */
  private noteRow(a: ActorHistory, rows: ActivityColumns, i: number): void {
    if (this.keepRecencyOrder) {
      this.actors.delete(a.actorId);
      this.actors.set(a.actorId, a);
    }
    const start = rows.start(i);
    this.ownedBy(a);
    // Hourly rows only: a day row says the same thing later, and would date a first use to the day's start.
    if (rows.granularity === 'hour') {
      for (const kind of USE_KINDS) for (const v of rows.names(i, kind) ?? []) a.seen.bump(kind, v, start, this.spanChanged);
    }
    a.version++;
    for (const g of this.spanGroups) this.touch(g, a.actorId, start);
  }

  /**
   * The actor's largest single requests in the look-back as of `asOf` (any
   * band), descending (at most TOP_KEPT); rows stored without
   * `max_request_records` count as 0.
   */
  ownRequestPeaks(actorId: string, asOf = Number.POSITIVE_INFINITY): readonly number[] {
    const a = this.actors.get(actorId);
    if (a === undefined) return EMPTY_TOP;
    const { lo, hi } = this.ownSpan(a, true, asOf);
    const k = a.requests;
    if (k.version !== a.version || k.lo !== lo || k.hi !== hi) {
      const top: number[] = [];
      for (let i = lo; i < hi; i++) {
        const v = a.hourly.maxRequestRecords(i);
        if (v <= 0) continue;
        if (top.length < TOP_KEPT) top.push(v);
        else if (v > (top[top.length - 1] as number)) top[top.length - 1] = v;
        else continue;
        top.sort((x, y) => y - x);
      }
      a.requestPeaks = top;
      a.requests = { version: a.version, lo, hi };
    }
    return a.requestPeaks;
  }

  /**
   * Stats of the actor's own rows in the band as of `asOf` (the same object
   * while the rows that qualify do not change).
   */
  own(actorId: string, metric: Metric, band: Band, asOf = Number.POSITIVE_INFINITY, withoutAlerted = false): SampleStats {
    const a = this.actors.get(actorId);
    if (a === undefined) return EMPTY_STATS;
    const hourly = metricGranularity(metric) === 'hour';
    const rows = hourly ? a.hourly : a.daily;
    const { lo, hi } = this.ownSpan(a, hourly, asOf);
    const key = statsKey(metric, withoutAlerted);
    let hit = a.cache.get(key);
    if (hit === undefined || hit.version !== a.version || hit.lo !== lo || hit.hi !== hi) {
      const perBand = this.splitByBand([{ rows, lo, hi }], metric, withoutAlerted);
      hit = { version: a.version, lo, hi, stats: perBand.map((v) => summarise(v.values, v.values.length > 0 ? 1 : 0, v.days)) };
      a.cache.set(key, hit);
    }
    return hit.stats[BANDS.indexOf(band)] ?? EMPTY_STATS;
  }

  /**
   * The level the actor's own rows reached in a slot of the week on at least `minCount` weeks,
   * as of `asOf` (null: fewer weeks): each week's highest value of the metric in the slot, the
   * `minCount`-th highest of those. Hourly metrics: rows of the slot's local weekday whose local
   * hour is within `slot.hours` of its hour; daily metrics: the days of that weekday and of the
   * one before (a sliding 24 hours ending on Wednesday morning holds Tuesday's report). `key` is
   * the baseline asking (its cached answer).
   */
  ownSlotLevel(actorId: string, key: object, metric: Metric, slot: WeekSlot, minCount: number, asOf: number, withoutAlerted: boolean): number | null {
    const a = this.actors.get(actorId);
    if (a === undefined) return null;
    const hourly = metricGranularity(metric) === 'hour';
    const { lo, hi } = this.ownSpan(a, hourly, asOf);
    if (a.slots === null) a.slots = new Map();
    const hit = a.slots.get(key);
    if (hit !== undefined && hit.version === a.version && hit.lo === lo && hit.hi === hi && hit.weekday === slot.weekday && hit.hour === slot.hour && hit.withoutAlerted === withoutAlerted) return hit.level;
    const rows = hourly ? a.hourly : a.daily;
    const valueOf = metricReader(metric);
    const dayBefore = slot.weekday === 1 ? 7 : slot.weekday - 1;
    // A slot's rows are hours (daily: one day) apart within a week and six or more days apart across weeks.
    const sameWeekGap = hourly ? DAY_MS : 2 * DAY_MS;
    const weekly: number[] = [];
    let last = Number.NEGATIVE_INFINITY;
    for (let i = lo; i < hi; i++) {
      if (withoutAlerted && rows.underAlert(i)) continue;
      if (hourly) {
        if (rows.localWeekday(i) !== slot.weekday || Math.abs(rows.localHour(i) - slot.hour) > slot.hours) continue;
      } else {
        const wd = dayWeekday(rows, i);
        if (wd !== slot.weekday && wd !== dayBefore) continue;
      }
      const v = valueOf(rows, i);
      const start = rows.start(i);
      if (start - last >= sameWeekGap) weekly.push(v);
      else weekly[weekly.length - 1] = Math.max(weekly[weekly.length - 1] as number, v);
      last = start;
    }
    weekly.sort((x, y) => y - x);
    const level = weekly[minCount - 1] ?? null;
    // A new answer at most once per actor, baseline and hour (or new row): not per event.
    a.slots.set(key, { version: a.version, lo, hi, weekday: slot.weekday, hour: slot.hour, withoutAlerted, level });
    return level;
  }

  /** Hourly rows of the actor's that count as of `asOf` (first-seen needs a few before it speaks). */
  ownHours(actorId: string, asOf = Number.POSITIVE_INFINITY): number {
    const a = this.actors.get(actorId);
    if (a === undefined) return 0;
    const { lo, hi } = this.ownSpan(a, true, asOf);
    return hi - lo;
  }

  /** End of the actor's latest hourly bucket that counts as of `asOf` (null: none within the look-back). */
  lastActiveEnd(actorId: string, asOf: number): number | null {
    const a = this.actors.get(actorId);
    if (a === undefined) return null;
    const { lo, hi } = this.ownSpan(a, true, asOf);
    return hi > lo ? a.hourly.start(hi - 1) + HOUR_MS : null;
  }

  /**
   * Whether the actor used this resource type / channel / zone in a bucket
   * that counts as of `asOf`: first used in a bucket that ended by then, last
   * used within the look-back before it.
   */
  seenAsOf(actorId: string, kind: UseKind, value: string, asOf = Number.POSITIVE_INFINITY): boolean {
    const a = this.actors.get(actorId);
    if (a === undefined) return false;
    const at = asOf === Number.POSITIVE_INFINITY ? newestEnd(a.hourly, HOUR_MS) : asOf;
    // First used in a bucket that ended by `at`, last used in one that ended within the look-back before it.
    return a.seen.usedWithin(kind, value, at - HOUR_MS, at - this.lookbackMs - HOUR_MS);
  }

  /**
   * Stats of a peer group or role group (see peerGroup / roleGroup) in the
   * band, over its members' rows of buckets that ended by `cutoff` and
   * started within the look-back before it. `complete`: every input has been
   * evaluated past the cutoff plus the lateness allowance, so no such row can
   * still arrive; the snapshot is then final, taken once whatever order the
   * partitions came in. A provisional one (not complete) is taken again as
   * soon as any row arrived since. Without a cutoff: every row held.
   */
  groupStats(g: HistoryGroup, metric: Metric, band: Band, cutoff = Number.POSITIVE_INFINITY, complete = true, withoutAlerted = false): SampleStats {
    const key = statsKey(metric, withoutAlerted);
    let list = g.snapshots.get(key);
    if (list === undefined) {
      list = [];
      g.snapshots.set(key, list);
    }
    let hit = list.find((x) => x.cutoff === cutoff);
    if (hit === undefined || (!hit.final && (complete || g.rowsAdded !== hit.rowsAdded))) {
      const hourly = metricGranularity(metric) === 'hour';
      const duration = hourly ? HOUR_MS : DAY_MS;
      const spans: MemberRows[] = [];
      for (const id of g.members) {
        const a = this.actors.get(id);
        if (a === undefined) continue;
        const rows = hourly ? a.hourly : a.daily;
        const { lo, hi } = cutoff === Number.POSITIVE_INFINITY ? this.ownSpan(a, hourly, cutoff) : span(rows, cutoff - this.lookbackMs, cutoff, duration);
        spans.push({ rows, lo, hi });
      }
      const perBand = this.splitByBand(spans, metric, withoutAlerted);
      const fresh: GroupSnapshot = { cutoff, final: complete, rowsAdded: g.rowsAdded, stats: perBand.map((v) => summarise(v.values, v.actors, v.days)) };
      if (hit !== undefined) list.splice(list.indexOf(hit), 1);
      list.push(fresh);
      list.sort((x, y) => x.cutoff - y.cutoff);
      if (list.length > SNAPSHOTS_KEPT) list.shift();
      hit = fresh;
    }
    return hit.stats[BANDS.indexOf(band)] ?? EMPTY_STATS;
  }

  /**
   * The share (0 to 1) of the group's other members with history who used
   * this resource type / channel / zone in a bucket that counts as of
   * `cutoff` (seenAsOf); 0 for a group with nobody else in it. Counted once
   * per group, value and cutoff, then kept up to date as members' uses change
   * (a member's first and last use of a name: spanChanged), so the per-event
   * cost is one look-up. Counting again whenever any member's row was added
   * cost about 0.8 µs per event of a live drain (issue 13).
   */
  shareUsing(g: HistoryGroup, actorId: string, kind: UseKind, value: string, cutoff: number): number {
    const users = g.users[kind];
    // Without a finite cutoff, seenAsOf reads as of each member's newest row, which moves without
    // any span change: such a count is never kept (the engine always asks as of a cutoff).
    const kept = Number.isFinite(cutoff);
    let hit = kept ? users.get(value) : undefined;
    if (hit === undefined || hit.cutoff !== cutoff || hit.membersEpoch !== g.membersEpoch) {
      let used = 0;
      let withHistory = 0;
      for (const id of g.members) {
        if (!this.actors.has(id)) continue;
        withHistory++;
        if (this.seenAsOf(id, kind, value, cutoff)) used++;
      }
      hit = { cutoff, membersEpoch: g.membersEpoch, users: used, withHistory };
      if (kept) users.set(value, hit);
    }
    // The actor's own use is not their peers'.
    const self = g.members.has(actorId) && this.actors.has(actorId);
    const selfUsed = self && this.seenAsOf(actorId, kind, value, cutoff) ? 1 : 0;
    const others = hit.withHistory - (self ? 1 : 0);
    return others <= 0 ? 0 : (hit.users - selfUsed) / others;
  }

  /** The peer group (role + department); created empty if needed so later rows update the same object. */
  peerGroup(role: string, department: string): HistoryGroup {
    return this.groupOf(role, department);
  }

  roleGroup(role: string): HistoryGroup {
    let g = this.roles.get(role);
    if (g === undefined) {
      g = emptyGroup();
      this.roles.set(role, g);
    }
    return g;
  }

  /**
   * The whole organisation (every actor held, whatever the role): the prior
   * of a role too new or too small for a baseline of its own. Its snapshots
   * are read as of the same cutoffs as the peers' and roles', and only taken
   * where a window's chain reaches it.
   */
  orgGroup(): HistoryGroup {
    return this.org;
  }

  get actorCount(): number {
    return this.actors.size;
  }

  /**
   * Drops the histories of up to `n` actors, those whose latest row is least
   * recent first, skipping actors `isHeld` says still have window state. Their
   * rows leave their peer and role groups (baselines of the actors that remain).
   * Returns how many were dropped.
   */
  dropLeastRecent(n: number, isHeld: (actorId: string) => boolean): number {
    let dropped = 0;
    for (const a of this.actors.values()) {
      if (dropped >= n) break;
      if (isHeld(a.actorId)) continue;
      const rows = a.hourly.length + a.daily.length;
      for (const g of this.groupsOf(a)) {
        g.members.delete(a.actorId);
        g.membersEpoch++;
        g.rows -= rows;
        g.version++;
      }
      this.actors.delete(a.actorId);
      dropped++;
    }
    return dropped;
  }

  // ---- internals -----------------------------------------------------------

  /**
   * An actor's own hourly (or daily) rows that count as of `asOf`: ended by
   * it, started within the look-back before it. The answer is the actor's
   * memo for that granularity, read at once by the caller (no allocation).
   */
  private ownSpan(a: ActorHistory, hourly: boolean, asOf: number): OwnSpan {
    const m = hourly ? a.spans.hour : a.spans.day;
    if (m.version === a.version && m.asOf === asOf) return m;
    const rows = hourly ? a.hourly : a.daily;
    const duration = hourly ? HOUR_MS : DAY_MS;
    // Without an instant: as of the newest row's end (what a run in event-time order holds).
    const at = asOf === Number.POSITIVE_INFINITY ? newestEnd(rows, duration) : asOf;
    const { lo, hi } = span(rows, at - this.lookbackMs, at, duration);
    m.lo = lo;
    m.hi = hi;
    m.version = a.version;
    m.asOf = asOf;
    return m;
  }

  /** Values of a metric per band (BANDS order), how many actors and (actor, UTC day) pairs contributed to each. */
  private splitByBand(members: readonly MemberRows[], metric: Metric, withoutAlerted: boolean): { values: number[]; actors: number; days: number }[] {
    const out = BANDS.map(() => ({ values: [] as number[], actors: 0, days: 0 }));
    const lastDay = BANDS.map(() => -1);
    const valueOf = metricReader(metric);
    for (const m of members) {
      const seen = BANDS.map(() => false);
      lastDay.fill(-1);
      for (let i = m.lo; i < m.hi; i++) {
        // A bucket under an open alert is what the alert is about: where the baseline asks
        // (exclude_alerted), never the normal that judges it, nor anyone's.
        if (withoutAlerted && m.rows.underAlert(i)) continue;
        const b = BANDS.indexOf(bandOfRow(m.rows, i, this.rules));
        const o = out[b] as { values: number[]; days: number };
        o.values.push(valueOf(m.rows, i));
        seen[b] = true;
        // Rows are sorted by bucket start: a new day shows as a change of day number.
        const day = Math.floor(m.rows.start(i) / DAY_MS);
        if (lastDay[b] !== day) {
          lastDay[b] = day;
          o.days++;
        }
      }
      seen.forEach((x, b) => {
        if (x) (out[b] as { actors: number }).actors++;
      });
    }
    return out;
  }

  private ensureActor(row: ActorActivityRow): ActorHistory {
    let a = this.actors.get(row.actor_id);
    if (a === undefined) {
      a = {
        actorId: row.actor_id,
        role: row.role,
        department: row.department,
        hourly: new ActivityColumns('hour'),
        daily: new ActivityColumns('day'),
        version: 0,
        seen: new FirstUses(),
        cache: new Map(),
        requestPeaks: EMPTY_TOP,
        requests: { version: -1, lo: 0, hi: 0 },
        spans: { hour: { version: -1, asOf: 0, lo: 0, hi: 0 }, day: { version: -1, asOf: 0, lo: 0, hi: 0 } },
        slots: null,
      };
      this.actors.set(row.actor_id, a);
    } else if (a.role !== row.role || a.department !== row.department) {
      // The directory moved the actor: their history now counts for the new peer group.
      for (const g of [this.groupOf(a.role, a.department), this.roleGroup(a.role)]) {
        g.members.delete(a.actorId);
        g.membersEpoch++;
      }
      a.role = row.role;
      a.department = row.department;
    }
    return a;
  }

  private touch(g: HistoryGroup, actorId: string, bucketStart: number): void {
    if (!g.members.has(actorId)) {
      g.members.add(actorId);
      g.membersEpoch++;
    }
    g.rowsAdded++;
    if (bucketStart > g.newest) g.newest = bucketStart;
    g.version++;
  }

  /** The actor whose uses change, and its groups (set before FirstUses.bump / prune call spanChanged). */
  private spanOwner: ActorHistory | null = null;
  private spanGroups: HistoryGroup[] = [];

  private ownedBy(a: ActorHistory): void {
    this.spanOwner = a;
    this.spanGroups = this.groupsOf(a);
  }

  /** The groups an actor's rows count in: its peer group, its role, the organisation. */
  private groupsOf(a: ActorHistory): HistoryGroup[] {
    return [this.groupOf(a.role, a.department), this.roleGroup(a.role), this.org];
  }

  /**
   * A use of the owner's changed span: every group count of that name the
   * owner is part of is corrected by whether, as of the count's cutoff, the
   * owner used it before and after (seenAsOf's reading of a span). Counts of
   * a group the owner is not yet a member of are counted again anyway (its
   * epoch changes when the owner joins).
   */
  private readonly spanChanged: SpanChange = (kind, name, oldFirst, oldLast, newFirst, newLast) => {
    const a = this.spanOwner;
    if (a === null) return;
    for (const g of this.spanGroups) {
      const hit = g.users[kind].get(name);
      if (hit === undefined || hit.membersEpoch !== g.membersEpoch || !g.members.has(a.actorId)) continue;
      const firstBy = hit.cutoff - HOUR_MS;
      const lastAfter = hit.cutoff - this.lookbackMs - HOUR_MS;
      const before = oldFirst <= firstBy && oldLast > lastAfter ? 1 : 0;
      const after = newFirst <= firstBy && newLast > lastAfter ? 1 : 0;
      hit.users += after - before;
    }
  };

  private allGroups(): HistoryGroup[] {
    return [...this.groups.values(), ...this.roles.values(), this.org];
  }

  private groupOf(role: string, department: string): HistoryGroup {
    const key = groupKey(role, department);
    let g = this.groups.get(key);
    if (g === undefined) {
      g = emptyGroup();
      this.groups.set(key, g);
    }
    return g;
  }

  /** Drop rows (and first-seen marks) older than the look-back, relative to the newest row. */
  private prune(a: ActorHistory, before: number): void {
    let dropped = 0;
    for (const rows of [a.hourly, a.daily]) {
      let n = 0;
      while (n < rows.length && rows.start(n) < before) n++;
      rows.dropFirst(n);
      dropped += n;
    }
    if (dropped === 0) return;
    this.groupOf(a.role, a.department).rows -= dropped;
    this.roleGroup(a.role).rows -= dropped;
    this.org.rows -= dropped;
    this.ownedBy(a);
    a.seen.prune(before, this.spanChanged);
    a.version++;
  }
}

const groupKey = (role: string, department: string): string => `${role}\u0000${department}`;

/** The cache key of a metric's statistics, with or without the buckets under an alert. */
function statsKey(metric: Metric, withoutAlerted: boolean): string {
  return withoutAlerted ? `${metric}!` : metric;
}

function emptyGroup(): HistoryGroup {
  return { members: new Set(), rowsAdded: 0, rows: 0, newest: -Infinity, version: 0, membersEpoch: 0, snapshots: new Map(), users: { resource_types: new Map(), channels: new Map(), zones: new Map() } };
}

/** End of the newest row's bucket (-Infinity without rows). */
function newestEnd(rows: ActivityColumns, duration: number): number {
  return rows.length === 0 ? Number.NEGATIVE_INFINITY : rows.start(rows.length - 1) + duration;
}

/** A member's rows [lo, hi) that a reading covers. */
interface MemberRows {
  readonly rows: ActivityColumns;
  readonly lo: number;
  readonly hi: number;
}
