/**
 * The limit a window's observed value is compared with, and the figures that
 * explain it. For a baseline window, the fallback chain is
 *
 *   own history → peer group (role + department) → role → static limit
 *
 * (a window's `sources` may leave steps out: [peers, role] is never decided by own history),
 * each step used only when it passes its gate (own: enough days of work seen;
 * peers: enough actors and rows; role: enough rows). So a new actor is judged
 * against their peers, never alerted on for merely being new; and a thin
 * history never produces a hair-trigger limit.
 *
 * For the chosen step, on a log scale (counts are heavy-tailed and spread by
 * ratios, not differences), with f the employment-status factor:
 *
 *   statistical = (1 + median) × exp(z × f × spread) − 1
 *   spread      = max(1.4826 × MAD of ln(1 + x), min_spread)
 *   floor       = max(floor, times × role limit)                 (floor_role_limit)
 *   recurring   = own peak reached ≥ min_count times in the look-back × (1 + headroom)
 *   routine     = the peer group's (else the role's) quantile × (1 + headroom)   (peer_routine)
 *
 *   limit = max(statistical, floor, recurring, routine)
 *
 * A rare part of the week (rare_band: own rows in this band on at most
 * max_days days, but an established own history in `compare_with`) is
 * judged, before peers, against the actor's own usual level there:
 *
 *   rare = (1 + median of compare_with) × max(1, times × f) − 1
 *   limit = max(rare, rare_band.floor, recurring)
 *
 * (no peer routine: colleagues' nights say nothing of a person who never works one).
 *
 * A window of several days (a measure that spans days: customer_days)
 * compares a level of days (its k-th busiest day) with the actor's usual day
 * (metric day_distinct, one band for every day), read as of the window's
 * first day: what is judged never judges itself. Recurring peaks, peers'
 * routine and rare_band do not apply (levels of single hours or days, which
 * a level reached on several days is not); the loader refuses them there.
 *
 * Without a qualifying step: max(static × f, floor, recurring, routine), or no
 * verdict (an infinite limit) when the window has no `static`.
 *
 * The status factor (notice ×0.5 ...) narrows the tolerated deviation from the
 * actor's usual level, never the usual level itself, never the floor (the
 * smallest volume worth an alert at all) and never what the actor's own
 * history or their peers' routine shows to be normal work. Budget and fixed
 * windows: max(value × f, floor, min(max(value, floor), own normal)) when they
 * declare `own_normal`, else max(value × f, floor).
 */
import type { BaselineSource } from '../../../model/alert.js';
import type { RateWindow } from '../rules/rule-set.js';
import type { BaselineSpec } from '../rules/schema.js';
import type { Band, Metric } from './bands.js';
import type { ActivityHistory, HistoryGroup } from './history.js';
import { EMPTY_STATS, HIGH_QUANTILES, logLimit, logSpread, type SampleStats } from './robust.js';

export interface StatsView {
  readonly samples: number;
  readonly actors: number;
  readonly days: number;
  readonly median: number;
  /** Log-scale spread (floored). */
  readonly spread: number;
  /** Own history only: the level reached at least `min_count` times, when configured. */
  readonly recurringPeak: number | null;
  /** Null when this step qualified; otherwise why it was skipped. */
  readonly skipped: string | null;
}

export interface LimitDecision {
  /** The alert fires when observed > limit. */
  readonly limit: number;
  readonly type: 'baseline' | 'budget' | 'static';
  readonly source: BaselineSource;
  /** The "usual" figure (median of the chosen step), when there is one. */
  readonly usual: number | null;
  /** The chosen step's log-scale spread and the z it was multiplied by (the rule's z × status factor). */
  readonly spread: number | null;
  readonly z: number | null;
  /** ln(1 + usual) on the log scale (to compute a robust z of an observation). */
  readonly logUsual: number | null;
  readonly band: Band | null;
  /** The effective floor (role floor included); the status factor does not lower it. */
  readonly floor: number;
  readonly statusFactor: number;
  /** The own level the status factor may not push the limit below (null: none). */
  readonly ownNormal: number | null;
  /** The peer group's (else the role's) routine level the limit never goes below (null: none). */
  readonly routine: number | null;
  readonly own: StatsView | null;
  readonly peers: StatsView | null;
  readonly role: StatsView | null;
  /** Source own_other_band: the part of the week compared with, the multiple allowed, and the actor's history there. */
  readonly rareBand: { readonly band: Band; readonly times: number; readonly own: StatsView } | null;
  /** A window of several days: how many of its days had reads, and on how many the observed level was reached. */
  readonly days: { readonly active: number; readonly level: number } | null;
}

/** The statistics a window is judged with (EMPTY_STATS where unused). */
export interface BaselineStats {
  readonly own: SampleStats;
  readonly peers: SampleStats;
  readonly role: SampleStats;
  /** The actor's own statistics in rare_band.compare_with (EMPTY_STATS unless the window has rare_band and own is thin). */
  readonly ownOther: SampleStats;
}

/** Fetches the three statistics of a baseline window; the same objects until history changes. */
export function baselineStats(
  history: ActivityHistory,
  actorId: string,
  peerGroup: HistoryGroup,
  roleGroup: HistoryGroup,
  metric: Metric,
  band: Band,
): BaselineStats {
  return {
    own: history.own(actorId, metric, band),
    peers: history.groupStats(peerGroup, metric, band),
    role: history.groupStats(roleGroup, metric, band),
    ownOther: EMPTY_STATS,
  };
}

export interface LimitInputs {
  /** Baseline windows: own/peers/role of the metric. Windows with own_normal: `own` of its metric. */
  readonly stats: BaselineStats;
  readonly band: Band | null;
  readonly roleLimits: ReadonlyMap<string, number> | undefined;
  readonly statusFactor: number;
  /** A window of several days: how many of its days had reads, and on how many the observed level was reached (null: a sliding window). */
  readonly days?: { readonly active: number; readonly level: number } | null;
}

/** The window's floor before the status factor: `floor`, raised to `times` × the role limit when configured. */
export function activeFloor(w: RateWindow, roleLimits: ReadonlyMap<string, number> | undefined): number {
  const rf = w.floorRoleLimit;
  if (rf === null) return w.floor;
  return Math.max(w.floor, (roleLimits?.get(rf.limit) ?? 0) * rf.times);
}

type RareBand = NonNullable<BaselineSpec['rare_band']>;

/** Whether rare_band judges this band: one the actor worked on at most max_days days, other than the band compared with. */
export function rareBandApplies(rare: RareBand | undefined, band: Band | null, ownDays: number): rare is RareBand {
  return rare !== undefined && band !== rare.compare_with && ownDays <= rare.max_days;
}

export function decideLimit(w: RateWindow, inp: LimitInputs): LimitDecision {
  const factor = inp.statusFactor;
  const floor = activeFloor(w, inp.roleLimits);
  const spec = w.limit;
  if (spec.type !== 'baseline') {
    const value = spec.type === 'static' ? spec.value : (inp.roleLimits?.get(spec.roleLimit) ?? spec.fallback);
    // The own normal can only matter when the status factor lowers the limit.
    const on = factor < 1 ? w.ownNormal : null;
    const level = on === null ? undefined : inp.stats.own.top[on.minCount - 1];
    const ownNormal = on === null || level === undefined ? null : level * (1 + on.headroom);
    return {
      limit: Math.max(value * factor, floor, Math.min(Math.max(value, floor), ownNormal ?? 0)),
      type: spec.type,
      source: 'static',
      usual: null,
      spread: null,
      z: null,
      logUsual: null,
      band: on === null ? null : inp.band,
      floor,
      statusFactor: factor,
      ownNormal,
      routine: null,
      own: on === null ? null : view(inp.stats.own, 0, null, ownNormal === null ? `no own peak reached ${on.minCount}×` : null),
      peers: null,
      role: null,
      rareBand: null,
      days: null,
    };
  }

  const b = spec.baseline;
  const band = inp.band as Band;
  const ownStats = inp.stats.own;
  const peerStats = inp.stats.peers;
  const roleStats = inp.stats.role;
  // `sources` leaves steps out of the chain (a peer signal is never decided by own history).
  const allowed = b.sources;
  const ownAllowed = allowed === undefined || allowed.includes('own');
  const peersAllowed = allowed === undefined || allowed.includes('peers');
  const roleAllowed = allowed === undefined || allowed.includes('role');
  const ownOk = ownAllowed && ownStats.days >= b.own_min_days;
  const peersOk = peersAllowed && peerStats.samples >= b.peer_min_samples && peerStats.actors >= b.peer_min_actors;
  const roleOk = roleAllowed && roleStats.samples >= b.role_min_samples;
  const rp = b.recurring_peak;
  // Needs only min_count occurrences (not the own gate): it states what this
  // actor has done before, whichever step of the chain judges the rest.
  const recurring = rp !== undefined ? (ownStats.top[rp.min_count - 1] ?? null) : null;
  const recurringLimit = recurring !== null && rp !== undefined ? recurring * (1 + rp.headroom) : 0;
  // What is routine for the job: the peer group's quantile, else the role's.
  const pr = b.peer_routine;
  const routineOf = (st: SampleStats) => {
    const q = pr === undefined ? undefined : st.high[HIGH_QUANTILES.indexOf(pr.quantile)];
    return q === undefined || pr === undefined ? undefined : q * (1 + pr.headroom);
  };
  const routine = pr === undefined ? null : ((peersOk ? routineOf(peerStats) : roleOk ? routineOf(roleStats) : undefined) ?? null);
  const NOT_A_SOURCE = 'not among the window\'s sources';
  const own = view(ownStats, b.min_spread, recurring, ownOk ? null : !ownAllowed ? NOT_A_SOURCE : `${ownStats.days} days < ${b.own_min_days}`);
  const peers = view(
    peerStats,
    b.min_spread,
    null,
    peersOk
      ? null
      : !peersAllowed
        ? NOT_A_SOURCE
        : peerStats.actors < b.peer_min_actors
          ? `${peerStats.actors} actors < ${b.peer_min_actors}`
          : `${peerStats.samples} samples < ${b.peer_min_samples}`,
  );
  const role = view(roleStats, b.min_spread, null, roleOk ? null : !roleAllowed ? NOT_A_SOURCE : `${roleStats.samples} samples < ${b.role_min_samples}`);

  const chosen: [BaselineSource, SampleStats] | null = ownOk
    ? ['own', ownStats]
    : peersOk
      ? ['peers', peerStats]
      : roleOk
        ? ['role', roleStats]
        : null;
  const normal = Math.max(floor, recurringLimit, routine ?? 0);
  const common = {
    type: 'baseline' as const,
    band,
    floor,
    statusFactor: factor,
    ownNormal: recurring === null ? null : recurringLimit,
    routine,
    own,
    peers,
    role,
    rareBand: null,
    days: inp.days ?? null,
  };
  const rare = b.rare_band;
  if (ownAllowed && rareBandApplies(rare, band, ownStats.days) && inp.stats.ownOther.days >= rare.min_days) {
    const other = inp.stats.ownOther;
    const times = Math.max(1, rare.times * factor);
    return {
      ...common,
      floor: rare.floor,
      routine: null,
      limit: Math.max((1 + other.median) * times - 1, rare.floor, recurringLimit),
      source: 'own_other_band',
      usual: other.median,
      spread: null,
      z: null,
      logUsual: null,
      rareBand: { band: rare.compare_with, times, own: view(other, b.min_spread, null, null) },
    };
  }
  if (chosen === null) {
    // No history to judge by: the static limit, or (without one) no verdict at all.
    const limit = b.static === undefined ? Number.POSITIVE_INFINITY : Math.max(b.static * factor, normal);
    return { ...common, limit, source: 'static', usual: null, spread: null, z: null, logUsual: null };
  }
  const [source, stats] = chosen;
  const z = b.z * factor;
  const spread = logSpread(stats, b.min_spread);
  return {
    ...common,
    limit: Math.max(logLimit(stats, z, spread), normal),
    source,
    usual: stats.median,
    spread,
    z,
    logUsual: stats.logMedian,
  };
}

function view(s: SampleStats, minSpread: number, recurringPeak: number | null, skipped: string | null): StatsView {
  return {
    samples: s.samples,
    actors: s.actors,
    days: s.days,
    median: s.median,
    spread: logSpread(s, minSpread),
    recurringPeak,
    skipped,
  };
}
