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
 *                 (slot: week: on ≥ min_count weeks, in the same weekday and hours of the week)
 *   routine     = the peer group's (else the role's) quantile × (1 + headroom)   (peer_routine)
 *
 *   limit = max(statistical, floor, recurring, routine)
 *
 * A rare part of the week (rare_band: own rows in this band on at most
 * max_days days) is judged, before the chain, against the actor's own usual
 * level in `compare_with` when that own history is established (min_days),
 * else against the peers' usual level there (the peer gate), so a person too
 * new to have usual business hours still gets a verdict on a Sunday:
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
  /** The organisation-wide prior (every actor's rows), where own, peers and role were all too thin. */
  readonly org: StatsView | null;
  /**
   * Sources own_other_band / peers_other_band: the part of the week compared with, the multiple
   * allowed, and the history there that decided (the actor's own, or their peers').
   */
  readonly rareBand: { readonly band: Band; readonly times: number; readonly own: StatsView } | null;
  /** A window of several days: how many of its days had reads, and on how many the observed level was reached. */
  readonly days: { readonly active: number; readonly level: number } | null;
}

/** The statistics a window is judged with (EMPTY_STATS where unused). */
export interface BaselineStats {
  readonly own: SampleStats;
  readonly peers: SampleStats;
  readonly role: SampleStats;
  /** Every actor's rows (EMPTY_STATS unless own, peers and role are all below their gates). */
  readonly org: SampleStats;
  /** The actor's own statistics in rare_band.compare_with (EMPTY_STATS unless the window has rare_band and own is thin). */
  readonly ownOther: SampleStats;
  /** The peer group's statistics in rare_band.compare_with (EMPTY_STATS unless rare_band applies and ownOther is thin too). */
  readonly peersOther: SampleStats;
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
    org: history.groupStats(history.orgGroup(), metric, band),
    ownOther: EMPTY_STATS,
    peersOther: EMPTY_STATS,
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
  /** recurring_peak with slot `week`: the own level reached in the event's slot of the week on min_count weeks (null: none). */
  readonly slotRecurring?: number | null;
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

/**
 * What `limitOf` decided besides the number, for `decideLimit` to explain it
 * without deciding a second time. One object, overwritten by every call: the
 * per-event path (limitOf alone) allocates nothing and caches nothing per actor.
 */
interface Reasoning {
  floor: number;
  /** Which branch gave the limit. */
  step: 'budget' | 'own_other_band' | 'peers_other_band' | 'none' | 'chain';
  /** Budget windows: the own level the status factor may not push below (null: none). */
  ownNormal: number | null;
  /** Baseline windows: recurring_peak's level (null: none) and the limit it implies (0: none). */
  recurring: number | null;
  recurringLimit: number;
  routine: number | null;
  ownAllowed: boolean;
  peersAllowed: boolean;
  roleAllowed: boolean;
  orgAllowed: boolean;
  ownOk: boolean;
  peersOk: boolean;
  roleOk: boolean;
  orgOk: boolean;
  /** rare_band's multiple, with the status factor. */
  times: number;
  z: number;
  spread: number;
}

const reasoning: Reasoning = {
  floor: 0,
  step: 'budget',
  ownNormal: null,
  recurring: null,
  recurringLimit: 0,
  routine: null,
  ownAllowed: false,
  peersAllowed: false,
  roleAllowed: false,
  orgAllowed: false,
  ownOk: false,
  peersOk: false,
  roleOk: false,
  orgOk: false,
  times: 1,
  z: 0,
  spread: 0,
};

/** The routine level of a peer or role group under peer_routine (undefined: no such quantile, or none configured). */
function routineOf(pr: BaselineSpec['peer_routine'], st: SampleStats): number | undefined {
  if (pr === undefined) return undefined;
  const q = st.high[HIGH_QUANTILES.indexOf(pr.quantile)];
  return q === undefined ? undefined : q * (1 + pr.headroom);
}

/** What of a baseline the chain's gates read. */
type GateSpec = Pick<BaselineSpec, 'sources' | 'own_min_days' | 'peer_min_samples' | 'peer_min_actors' | 'role_min_samples' | 'org_min_samples'>;

type Gates = Pick<Reasoning, 'ownAllowed' | 'peersAllowed' | 'roleAllowed' | 'orgAllowed' | 'ownOk' | 'peersOk' | 'roleOk' | 'orgOk'>;

/** Which steps of the chain the window's sources allow and which pass their gates, into `r`. */
function judgeGates(b: GateSpec, stats: BaselineStats, r: Gates): void {
  // `sources` leaves steps out of the chain (a peer signal is never decided by own history).
  const allowed = b.sources;
  r.ownAllowed = allowed === undefined || allowed.includes('own');
  r.peersAllowed = allowed === undefined || allowed.includes('peers');
  r.roleAllowed = allowed === undefined || allowed.includes('role');
  r.orgAllowed = allowed === undefined || allowed.includes('org');
  r.ownOk = r.ownAllowed && stats.own.days >= b.own_min_days;
  r.peersOk = r.peersAllowed && stats.peers.samples >= b.peer_min_samples && stats.peers.actors >= b.peer_min_actors;
  r.roleOk = r.roleAllowed && stats.role.samples >= b.role_min_samples;
  r.orgOk = r.orgAllowed && stats.org.samples >= b.org_min_samples;
}

const gates: Gates = { ownAllowed: false, peersAllowed: false, roleAllowed: false, orgAllowed: false, ownOk: false, peersOk: false, roleOk: false, orgOk: false };

/**
 * Whether the organisation-wide step may decide the window: allowed by its
 * sources, and own, peers and role all below their gates (the engine fetches
 * the organisation's statistics only then).
 */
export function chainReachesOrg(b: GateSpec, stats: BaselineStats): boolean {
  // Asked for every baseline window of every event: the risk-score signals name their sources
  // without org, and answer here without judging the gates.
  if (b.sources !== undefined && !b.sources.includes('org')) return false;
  judgeGates(b, stats, gates);
  return gates.orgAllowed && !gates.ownOk && !gates.peersOk && !gates.roleOk;
}

/**
 * The window's limit (the alert fires when observed > limit), allocating
 * nothing: the per-event path. `decideLimit` explains the same decision.
 */
export function limitOf(w: RateWindow, inp: LimitInputs): number {
  const r = reasoning;
  const factor = inp.statusFactor;
  const floor = activeFloor(w, inp.roleLimits);
  r.floor = floor;
  const spec = w.limit;
  if (spec.type !== 'baseline') {
    const value = spec.type === 'static' ? spec.value : (inp.roleLimits?.get(spec.roleLimit) ?? spec.fallback);
    // The own normal can only matter when the status factor lowers the limit.
    const on = factor < 1 ? w.ownNormal : null;
    const level = on === null ? undefined : inp.stats.own.top[on.minCount - 1];
    r.step = 'budget';
    r.ownNormal = on === null || level === undefined ? null : level * (1 + on.headroom);
    return Math.max(value * factor, floor, Math.min(Math.max(value, floor), r.ownNormal ?? 0));
  }
  const b = spec.baseline;
  const ownStats = inp.stats.own;
  const peerStats = inp.stats.peers;
  const roleStats = inp.stats.role;
  judgeGates(b, inp.stats, r);
  const rp = b.recurring_peak;
  // Needs only min_count occurrences (not the own gate): it states what this
  // actor has done before, whichever step of the chain judges the rest.
  // In its slot of the week (slot: week), a weekly report is normal at its hour and lifts no other.
  r.recurring = rp === undefined ? null : rp.slot === 'week' ? (inp.slotRecurring ?? null) : (ownStats.top[rp.min_count - 1] ?? null);
  r.recurringLimit = r.recurring !== null && rp !== undefined ? r.recurring * (1 + rp.headroom) : 0;
  // What is routine for the job: the peer group's quantile, else the role's.
  const pr = b.peer_routine;
  r.routine = pr === undefined ? null : ((r.peersOk ? routineOf(pr, peerStats) : r.roleOk ? routineOf(pr, roleStats) : undefined) ?? null);
  const rare = b.rare_band;
  if (r.ownAllowed && rareBandApplies(rare, inp.band, ownStats.days)) {
    const po = inp.stats.peersOther;
    const ownThere = inp.stats.ownOther.days >= rare.min_days;
    const peersThere = !ownThere && r.peersAllowed && po.samples >= b.peer_min_samples && po.actors >= b.peer_min_actors;
    if (ownThere || peersThere) {
      const other = ownThere ? inp.stats.ownOther : po;
      r.step = ownThere ? 'own_other_band' : 'peers_other_band';
      r.times = Math.max(1, rare.times * factor);
      return Math.max((1 + other.median) * r.times - 1, rare.floor, r.recurringLimit);
    }
  }
  const normal = Math.max(floor, r.recurringLimit, r.routine ?? 0);
  // The organisation-wide prior last: a person of a role too new or too small for a baseline of
  // its own is judged against everybody's usual level (raised by the role's floors) before static.
  const chosen = r.ownOk ? ownStats : r.peersOk ? peerStats : r.roleOk ? roleStats : r.orgOk ? inp.stats.org : null;
  if (chosen === null) {
    // No history to judge by: the static limit, or (without one) no verdict at all.
    r.step = 'none';
    return b.static === undefined ? Number.POSITIVE_INFINITY : Math.max(b.static * factor, normal);
  }
  r.step = 'chain';
  r.z = b.z * factor;
  r.spread = logSpread(chosen, b.min_spread);
  return Math.max(logLimit(chosen, r.z, r.spread), normal);
}

/** The window's limit with everything that decided it (for the explanation): `limitOf`'s decision, explained. */
export function decideLimit(w: RateWindow, inp: LimitInputs): LimitDecision {
  const limit = limitOf(w, inp);
  const r = reasoning;
  const factor = inp.statusFactor;
  const floor = r.floor;
  const spec = w.limit;
  if (spec.type !== 'baseline') {
    const on = factor < 1 ? w.ownNormal : null;
    return {
      limit,
      type: spec.type,
      source: 'static',
      usual: null,
      spread: null,
      z: null,
      logUsual: null,
      band: on === null ? null : inp.band,
      floor,
      statusFactor: factor,
      ownNormal: r.ownNormal,
      routine: null,
      own: on === null ? null : view(inp.stats.own, 0, null, r.ownNormal === null ? `no own peak reached ${on.minCount}×` : null),
      peers: null,
      role: null,
      org: null,
      rareBand: null,
      days: null,
    };
  }

  const b = spec.baseline;
  const band = inp.band as Band;
  const ownStats = inp.stats.own;
  const peerStats = inp.stats.peers;
  const roleStats = inp.stats.role;
  const NOT_A_SOURCE = 'not among the window\'s sources';
  const own = view(ownStats, b.min_spread, r.recurring, r.ownOk ? null : !r.ownAllowed ? NOT_A_SOURCE : `${ownStats.days} days < ${b.own_min_days}`);
  const peers = view(
    peerStats,
    b.min_spread,
    null,
    r.peersOk
      ? null
      : !r.peersAllowed
        ? NOT_A_SOURCE
        : peerStats.actors < b.peer_min_actors
          ? `${peerStats.actors} actors < ${b.peer_min_actors}`
          : `${peerStats.samples} samples < ${b.peer_min_samples}`,
  );
  const role = view(roleStats, b.min_spread, null, r.roleOk ? null : !r.roleAllowed ? NOT_A_SOURCE : `${roleStats.samples} samples < ${b.role_min_samples}`);
  // Only fetched where the chain reached it: shown where it decided or was asked and too thin.
  const orgStats = inp.stats.org;
  const asked = !r.ownOk && !r.peersOk && !r.roleOk;
  const org = !asked ? null : view(orgStats, b.min_spread, null, r.orgOk ? null : !r.orgAllowed ? NOT_A_SOURCE : `${orgStats.samples} samples < ${b.org_min_samples}`);
  const common = {
    type: 'baseline' as const,
    band,
    floor,
    statusFactor: factor,
    ownNormal: r.recurring === null ? null : r.recurringLimit,
    routine: r.routine,
    own,
    peers,
    role,
    org,
    rareBand: null,
    days: inp.days ?? null,
  };
  if (r.step === 'own_other_band' || r.step === 'peers_other_band') {
    const other = r.step === 'own_other_band' ? inp.stats.ownOther : inp.stats.peersOther;
    return {
      ...common,
      floor: (b.rare_band as RareBand).floor,
      routine: null,
      limit,
      source: r.step,
      usual: other.median,
      spread: null,
      z: null,
      logUsual: null,
      rareBand: { band: (b.rare_band as RareBand).compare_with, times: r.times, own: view(other, b.min_spread, null, null) },
    };
  }
  if (r.step === 'none') return { ...common, limit, source: 'static', usual: null, spread: null, z: null, logUsual: null };
  const [source, stats]: [BaselineSource, SampleStats] = r.ownOk ? ['own', ownStats] : r.peersOk ? ['peers', peerStats] : r.roleOk ? ['role', roleStats] : ['org', orgStats];
  return { ...common, limit, source, usual: stats.median, spread: r.spread, z: r.z, logUsual: stats.logMedian };
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
