/**
 * The limit a window's observed value is compared with, and the figures that
 * explain it. For a baseline window, the fallback chain is
 *
 *   own history → peer group (role + department) → role → static limit
 *
 * each step used only when it passes its minimum-sample gate (and, for peers,
 * a minimum number of distinct actors). So a new actor is judged against their
 * peers, never alerted on for merely being new; and a thin history never
 * produces a hair-trigger limit.
 *
 *   limit = max(median + z·sigma, own recurring peak × (1 + headroom), floor)
 *           × employment-status factor
 *
 * with sigma floored (robust.ts). The recurring peak (optional) is the level
 * the actor's own history reached at least `min_count` times: a weekly report
 * of the same size is that actor's normal, however rare within the band. Budget and static windows skip the chain.
 */
import type { BaselineSource } from '../../model/alert.js';
import type { RateWindow } from '../rules/rule-set.js';
import type { Band, Metric } from './bands.js';
import type { ActivityHistory, HistoryGroup } from './history.js';
import { flooredSigma, type SampleStats } from './robust.js';

export interface StatsView {
  readonly samples: number;
  readonly actors: number;
  readonly median: number;
  readonly sigma: number;
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
  readonly sigma: number | null;
  readonly band: Band | null;
  readonly floor: number;
  readonly statusFactor: number;
  readonly own: StatsView | null;
  readonly peers: StatsView | null;
  readonly role: StatsView | null;
}

/** The statistics a baseline window is judged with (EMPTY_STATS for other windows). */
export interface BaselineStats {
  readonly own: SampleStats;
  readonly peers: SampleStats;
  readonly role: SampleStats;
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
  };
}

export interface LimitInputs {
  readonly stats: BaselineStats;
  readonly band: Band | null;
  readonly roleLimits: ReadonlyMap<string, number> | undefined;
  readonly statusFactor: number;
}

export function decideLimit(w: RateWindow, inp: LimitInputs): LimitDecision {
  const factor = inp.statusFactor;
  const floor = w.floor * factor;
  const plain = (type: 'budget' | 'static', value: number): LimitDecision => ({
    limit: Math.max(value, w.floor) * factor,
    type,
    source: 'static',
    usual: null,
    sigma: null,
    band: null,
    floor,
    statusFactor: factor,
    own: null,
    peers: null,
    role: null,
  });
  const spec = w.limit;
  if (spec.type === 'static') return plain('static', spec.value);
  if (spec.type === 'budget') return plain('budget', inp.roleLimits?.get(spec.roleLimit) ?? spec.fallback);

  const b = spec.baseline;
  const band = inp.band as Band;
  const sigmaOf = (s: SampleStats) => flooredSigma(s, b.variance_floor.ratio, b.variance_floor.absolute);
  const view = (s: SampleStats, skipped: string | null, recurringPeak: number | null = null): StatsView => ({
    samples: s.samples,
    actors: s.actors,
    median: s.median,
    sigma: sigmaOf(s),
    recurringPeak,
    skipped,
  });

  const ownStats = inp.stats.own;
  const peerStats = inp.stats.peers;
  const roleStats = inp.stats.role;
  const ownOk = ownStats.samples >= b.own_min_samples;
  const peersOk = peerStats.samples >= b.peer_min_samples && peerStats.actors >= b.peer_min_actors;
  const roleOk = roleStats.samples >= b.role_min_samples;
  const rp = b.recurring_peak;
  // Needs only min_count occurrences (not the own sample gate): it states what this
  // actor has done before, whichever step of the chain judges the rest.
  const recurring = rp !== undefined ? (ownStats.top[rp.min_count - 1] ?? null) : null;
  const own = view(ownStats, ownOk ? null : `${ownStats.samples} samples < ${b.own_min_samples}`, recurring);
  const peers = view(
    peerStats,
    peersOk ? null : peerStats.actors < b.peer_min_actors ? `${peerStats.actors} actors < ${b.peer_min_actors}` : `${peerStats.samples} samples < ${b.peer_min_samples}`,
  );
  const role = view(roleStats, roleOk ? null : `${roleStats.samples} samples < ${b.role_min_samples}`);

  const chosen: [BaselineSource, SampleStats] | null = ownOk
    ? ['own', ownStats]
    : peersOk
      ? ['peers', peerStats]
      : roleOk
        ? ['role', roleStats]
        : null;
  if (chosen === null) {
    const fallback = plain('static', Math.max(b.static, recurring !== null && rp !== undefined ? recurring * (1 + rp.headroom) : 0));
    return { ...fallback, type: 'baseline', band, own, peers, role };
  }
  const [source, stats] = chosen;
  const sigma = sigmaOf(stats);
  // Own recurring peak: what the actor has done repeatedly is not unusual for them.
  const recurringLimit = recurring !== null && rp !== undefined ? recurring * (1 + rp.headroom) : 0;
  return {
    limit: Math.max(stats.median + b.z * sigma, recurringLimit, w.floor) * factor,
    type: 'baseline',
    source,
    usual: stats.median,
    sigma,
    band,
    floor,
    statusFactor: factor,
    own,
    peers,
    role,
  };
}
