/**
 * Closed activity rows, per actor, for a bounded look-back (settings
 * activity_lookback): the material of baselines and of first-seen facts.
 * Fed by restore() at start and by the engine's own closing buckets.
 *
 * Statistics are cached: an actor's own figures per (metric, band) until the
 * actor gets a new row; a peer group's and a role's until 10 % more rows have
 * arrived or a day of event time passed (recomputing a large group on every
 * member's hourly row would cost O(members × rows) per hour for no visible
 * change).
 */
import type { ActorActivityRow } from '../api.js';
import { BANDS, bandOfRow, metricGranularity, metricValue, type Band, type BandRule, type Metric } from './bands.js';
import { EMPTY_STATS, summarise, TOP_KEPT, type SampleStats } from './robust.js';

const EMPTY_TOP: readonly number[] = [];

export interface ActorHistory {
  readonly actorId: string;
  role: string;
  department: string;
  readonly hourly: ActorActivityRow[];
  readonly daily: ActorActivityRow[];
  /** Bumped on every change; keys the own-stats cache and the per-actor limit cache. */
  version: number;
  /** Last bucket start each resource type / channel / zone was used in. */
  readonly seen: {
    readonly resource_types: Map<string, number>;
    readonly channels: Map<string, number>;
    readonly zones: Map<string, number>;
  };
  /** Per metric: stats per band (BANDS order), valid for `version`. */
  readonly cache: Map<Metric, { version: number; stats: SampleStats[] }>;
  /** Largest single requests (hourly rows' max_request_records, any band), descending, valid for `requestsVersion`. */
  requestPeaks: readonly number[];
  requestsVersion: number;
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
  /** Per metric: stats per band (BANDS order), computed when rowsAdded was as recorded. */
  readonly cache: Map<Metric, { rowsAdded: number; newest: number; stats: SampleStats[] }>;
}

export class ActivityHistory {
  private readonly actors = new Map<string, ActorHistory>();
  private readonly groups = new Map<string, HistoryGroup>();
  private readonly roles = new Map<string, HistoryGroup>();
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
    if (!changed) return;
    for (const a of this.actors.values()) {
      a.cache.clear();
      a.version++;
    }
    for (const g of [...this.groups.values(), ...this.roles.values()]) {
      g.cache.clear();
      g.version++;
    }
  }

  actor(actorId: string): ActorHistory | undefined {
    return this.actors.get(actorId);
  }

  /** True when the row for this bucket is already held (a restore followed by a re-close). */
  has(actorId: string, granularity: 'hour' | 'day', bucketStart: number): boolean {
    const a = this.actors.get(actorId);
    if (a === undefined) return false;
    const rows = granularity === 'hour' ? a.hourly : a.daily;
    for (let i = rows.length - 1; i >= 0; i--) {
      const s = (rows[i] as ActorActivityRow).bucket_start;
      if (s === bucketStart) return true;
      if (s < bucketStart) return false;
    }
    return false;
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
    if (a !== undefined && rows !== undefined) {
      for (let i = rows.length - 1; i >= 0; i--) {
        const held = rows[i] as ActorActivityRow;
        if (held.bucket_start < row.bucket_start) break;
        if (held.bucket_start !== row.bucket_start) continue;
        if (row.events <= held.events) return 'kept';
        rows[i] = row;
        this.noteRow(this.ensureActor(row), row);
        return 'replaced';
      }
    }
    this.insert(row);
    return 'added';
  }

  private insert(row: ActorActivityRow): void {
    const a = this.ensureActor(row);
    const rows = row.granularity === 'hour' ? a.hourly : a.daily;
    // Keep rows sorted by bucket start (restore is oldest first; online rows arrive in order).
    let i = rows.length;
    while (i > 0 && (rows[i - 1] as ActorActivityRow).bucket_start > row.bucket_start) i--;
    rows.splice(i, 0, row);
    this.groupOf(a.role, a.department).rows++;
    this.roleGroup(a.role).rows++;
    this.noteRow(a, row);
    this.prune(a, row.bucket_start + (row.granularity === 'hour' ? 3_600_000 : 86_400_000) - this.lookbackMs);
  }

  /** A row of the actor was added or replaced: first-seen marks, versions, group freshness. */
  private noteRow(a: ActorHistory, row: ActorActivityRow): void {
    if (this.keepRecencyOrder) {
      this.actors.delete(a.actorId);
      this.actors.set(a.actorId, a);
    }
    for (const v of row.resource_types) bump(a.seen.resource_types, v, row.bucket_start);
    for (const v of row.channels) bump(a.seen.channels, v, row.bucket_start);
    for (const v of row.zones) bump(a.seen.zones, v, row.bucket_start);
    a.version++;
    this.touch(this.groupOf(a.role, a.department), a.actorId, row.bucket_start);
    this.touch(this.roleGroup(a.role), a.actorId, row.bucket_start);
  }

  /**
   * The actor's largest single requests in the look-back (any band), descending
   * (at most TOP_KEPT); rows stored without `max_request_records` count as 0.
   */
  ownRequestPeaks(actorId: string): readonly number[] {
    const a = this.actors.get(actorId);
    if (a === undefined) return EMPTY_TOP;
    if (a.requestsVersion !== a.version) {
      const top: number[] = [];
      for (const r of a.hourly) {
        const v = r.max_request_records ?? 0;
        if (v <= 0) continue;
        if (top.length < TOP_KEPT) top.push(v);
        else if (v > (top[top.length - 1] as number)) top[top.length - 1] = v;
        else continue;
        top.sort((x, y) => y - x);
      }
      a.requestPeaks = top;
      a.requestsVersion = a.version;
    }
    return a.requestPeaks;
  }

  /** Stats of the actor's own rows in the band (same object until the actor gets a new row). */
  own(actorId: string, metric: Metric, band: Band): SampleStats {
    const a = this.actors.get(actorId);
    if (a === undefined) return EMPTY_STATS;
    let hit = a.cache.get(metric);
    if (hit === undefined || hit.version !== a.version) {
      const perBand = this.splitByBand([a], metric);
      hit = { version: a.version, stats: perBand.map((v) => summarise(v.values, v.values.length > 0 ? 1 : 0, v.days)) };
      a.cache.set(metric, hit);
    }
    return hit.stats[BANDS.indexOf(band)] ?? EMPTY_STATS;
  }

  /** Stats of a peer group or role group (see peerGroup / roleGroup) in the band. */
  groupStats(g: HistoryGroup, metric: Metric, band: Band): SampleStats {
    return this.computeGroupStats(g, metric, band);
  }

  /** The peer group (role + department); created empty if needed so later rows update the same object. */
  peerGroup(role: string, department: string): HistoryGroup {
    return this.groupOf(role, department);
  }

  roleGroup(role: string): HistoryGroup {
    let g = this.roles.get(role);
    if (g === undefined) {
      g = { members: new Set(), rowsAdded: 0, rows: 0, newest: -Infinity, version: 0, cache: new Map() };
      this.roles.set(role, g);
    }
    return g;
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
      for (const g of [this.groupOf(a.role, a.department), this.roleGroup(a.role)]) {
        g.members.delete(a.actorId);
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
   * Recomputed, all bands of the metric in one pass over the members' rows,
   * when new rows amount to 10 % of what the group holds, or when a day of
   * event time passed with any new row: a baseline over weeks does not move
   * with a few more hours, and a group of hundreds would otherwise be
   * rescanned for every member's hourly row. Between recomputes the same
   * objects are returned, which keeps the engine's per-actor limit caches valid.
   */
  private computeGroupStats(g: HistoryGroup, metric: Metric, band: Band): SampleStats {
    let hit = g.cache.get(metric);
    const fresh = g.rowsAdded - (hit?.rowsAdded ?? 0);
    const stale =
      hit === undefined ||
      fresh >= Math.max(1, Math.floor(g.rows * 0.1)) ||
      (fresh > 0 && g.newest - hit.newest >= 86_400_000);
    if (stale) {
      const members: ActorHistory[] = [];
      for (const id of g.members) {
        const a = this.actors.get(id);
        if (a !== undefined) members.push(a);
      }
      const perBand = this.splitByBand(members, metric);
      hit = { rowsAdded: g.rowsAdded, newest: g.newest, stats: perBand.map((v) => summarise(v.values, v.actors, v.days)) };
      g.cache.set(metric, hit);
    }
    return (hit as { stats: SampleStats[] }).stats[BANDS.indexOf(band)] ?? EMPTY_STATS;
  }

  /** Values of a metric per band (BANDS order), how many actors and (actor, UTC day) pairs contributed to each. */
  private splitByBand(actors: readonly ActorHistory[], metric: Metric): { values: number[]; actors: number; days: number }[] {
    const out = BANDS.map(() => ({ values: [] as number[], actors: 0, days: 0 }));
    const hourly = metricGranularity(metric) === 'hour';
    const lastDay = BANDS.map(() => -1);
    for (const a of actors) {
      const seen = BANDS.map(() => false);
      lastDay.fill(-1);
      for (const r of hourly ? a.hourly : a.daily) {
        const b = BANDS.indexOf(bandOfRow(r, this.rules));
        const o = out[b] as { values: number[]; days: number };
        o.values.push(metricValue(r, metric));
        seen[b] = true;
        // Rows are sorted by bucket start: a new day shows as a change of day number.
        const day = Math.floor(r.bucket_start / 86_400_000);
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
        hourly: [],
        daily: [],
        version: 0,
        seen: { resource_types: new Map(), channels: new Map(), zones: new Map() },
        cache: new Map(),
        requestPeaks: EMPTY_TOP,
        requestsVersion: -1,
      };
      this.actors.set(row.actor_id, a);
    } else if (a.role !== row.role || a.department !== row.department) {
      // The directory moved the actor: their history now counts for the new peer group.
      this.groupOf(a.role, a.department).members.delete(a.actorId);
      this.roleGroup(a.role).members.delete(a.actorId);
      a.role = row.role;
      a.department = row.department;
    }
    return a;
  }

  private touch(g: HistoryGroup, actorId: string, bucketStart: number): void {
    g.members.add(actorId);
    g.rowsAdded++;
    if (bucketStart > g.newest) g.newest = bucketStart;
    g.version++;
  }

  private groupOf(role: string, department: string): HistoryGroup {
    const key = `${role}\u0000${department}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { members: new Set(), rowsAdded: 0, rows: 0, newest: -Infinity, version: 0, cache: new Map() };
      this.groups.set(key, g);
    }
    return g;
  }

  /** Drop rows (and first-seen marks) older than the look-back, relative to the newest row. */
  private prune(a: ActorHistory, before: number): void {
    let dropped = 0;
    for (const rows of [a.hourly, a.daily]) {
      let n = 0;
      while (n < rows.length && (rows[n] as ActorActivityRow).bucket_start < before) n++;
      if (n > 0) rows.splice(0, n);
      dropped += n;
    }
    if (dropped === 0) return;
    this.groupOf(a.role, a.department).rows -= dropped;
    this.roleGroup(a.role).rows -= dropped;
    for (const m of [a.seen.resource_types, a.seen.channels, a.seen.zones]) {
      for (const [k, last] of m) if (last < before) m.delete(k);
    }
    a.version++;
  }
}

function bump(m: Map<string, number>, key: string, at: number): void {
  const prev = m.get(key);
  if (prev === undefined || prev < at) m.set(key, at);
}
