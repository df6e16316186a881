/**
 * Alert-storm guard (settings `alert_storm`). When more than `actors` alerts
 * of one rule opened within `within` of processing time (a flood of unknown
 * actor ids, an upstream bug replaying random ids), each further alert that
 * rule would open folds into one aggregated alert of the rule instead: it
 * counts the actors (HyperLogLog, ~1.6 %) and events and keeps a sample of
 * actor ids and event ids. The storm alert notifies when it opens; folds are
 * silent revisions (at most one per batch); it closes once `within` passes
 * without a fold, and the count starts again.
 *
 * Folded actors hold no alert of their own, so their state stays small and
 * can be evicted under the actor cap. Alerts already open are not touched.
 */
import type { EnrichedEvent } from '../../../model/enriched.js';
import type { DerivedFacts } from '../rules/fields.js';
import { Hll } from '../state/hll.js';
import { mixedKey } from '../state/keys.js';
import { alertIdFor } from './alert-id.js';
import { OpenAlert } from './open-alert.js';

export interface StormSettings {
  /** Alerts of one rule opened within `withinMs`; beyond this many, further ones fold. */
  readonly actors: number;
  readonly withinMs: number;
  /** Actor ids kept on the storm alert. */
  readonly sample: number;
}

/** The actor id of a storm alert: it speaks for many actors. */
export const STORM_ACTOR = '*';

interface RuleStorm {
  /** Processing times of the latest openings (at most `actors`), oldest first. */
  readonly openings: number[];
  alert: OpenAlert | null;
  lastFoldAt: number;
  distinct: Hll | null;
}

export class StormGuard {
  private readonly rules = new Map<string, RuleStorm>();

  constructor(private settings: StormSettings) {}

  configure(settings: StormSettings): void {
    this.settings = settings;
  }

  /**
   * An alert of `ruleId` is about to open at processing time `now`: false
   * (recorded; open it) or true (a storm: fold the event with `fold`).
   */
  shouldFold(ruleId: string, now: number): boolean {
    let r = this.rules.get(ruleId);
    if (r === undefined) {
      r = { openings: [], alert: null, lastFoldAt: -Infinity, distinct: null };
      this.rules.set(ruleId, r);
    }
    if (r.alert !== null) return true;
    const n = this.settings.actors;
    const o = r.openings;
    if (o.length >= n && now - (o[o.length - n] as number) <= this.settings.withinMs) return true;
    o.push(now);
    if (o.length > n) o.splice(0, o.length - n);
    return false;
  }

  /**
   * Folds one event of an actor into the rule's storm alert (opened by the
   * first fold). Returns the alert and whether it was just opened.
   */
  fold(ruleId: string, e: EnrichedEvent, facts: DerivedFacts, now: number, eventIdSample: number): { alert: OpenAlert; opened: boolean } {
    const r = this.rules.get(ruleId) as RuleStorm;
    let opened = false;
    if (r.alert === null) {
      r.alert = new OpenAlert(alertIdFor(`${STORM_ACTOR}${ruleId}`, e.event_id), STORM_ACTOR, { role: STORM_ACTOR, department: '', employment_status: 'unknown' }, e.ts);
      r.alert.storm = { actors: 0, sample: [], thresholdActors: this.settings.actors, withinMs: this.settings.withinMs };
      r.distinct = new Hll(12);
      opened = true;
    }
    const a = r.alert;
    const storm = a.storm as NonNullable<OpenAlert['storm']>;
    (r.distinct as Hll).add(mixedKey(e.actor_id));
    storm.actors = (r.distinct as Hll).estimate();
    if (storm.sample.length < this.settings.sample && !storm.sample.includes(e.actor_id)) storm.sample.push(e.actor_id);
    a.recordEvent(e, facts, eventIdSample);
    // The storm alert speaks for many actors: not the last one's profile.
    a.actorRole = STORM_ACTOR;
    a.actorDepartment = '';
    a.employmentStatus = 'unknown';
    r.lastFoldAt = now;
    return { alert: a, opened };
  }

  /** Storm alerts with no fold for `within` up to `now`: closed here (the caller emits their closing revision). */
  closeQuiet(now: number): OpenAlert[] {
    const closed: OpenAlert[] = [];
    for (const r of this.rules.values()) {
      if (r.alert === null || now - r.lastFoldAt <= this.settings.withinMs) continue;
      closed.push(r.alert);
      r.alert = null;
      r.distinct = null;
      r.openings.length = 0;
    }
    return closed;
  }

  get openStorms(): number {
    let n = 0;
    for (const r of this.rules.values()) if (r.alert !== null) n++;
    return n;
  }
}
