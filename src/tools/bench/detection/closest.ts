/**
 * How close the rules came to an incident they missed: the engine's probe
 * (EngineProbe) watches the incident actors, and this keeps, per actor and
 * hour of event time, the highest observed / limit of every rate window and
 * the highest score of every score rule with what made it up. After the run,
 * an incident's closest approach is the highest of each over the hours of its
 * span (start to end plus its detection window). The report of a miss names
 * them, so a miss says why (which limit it stayed under, and by how much)
 * instead of only that it happened.
 */
import type { EngineProbe, ProbePart } from '../../../runtime/engine/api.js';
import type { IncidentLabel } from '../../sim/types.js';

const HOUR_MS = 3_600_000;

/** A rate window's highest observed / limit. */
export interface WindowApproach {
  readonly key: string;
  readonly observed: number;
  readonly limit: number;
  readonly ratio: number;
}

/** A score rule's highest score and its parts then. */
export interface ScoreApproach {
  readonly ruleId: string;
  readonly score: number;
  readonly threshold: number;
  readonly parts: readonly ProbePart[];
}

export interface ClosestApproach {
  /** Highest ratio first. */
  readonly windows: readonly WindowApproach[];
  readonly scores: readonly ScoreApproach[];
}

interface HourApproach {
  readonly windows: Map<string, WindowApproach>;
  readonly scores: Map<string, ScoreApproach>;
}

/** `w` came closer to its limit than `was`; at an equal ratio (0 against no verdict) the larger count says more. */
function closer(w: WindowApproach, was: WindowApproach | undefined): boolean {
  return was === undefined || w.ratio > was.ratio || (w.ratio === was.ratio && w.observed > was.observed);
}

export class ClosestApproachProbe implements EngineProbe {
  private readonly hours = new Map<string, Map<number, HourApproach>>();

  constructor(actorIds: Iterable<string>) {
    for (const id of actorIds) this.hours.set(id, new Map());
  }

  watches(actorId: string): boolean {
    return this.hours.has(actorId);
  }

  rate(actorId: string, ts: number, ruleId: string, window: string, observed: number, limit: number): void {
    const h = this.hourOf(actorId, ts);
    const key = `${ruleId} ${window}`;
    const ratio = observed / Math.max(limit, 1e-9);
    const w = { key, observed, limit, ratio };
    if (closer(w, h.windows.get(key))) h.windows.set(key, w);
  }

  score(actorId: string, ts: number, ruleId: string, score: number, threshold: number, parts: readonly ProbePart[]): void {
    const h = this.hourOf(actorId, ts);
    const was = h.scores.get(ruleId);
    if (was === undefined || score > was.score) h.scores.set(ruleId, { ruleId, score, threshold, parts });
  }

  /** The highest of each window and score over the incident's span (start to end plus its window). */
  closest(inc: IncidentLabel): ClosestApproach {
    const windows = new Map<string, WindowApproach>();
    const scores = new Map<string, ScoreApproach>();
    const byHour = this.hours.get(inc.actor_id);
    if (byHour !== undefined) {
      const to = Math.floor((inc.end_ms + inc.window_ms) / HOUR_MS);
      for (let hour = Math.floor(inc.start_ms / HOUR_MS); hour <= to; hour++) {
        const h = byHour.get(hour);
        if (h === undefined) continue;
        for (const w of h.windows.values()) if (closer(w, windows.get(w.key))) windows.set(w.key, w);
        for (const s of h.scores.values()) if ((scores.get(s.ruleId)?.score ?? -1) < s.score) scores.set(s.ruleId, s);
      }
    }
    return { windows: [...windows.values()].sort((a, b) => b.ratio - a.ratio), scores: [...scores.values()] };
  }

  private hourOf(actorId: string, ts: number): HourApproach {
    const byHour = this.hours.get(actorId) as Map<number, HourApproach>;
    const hour = Math.floor(ts / HOUR_MS);
    let h = byHour.get(hour);
    if (h === undefined) {
      h = { windows: new Map(), scores: new Map() };
      byHour.set(hour, h);
    }
    return h;
  }
}

/** One line: each score's best with its parts, then the windows closest to their limits (at most `top`). */
export function describeClosest(c: ClosestApproach, top = 4): string {
  const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 0));
  const scores = c.scores.map((s) => `${s.ruleId} ${fmt(s.score)} of ${fmt(s.threshold)}${s.parts.length > 0 ? ` (${s.parts.map((p) => `${p.label} ${fmt(p.points)}`).join('; ')})` : ''}`);
  const windows = c.windows.slice(0, top).map((w) => `${w.key} ${fmt(w.observed)} of limit ${fmt(w.limit)} (${w.ratio.toFixed(2)})`);
  if (scores.length === 0 && windows.length === 0) return 'no window of any rule counted anything';
  return [...scores, ...windows].join(' | ');
}
