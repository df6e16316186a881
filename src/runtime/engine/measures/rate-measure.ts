/**
 * What a rate measure is: one registered part (measures/index.ts) that says
 * what a rate rule's windows count. It brings the rule fields it adds
 * (`count` for events), its compile step (checking those fields), its
 * per-actor accumulation, the window's current value, and its wording. The
 * engine judges every measure's windows alike against their limits
 * (baseline/limits.ts); it never names a measure.
 */
import type { z } from 'zod';
import type { OpenAlert, Finding } from '../alerts/open-alert.js';
import type { Predicate, YamlPath } from '../rules/predicate.js';
import type { EvalInput } from '../rules/fields.js';
import type { RateWindow } from '../rules/rule-set.js';
import type { ActorState } from '../state/actor-state.js';

/** Per-actor state a measure keeps in ActorState.measures (sized for stats().approxStateBytes). */
export interface MeasureState {
  readonly approxBytes: number;
}

/** What a measure's compile step may use: the rule's own fields, and problem reports located in the rule file. */
export interface MeasureCompileContext {
  /** The rule's id (state keys: never the rule object, so a reload keeps the windows). */
  readonly ruleId: string;
  /** The horizons of the rule's windows (ms, in rule order). */
  readonly horizons: readonly number[];
  /** The rule-file value of one of this measure's fields (undefined when absent). */
  field(name: string): unknown;
  /** Compiles a predicate given in one of this measure's fields. */
  predicate(field: string): Predicate;
  /** The predicate of an activity class of the settings (undefined: no such class). */
  activityClass(name: string): Predicate | undefined;
  /** Reports a problem at one of the rule's fields. */
  problem(path: YamlPath, reason: string): void;
}

/** Where the engine keeps the windows that every actor holds, whatever the rules (engine/state/distinct-window.ts). */
export interface WindowLayout {
  /** Index of a horizon in the actor's distinct-customer window (it holds every horizon a measure declared). */
  distinctIndex(horizonMs: number): number;
  /** Exact distinct refs a window keeps per actor before it switches to a sketch (the engine's cap). */
  readonly exactDistinct: number;
}

/** A measure bound to the engine's window layout for one rule. */
export interface MeasureRuntime {
  /** Adds a new (not late, not replayed) event to the actor's state; absent when the engine's shared windows hold what it counts. */
  readonly accumulate?: (st: ActorState, i: EvalInput) => void;
  /** The current value of the rule's window number `k` for the actor. */
  observe(st: ActorState, k: number): number;
  /**
   * Measures that span days (RateMeasurePart.spansDays): how many days of
   * window `k` had activity, and the start of its first day. The object is
   * reused: read it before the next call.
   */
  days?(st: ActorState, k: number): WindowDays;
}

/** The days a multi-day window covers for an actor (see MeasureRuntime.days). */
export interface WindowDays {
  /** Days of the window with counted customers (the current one included), at least 1. */
  active: number;
  /** Start (epoch ms, a UTC midnight) of the window's first day: its baseline reads only days before it. */
  start: number;
  /** The observed value is the level reached on at least this many days of the window. */
  level: number;
}

/** A measure compiled for one rule. */
export interface CompiledMeasure {
  readonly part: RateMeasurePart;
  /** Horizons it needs in every actor's distinct-customer window. */
  readonly distinctHorizons: readonly number[];
  /** The activity class whose requests it counts (null: none): its baselines are that class's. */
  readonly activityClass: string | null;
  /**
   * Why its windows have no stored history, when they have none (a `count`
   * predicate no activity row records): the loader then refuses a baseline
   * or `own_normal` on them with this reason; they take fixed limits.
   */
  readonly noHistory?: string;
  bind(layout: WindowLayout, windows: readonly RateWindow[]): MeasureRuntime;
}

export interface RateMeasurePart {
  /** The value of `measure:` in a rate rule. */
  readonly name: string;
  /** Rule fields this measure adds to a rate rule: optional in the schema, checked by compile (another measure's field is refused). */
  readonly fields: z.ZodRawShape;
  /** Its windows may judge against learned baselines (activity rows hold its metrics, baseline/bands.ts). */
  readonly baselines: boolean;
  /** What it counts, so a baseline compares like with like: customers (distinct metrics) or requests (`*_events`). */
  readonly counts: 'customers' | 'requests';
  compile(ctx: MeasureCompileContext): CompiledMeasure;
  /** The finding in words, without the actor: "exported 4,812 distinct customers in 5m, 96× their usual 50". */
  phrase(a: OpenAlert, f: Finding, ruleTitle: string): string;
  /** The phrase reads as a predicate of the actor ("support_agent a-1 exported ..."); otherwise it follows a colon. */
  readonly readsAfterActor: boolean;
  /**
   * Its windows are whole days, read from the actor's closed daily activity
   * rows and open day buckets (customer_days), never from events: so events
   * are kept and replayed for a day only, whatever the horizon. Its baseline
   * windows compare a level of days with the daily metric `day_distinct`,
   * read as of the window's first day (engine.limitFor).
   */
  readonly spansDays?: boolean;
}
