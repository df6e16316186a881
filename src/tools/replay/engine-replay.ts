/**
 * Drives a detection engine over events in event-time order with a virtual
 * clock. Shared by `custos backtest` and the detection benchmark; the live
 * monitor runs the same engine with the system clock and a wall-clock ticker.
 *
 * The clock follows the events: it is set to each event's `ts` (never moved
 * back, so an event older than its predecessor is evaluated at the current
 * time, as live arrival would), `engine.tick()` runs once per tick interval
 * of event time, and `finish()` lets time run out after the last event so
 * the last activity buckets and idle alerts close. A month replays in
 * seconds and gives the alerts that live arrival in that order gave.
 */
import type { ManualClock } from '../../clock.js';
import type { DetectionEngine, EngineOutput } from '../../runtime/engine/index.js';
import type { EnrichedEvent } from '../../model/enriched.js';

/** engine.tick() once per minute of event time, as the live monitor ticks every 15 s of wall time. */
export const DEFAULT_TICK_EVERY_MS = 60_000;
/** After the last event, time runs out in coarser steps: only closings are left to happen. */
export const DEFAULT_SETTLE_STEP_MS = 15 * 60_000;

/** Receives every engine output with the virtual time it was produced at. */
export type OutputHandler = (out: EngineOutput, at: number) => void;

export interface EngineReplayOptions {
  readonly engine: DetectionEngine;
  /** Set to `startMs` here, then moved only by the replay. */
  readonly clock: ManualClock;
  /** Event time the replay starts at; the first tick is due one interval later. */
  readonly startMs: number;
  readonly tickEveryMs?: number;
  readonly onOutput: OutputHandler;
}

export class EngineReplay {
  private readonly engine: DetectionEngine;
  private readonly clock: ManualClock;
  private readonly tickEveryMs: number;
  private readonly onOutput: OutputHandler;
  private nextTick: number;
  private maxTs = Number.NEGATIVE_INFINITY;
  /** Events evaluated. */
  events = 0;
  /** Events whose ts was below an earlier event's (evaluated anyway, at the clock's time). */
  outOfOrder = 0;

  constructor(options: EngineReplayOptions) {
    this.engine = options.engine;
    this.clock = options.clock;
    this.tickEveryMs = options.tickEveryMs ?? DEFAULT_TICK_EVERY_MS;
    if (!Number.isSafeInteger(this.tickEveryMs) || this.tickEveryMs < 1) throw new RangeError(`tickEveryMs must be a positive integer, got ${this.tickEveryMs}`);
    this.onOutput = options.onOutput;
    this.clock.set(options.startMs);
    this.nextTick = options.startMs + this.tickEveryMs;
  }

  /** Virtual time now. */
  get now(): number {
    return this.clock.now();
  }

  /** Event time of the newest event evaluated (-Infinity before the first). */
  get newestEventTs(): number {
    return this.maxTs;
  }

  /** One event: first the tick that is due by its time (closings happen before it counts), then the event. */
  evaluate(event: EnrichedEvent): void {
    const ts = event.ts;
    this.events++;
    if (ts < this.maxTs) this.outOfOrder++;
    else this.maxTs = ts;
    if (ts >= this.nextTick) {
      this.clock.set(ts);
      this.onOutput(this.engine.tick(), ts);
      this.nextTick = ts - (ts % this.tickEveryMs) + this.tickEveryMs;
    }
    if (ts > this.clock.now()) this.clock.set(ts);
    this.onOutput(this.engine.evaluate([event]), this.clock.now());
  }

  /**
   * Lets event time run out up to `untilMs`: ticks from one interval after
   * the current time, every `stepMs`, so every bucket and every alert whose
   * quiet period ends by then is closed and handed out.
   */
  finish(untilMs: number, stepMs = DEFAULT_SETTLE_STEP_MS): void {
    if (!(stepMs > 0)) throw new RangeError(`stepMs must be positive, got ${stepMs}`);
    for (let t = this.clock.now() + this.tickEveryMs; t <= untilMs; t += stepMs) {
      this.clock.set(t);
      this.onOutput(this.engine.tick(), t);
    }
  }
}
