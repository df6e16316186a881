/**
 * Engine output that is not stored yet and must not be lost.
 *
 * Evaluating a batch changes engine state (event ids become "seen", alerts
 * open). If the batch is then given up (the consumer stops or loses the
 * partition while a sink is failing), Kafka redelivers its events, but the
 * engine now treats them as duplicates and emits nothing: the alerts and
 * activity rows of the first evaluation exist only in that output. They are
 * kept here and stored with the next write of any partition or of the ticker;
 * the tables deduplicate by key, so storing them twice is harmless.
 */
import type { ActorActivityRow, AlertUpdate } from '../engine/api.js';

export interface EngineLeftovers {
  readonly alerts: readonly AlertUpdate[];
  readonly activity: readonly ActorActivityRow[];
}

export class CarryOver {
  private alerts: AlertUpdate[] = [];
  private activity: ActorActivityRow[] = [];

  get size(): number {
    return this.alerts.length + this.activity.length;
  }

  /** Keeps output that could not be stored. */
  keep(leftovers: EngineLeftovers): void {
    if (leftovers.alerts.length > 0) this.alerts.push(...leftovers.alerts);
    if (leftovers.activity.length > 0) this.activity.push(...leftovers.activity);
  }

  /**
   * Drops what is kept for these actors: their partition moved to another
   * instance, which evaluates the redelivered events itself (storing this
   * output too would race its alert revisions).
   */
  dropActors(actorIds: ReadonlySet<string>): void {
    this.alerts = this.alerts.filter((u) => !actorIds.has(u.alert.actor_id));
    this.activity = this.activity.filter((r) => !actorIds.has(r.actor_id));
  }

  /** Hands everything kept to a writer; it must `keep` it again if its write fails. */
  take(): EngineLeftovers {
    const taken = { alerts: this.alerts, activity: this.activity };
    this.alerts = [];
    this.activity = [];
    return taken;
  }

  /**
   * `take()`, followed by this output: what the next write stores (kept
   * output first). The output's own arrays when nothing was kept.
   */
  takeWith(output: EngineLeftovers): EngineLeftovers {
    const carried = this.take();
    return {
      alerts: carried.alerts.length > 0 ? [...carried.alerts, ...output.alerts] : output.alerts,
      activity: carried.activity.length > 0 ? [...carried.activity, ...output.activity] : output.activity,
    };
  }
}
