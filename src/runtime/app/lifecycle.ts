/**
 * The monitor's stages, started in order and stopped in reverse, from one
 * list: the stop order exists once, as the mirror of the start order. A
 * failure while starting stops what had started (in reverse) and rethrows.
 * Stopping runs every stage's stop even if an earlier one failed (a consumer
 * that cannot leave a lost broker must not keep the last tick from being
 * stored or deliveries from being parked); the first failure is rethrown.
 */
import { describeError } from '../../errors.js';
import type { Logger } from '../../observability/log.js';

export interface Stage {
  readonly name: string;
  start?(): Promise<void> | void;
  stop?(): Promise<unknown> | unknown;
}

export class Lifecycle {
  private readonly started: Stage[] = [];

  constructor(private readonly logger: Logger) {}

  /** Starts the stages in order; on a failure, stops those started and rethrows it. */
  async start(stages: readonly Stage[]): Promise<void> {
    for (const stage of stages) {
      try {
        await stage.start?.();
        this.started.push(stage);
      } catch (err) {
        await this.stop().catch(() => undefined);
        throw err;
      }
    }
  }

  /** Stops every started stage, last started first. */
  async stop(): Promise<void> {
    let firstFailure: unknown = null;
    for (const stage of this.started.splice(0).reverse()) {
      try {
        await stage.stop?.();
      } catch (err) {
        this.logger.error({ stage: stage.name, err: describeError(err) }, 'a stage failed to stop cleanly');
        firstFailure ??= err;
      }
    }
    if (firstFailure !== null) throw firstFailure;
  }
}
