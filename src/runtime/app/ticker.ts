/**
 * Advances the engine in processing time when no events arrive, so idle
 * hourly buckets close (baseline history) and quiet alerts close. What a tick
 * produces is stored like a batch, with whatever earlier writes could not
 * store (the carry-over); if the store fails, all of it goes back to the
 * carry-over for the next write (a batch's or the next tick's). Only a crash
 * loses it: closing revisions then come again from the restored engine, and
 * buckets are rebuilt from the recent events reloaded at start.
 */
import type { DetectionEngine, EngineOutput } from '../engine/api.js';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import type { CarryOver } from '../pipeline/carry-over.js';
import type { OutputWriter } from '../pipeline/output-writer.js';
import type { SourcePosition } from '../../model/event.js';

export interface TickerDeps {
  readonly engine: DetectionEngine;
  /** The same outputs a batch is written to. */
  readonly writer: OutputWriter;
  readonly carryOver: CarryOver;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly intervalMs: number;
  /**
   * false while batches are not being stored (a sink outage): processing time
   * then runs on while event time stands still, and ticking would close
   * buckets and alerts the waiting events belong to.
   */
  readonly shouldTick?: () => boolean;
  /** Runs after each engine tick (e.g. bookkeeping of actors the tick expired). */
  readonly afterTick?: () => void;
  /**
   * The position up to which the engine reflects an actor's partition
   * (src/runtime/app/partition-restore.ts): a tick's revisions are stamped with it,
   * so a restore as of a committed offset includes them only after what they followed.
   */
  readonly positionOf?: (actorId: string) => SourcePosition | null;
  /** Which actors processing time may advance (default: all); see DetectionEngine.tick. */
  readonly idle?: (actorId: string) => boolean;
}

export interface Ticker {
  /** Runs a last tick and waits until its output is stored (or gives up after a few tries). */
  stop(): Promise<void>;
}

export function startTicker(deps: TickerDeps): Ticker {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  /** What a tick produced, with what earlier writes could not store; back to the carry-over after `attempts` failures. */
  const store = async (output: EngineOutput, attempts: number): Promise<void> => {
    const { alerts, activity } = deps.carryOver.takeWith(output);
    if (alerts.length === 0 && activity.length === 0) return;
    const stored = await deps.writer.write({ events: [], rejected: [], alerts, activity }, { shouldAbandon: (failures) => failures >= attempts });
    if (!stored) {
      deps.metrics.sinkFailures.inc({ stage: 'tick' });
      deps.logger.warn({ attempts }, 'storing tick output failed; kept for the next write');
      deps.carryOver.keep({ alerts, activity });
    }
  };

  const tick = (attempts: number) => {
    running = running.then(() => {
      const ticked = deps.engine.tick(deps.idle);
      const positionOf = deps.positionOf;
      const output = positionOf === undefined ? ticked : { ...ticked, alerts: ticked.alerts.map((u) => ({ ...u, position: positionOf(u.alert.actor_id) })) };
      deps.afterTick?.();
      const stats = deps.engine.stats();
      deps.metrics.engineActors.set(stats.actors);
      deps.metrics.engineStateBytes.set(stats.approxStateBytes);
      deps.metrics.lateDropped.set(stats.lateDropped);
      deps.metrics.futureDropped.set(stats.futureDropped ?? 0);
      deps.metrics.provisionalJudgments.set(stats.provisionalJudgments ?? 0);
      return store(output, attempts);
    });
  };

  const timer = setInterval(() => {
    if (!stopped && (deps.shouldTick?.() ?? true)) tick(5);
  }, deps.intervalMs);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      tick(3);
      await running;
    },
  };
}
