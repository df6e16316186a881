/**
 * One backtest: the events of a source replayed through one engine per rule
 * set (two when comparing), in a single pass, so each event is read, decoded
 * and enriched once and both rule sets judge exactly the same events.
 */
import { ManualClock } from '../../clock.js';
import { createEngine, type DetectionEngine, type EngineHistory, type EngineStats, type RuleSet } from '../../runtime/engine/index.js';
import type { StoredAlertUpdate } from '../../model/alert.js';
import { storedAlert } from '../../runtime/outputs/clickhouse/events-query.js';
import { DEFAULT_TICK_EVERY_MS, EngineReplay, type RejectionTally, settleTimeMs } from '../replay/index.js';
import { AlertTally } from './alert-tally.js';
import type { EventSource } from './sources.js';

export interface RuleSetUnderTest {
  /** How reports name it: the rules folder. */
  readonly label: string;
  readonly rules: RuleSet;
}

export interface BacktestProgress {
  /** Events evaluated so far. */
  readonly events: number;
  readonly lastTs: number;
  /** 0..1 through the input. */
  readonly fraction: number;
}

export interface BacktestOptions {
  readonly source: EventSource;
  /** One rule set, or two to compare (the first is the reference). */
  readonly ruleSets: readonly RuleSetUnderTest[];
  /**
   * Loads the history restored into every engine before the first event
   * (baselines, windows); told how far back events are needed for the
   * windows of the rule sets replayed.
   */
  readonly history?: (need: { readonly recentWindowMs: number }) => Promise<EngineHistory>;
  /** Database named in the alerts' ready-to-run queries (default `custos`). */
  readonly database?: string;
  readonly tickEveryMs?: number;
  readonly onProgress?: (p: BacktestProgress) => void;
  /** Events between onProgress calls (default 10,000). */
  readonly progressEvery?: number;
  /**
   * Every alert revision as the engine emits it, in emission order, with the
   * virtual time it was emitted at and the index of its rule set in
   * `ruleSets` (`--alerts-out` writes the first's).
   */
  readonly onAlertUpdate?: (update: StoredAlertUpdate, at: number, ruleSet: number) => void;
}

export interface RuleSetOutcome {
  readonly label: string;
  readonly tally: AlertTally;
  /** Activity rows the engine closed (what would have gone to actor_activity). */
  readonly activityRows: number;
  readonly stats: EngineStats;
}

export interface BacktestResult {
  readonly outcomes: readonly RuleSetOutcome[];
  /** Input messages or rows read, accepted or not. */
  readonly read: number;
  /** Events evaluated (read minus rejected and skipped). */
  readonly events: number;
  readonly rejections: RejectionTally | null;
  readonly skippedRows: number;
  /** Events older than an event before them, evaluated in input order (as live arrival would). */
  readonly outOfOrder: number;
  /** Earliest and latest event time evaluated (null without events). */
  readonly firstTs: number | null;
  readonly lastTs: number | null;
  readonly elapsedMs: number;
}

interface Lane {
  readonly index: number;
  readonly label: string;
  readonly rules: RuleSet;
  readonly clock: ManualClock;
  readonly engine: DetectionEngine;
  readonly tally: AlertTally;
  activityRows: number;
  replay: EngineReplay | null;
}

export async function runBacktest(o: BacktestOptions): Promise<BacktestResult> {
  if (o.ruleSets.length < 1 || o.ruleSets.length > 2) throw new RangeError('a backtest runs one rule set, or two to compare');
  const t0 = performance.now();
  const tickEveryMs = o.tickEveryMs ?? DEFAULT_TICK_EVERY_MS;
  const progressEvery = o.progressEvery ?? 10_000;
  const database = o.database ?? 'custos';
  const lanes: Lane[] = o.ruleSets.map((rs, index) => {
    const clock = new ManualClock(0);
    const engine = createEngine({ rules: rs.rules, clock });
    return { index, label: rs.label, rules: rs.rules, clock, engine, tally: new AlertTally(), activityRows: 0, replay: null };
  });

  const history = o.history ? await o.history({ recentWindowMs: Math.max(...lanes.map((l) => l.engine.historyWindowMs())) }) : null;
  const start = (startMs: number): EngineReplay[] =>
    lanes.map((lane) => {
      lane.clock.set(startMs);
      if (history !== null) lane.engine.restore(history);
      lane.replay = new EngineReplay({
        engine: lane.engine,
        clock: lane.clock,
        startMs,
        tickEveryMs,
        onOutput: (out, at) => {
          lane.activityRows += out.activity.length;
          for (const u of out.alerts) {
            const stored = { ...u, alert: storedAlert(u, database) };
            lane.tally.add(stored, at);
            o.onAlertUpdate?.(stored, at, lane.index);
          }
        },
      });
      return lane.replay;
    });

  let replays = o.source.startMs === null ? null : start(o.source.startMs);
  let events = 0;
  let firstTs = Number.POSITIVE_INFINITY;
  let lastTs = Number.NEGATIVE_INFINITY;
  for await (const event of o.source.events()) {
    replays ??= start(event.ts);
    for (const r of replays) r.evaluate(event);
    events++;
    if (event.ts < firstTs) firstTs = event.ts;
    if (event.ts > lastTs) lastTs = event.ts;
    if (o.onProgress && events % progressEvery === 0) o.onProgress({ events, lastTs: event.ts, fraction: o.source.progress(event.ts) });
  }
  for (const lane of lanes) {
    const r = lane.replay;
    if (r !== null && events > 0) r.finish(r.newestEventTs + settleTimeMs(lane.rules, tickEveryMs));
  }
  return {
    outcomes: lanes.map((l) => ({ label: l.label, tally: l.tally, activityRows: l.activityRows, stats: l.engine.stats() })),
    read: o.source.read(),
    events,
    rejections: o.source.rejections,
    skippedRows: o.source.skippedRows(),
    outOfOrder: replays?.[0]?.outOfOrder ?? 0,
    firstTs: events > 0 ? firstTs : null,
    lastTs: events > 0 ? lastTs : null,
    elapsedMs: performance.now() - t0,
  };
}
