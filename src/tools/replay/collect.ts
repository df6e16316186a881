/** Keeps what a replay's engine hands out: alert updates with their virtual time, and activity rows. */
import type { ActorActivityRow, AlertUpdate, EngineOutput } from '../../runtime/engine/index.js';
import type { OutputHandler } from './engine-replay.js';

export interface TimedAlertUpdate {
  readonly update: AlertUpdate;
  /** Virtual clock when the engine emitted it. */
  readonly at: number;
}

export class ReplayCollector {
  readonly updates: TimedAlertUpdate[] = [];
  /** Empty unless constructed with keepActivity (long replays only need the count). */
  readonly activity: ActorActivityRow[] = [];
  activityRows = 0;

  constructor(private readonly keepActivity = false) {}

  readonly onOutput: OutputHandler = (out: EngineOutput, at: number) => {
    this.activityRows += out.activity.length;
    if (this.keepActivity) this.activity.push(...out.activity);
    for (const update of out.alerts) this.updates.push({ update, at });
  };
}
