/**
 * One memory scenario in a process of its own (started by main.ts with
 * --expose-gc, so heap figures are read after a full collection and RSS is
 * this scenario's alone). Prints progress lines and one result line, each
 * `MEMORY <json>`; a scenario killed by the heap limit leaves its last
 * progress line as the figure.
 *
 * - `org`: the simulated organisation (src/sim) through the real decode,
 *   enrich and engine, stopped at 15:00 UTC of its last weekday, when every
 *   working actor holds window state.
 * - `flood`: N distinct actor ids missing from the directory, one customer
 *   read each, spread evenly over a span of event time (an upstream bug
 *   replaying random ids, or an attacker).
 *
 * Per-actor window state is measured, not estimated: heap used plus
 * ArrayBuffer memory (after a full GC) with the state held, minus heap used after engine.forget() of those
 * actors, divided by their number; the largest 1 % by the engine's own
 * estimate are forgotten first, which measures their mean (the p99 figure).
 * The engine's approxBytes estimate is printed beside it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManualClock } from '../../../clock.js';
import { enrichmentFilesInFolder, loadEnrichmentTables } from '../../../runtime/enrich/tables.js';
import { createEngine, loadRuleSet } from '../../../runtime/engine/index.js';
import type { Engine } from '../../../runtime/engine/engine.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { EngineReplay, createWireEventReader } from '../../replay/index.js';
import { createSimulation } from '../../sim/simulator.js';
import type { WireEvent } from '../../sim/wire.js';
import { ActivityTracker } from '../../../runtime/engine/state/activity.js';
import { DistinctWindow } from '../../../runtime/engine/state/distinct-window.js';
import { SeenEvents } from '../../../runtime/engine/state/seen-events.js';
import { ActivityColumns } from '../../../runtime/engine/baseline/activity-columns.js';
import { FirstUses } from '../../../runtime/engine/baseline/first-uses.js';
import type { ActorHistory } from '../../../runtime/engine/baseline/history.js';

export const MEMORY_PREFIX = 'MEMORY ';

export interface ScenarioOptions {
  readonly kind: 'org' | 'flood';
  readonly seed: number;
  readonly actors: number;
  readonly days: number;
  /** flood: distinct actor ids, and the event time they are spread over. */
  readonly ids: number;
  readonly spanMs: number;
  readonly rulesDir: string;
  /** Engine options under test (e.g. a cap), passed through as given. */
  readonly engine?: Readonly<Record<string, unknown>>;
  /** Measure each part of the actors' state instead of the largest 1 % (org: a run of its own). */
  readonly breakdown?: boolean;
}

/** Bytes per actor freed by emptying one part of every actor's state, in the order emptied. */
export type PartFigures = readonly { readonly part: string; readonly bytesPerActor: number }[];

/** What the actors hold, on average: customers in the longest window (exact ones) and event ids; the bytes their data alone takes. */
export interface HeldFigures {
  readonly customers: number;
  readonly eventIds: number;
  /** 6 bytes per customer (key word + second offset in a narrow window's log) and 6.25 per event id (48 hash bits, an eighth of a block's time word): no index, slack or object. */
  readonly dataBytes: number;
}

export interface StateFigures {
  readonly actors: number;
  readonly openAlerts: number;
  /** Measured: heap freed by forgetting every actor's window state, per actor. */
  readonly measuredMean: number;
  /** Measured: heap freed by forgetting the largest 1 % (by estimate), per actor of them. */
  readonly measuredTop1: number;
  readonly estimatedMean: number;
  readonly estimatedP50: number;
  readonly estimatedP99: number;
}

export interface ScenarioResult {
  readonly kind: 'org' | 'flood';
  readonly label: string;
  readonly events: number;
  readonly alertUpdates: number;
  readonly heapBeforeMb: number;
  readonly heapAfterMb: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly state: StateFigures;
  /** Heap once the state is forgotten: baselines (activity history) and everything else the process holds. */
  readonly heapWithoutStateMb: number;
  /**
   * The baselines' activity history, outside the window state: freed by
   * dropping every actor's history after the state was forgotten, per actor
   * that had one (their hourly and daily rows, first-seen names, stats caches).
   */
  readonly history: { readonly actors: number; readonly bytesPerActor: number };
  readonly engineStats: Readonly<Record<string, unknown>>;
  /** With `breakdown`: what each part frees, per actor (measuredTop1 is then not measured: 0). */
  readonly parts?: PartFigures;
  /** With --breakdown: the baselines' history per part (KB per actor that has one). */
  readonly historyParts?: PartFigures;
  /** With `breakdown`: what the actors hold, on average. */
  readonly held?: HeldFigures;
}

const PSEUDONYM_KEY = 'custos-bench-memory-pseudonym-key-000001';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MB = 1024 * 1024;

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc (custos bench memory does)');
  collect();
  collect();
};
/**
 * Heap used plus ArrayBuffer backing stores (typed arrays beyond a few bytes
 * live outside the V8 heap), after full collections until two readings agree:
 * one collection can leave garbage a second frees (the reading of the largest
 * 1 % of actors moved between -25 and 52 KB per actor from run to run; now the
 * same to the byte).
 */
const heapUsed = (): number => {
  let previous = -1;
  for (let i = 0; i < 8; i++) {
    gc();
    const m = process.memoryUsage();
    const used = m.heapUsed + m.arrayBuffers;
    if (used === previous) break;
    previous = used;
  }
  return previous;
};
const emit = (x: unknown): void => {
  process.stdout.write(`${MEMORY_PREFIX}${JSON.stringify(x)}\n`);
};

function quantile(sortedAsc: readonly number[], q: number): number {
  if (sortedAsc.length === 0) return 0;
  return sortedAsc[Math.min(sortedAsc.length - 1, Math.floor(q * sortedAsc.length))] as number;
}

/** Writable view of the parts a breakdown replaces with empty ones. */
type Parts = { seen: SeenEvents; window: DistinctWindow; activity: ActivityTracker; measures: unknown; lastClosed: unknown };

/**
 * Empties one part of every actor's state at a time (an empty structure in
 * its place, so what stays is counted under "the rest"), measuring what each
 * step frees; then forgets the actors.
 */
/** Writable view of the parts of an actor's history a breakdown replaces with empty ones. */
type HistoryParts = { -readonly [K in keyof ActorHistory]: ActorHistory[K] };

/** Heap freed by emptying each part of every actor's baseline history in turn (after the window state was forgotten). */
function measureHistoryParts(engine: Engine): PartFigures {
  const histories = [...engine.actorHistories()] as HistoryParts[];
  const n = Math.max(1, histories.length);
  const steps: [string, (h: HistoryParts) => void][] = [
    ['own stats caches', (h) => h.cache.clear()],
    ['recurring slot levels', (h) => (h.slots = null)],
    ['request peaks', (h) => (h.requestPeaks = [])],
    ['first-seen names (resource types, channels, zones)', (h) => (h.seen = new FirstUses())],
    ['hourly rows', (h) => (h.hourly = new ActivityColumns('hour'))],
    ['daily rows', (h) => (h.daily = new ActivityColumns('day'))],
  ];
  const { parts, heapAfter } = heapFreedBySteps(histories, steps);
  histories.length = 0;
  engine.forgetHistories();
  parts.push({ part: 'the rest (history objects, empty parts, map entries, group snapshots)', bytesPerActor: (heapAfter - heapUsed()) / n });
  return parts;
}

/** Each step applied to every item in turn: the heap it freed (after a full GC), per item; and the heap after the last. */
function heapFreedBySteps<T>(items: readonly T[], steps: readonly (readonly [string, (item: T) => void])[]): { parts: { part: string; bytesPerActor: number }[]; heapBefore: number; heapAfter: number } {
  const n = Math.max(1, items.length);
  const heapBefore = heapUsed();
  let h = heapBefore;
  const parts: { part: string; bytesPerActor: number }[] = [];
  for (const [part, empty] of steps) {
    for (const item of items) empty(item);
    const after = heapUsed();
    parts.push({ part, bytesPerActor: (h - after) / n });
    h = after;
  }
  return { parts, heapBefore, heapAfter: h };
}

function measureParts(engine: Engine): { figures: StateFigures; heapWithout: number; parts: PartFigures; held: HeldFigures } {
  const sizes = [...engine.stateSizes()];
  const stats = engine.stats();
  const states = [...engine.actorStates()] as unknown as (Parts & { readonly window: DistinctWindow })[];
  const n = Math.max(1, states.length);
  let customers = 0;
  let eventIds = 0;
  for (const st of states) {
    customers += st.window.liveRefs;
    eventIds += st.seen.size;
  }
  const held: HeldFigures = { customers: customers / n, eventIds: eventIds / n, dataBytes: (customers * 6 + eventIds * 6.25) / n };
  const steps: [string, (st: Parts) => void][] = [
    // The event ids live at the end of the window's array (word-host.ts): emptied there, and a new window takes them along.
    [
      'event ids (seen-events)',
      (st) => {
        st.window.reserveGuest(0);
        st.seen = new SeenEvents(1, st.window);
      },
    ],
    [
      'distinct window',
      (st) => {
        st.window = new DistinctWindow(st.window.horizonList, 1);
        st.seen = new SeenEvents(1, st.window);
      },
    ],
    ['open buckets (activity)', (st) => (st.activity = new ActivityTracker())],
    ['measure states', (st) => (st.measures = null)],
    ['last closed alert', (st) => (st.lastClosed = null)],
  ];
  const { parts, heapBefore: h0, heapAfter: h } = heapFreedBySteps(states, steps);
  states.length = 0;
  engine.forget(sizes.map(([id]) => id));
  const h2 = heapUsed();
  parts.push({ part: 'the rest (state objects, empty parts, open alerts, map entries)', bytesPerActor: (h - h2) / n });
  const asc = sizes.map(([, b]) => b).sort((a, b) => a - b);
  return {
    figures: {
      actors: sizes.length,
      openAlerts: stats.openAlerts,
      measuredMean: (h0 - h2) / n,
      measuredTop1: 0,
      estimatedMean: asc.reduce((s, b) => s + b, 0) / n,
      estimatedP50: quantile(asc, 0.5),
      estimatedP99: quantile(asc, 0.99),
    },
    heapWithout: h2,
    parts,
    held,
  };
}

/** Forgets the state held (largest 1 % first), measuring what each step frees. */
function measureState(engine: Engine): { figures: StateFigures; heapWithout: number } {
  const sizes = [...engine.stateSizes()];
  const stats = engine.stats();
  sizes.sort((a, b) => b[1] - a[1]);
  const top = sizes.slice(0, Math.max(1, Math.ceil(sizes.length / 100)));
  const h0 = heapUsed();
  engine.forget(top.map(([id]) => id));
  const h1 = heapUsed();
  engine.forget(sizes.map(([id]) => id));
  const h2 = heapUsed();
  const asc = sizes.map(([, b]) => b).sort((a, b) => a - b);
  const n = Math.max(1, sizes.length);
  return {
    figures: {
      actors: sizes.length,
      openAlerts: stats.openAlerts,
      measuredMean: (h0 - h2) / n,
      measuredTop1: (h0 - h1) / Math.max(1, top.length),
      estimatedMean: asc.reduce((s, b) => s + b, 0) / n,
      estimatedP50: quantile(asc, 0.5),
      estimatedP99: quantile(asc, 0.99),
    },
    heapWithout: h2,
  };
}

/**
 * The enrichment tables, reachable until the state is measured, as `custos
 * run` holds them for its lifetime: every directory actor's state points to
 * its directory row (its profile), which forgetting the actor does not free
 * there. Unreachable once the events were read, they were freed with the
 * actors and counted as their state (about 0.37 KB per actor of the organisation).
 */
let enrichmentHeld: unknown = null;

function tablesFor(directoryCsv: string, rulesDir: string, tmp: string) {
  const directoryFile = join(tmp, 'actors.csv');
  writeFileSync(directoryFile, directoryCsv);
  const enrichmentDir = join(rulesDir, 'enrichment');
  return loadEnrichmentTables(enrichmentFilesInFolder(enrichmentDir, { directoryFile, defaultTimezone: 'UTC' }));
}

/** 15:00 UTC of the simulation's last weekday (Monday-Friday). */
function lastWeekdayAfternoon(startMs: number, days: number): number {
  for (let d = days - 1; d >= 0; d--) {
    const t = startMs + d * DAY + 15 * HOUR;
    const wd = new Date(t).getUTCDay();
    if (wd >= 1 && wd <= 5) return t;
  }
  return startMs + 15 * HOUR;
}

export function runScenario(o: ScenarioOptions): ScenarioResult {
  const rulesDir = resolve(o.rulesDir);
  const sim = createSimulation(o.kind === 'org' ? { seed: o.seed, actors: o.actors, days: o.days } : { seed: o.seed, actors: o.actors, days: 1, incidents: 'none', lookalikes: false });
  const tmp = mkdtempSync(join(tmpdir(), 'custos-bench-memory-'));
  try {
    const tables = tablesFor(sim.directoryCsv, rulesDir, tmp);
    enrichmentHeld = tables;
    const clock = new ManualClock(sim.config.startMs);
    const rules = loadRuleSet(rulesDir, { now: sim.config.startMs });
    const engine = createEngine({ rules, clock, ...(o.engine ?? {}) }) as Engine;
    const reader = createWireEventReader({ pseudonymKey: PSEUDONYM_KEY, tables });
    let alertUpdates = 0;
    let events = 0;
    const heapBefore = heapUsed();
    const progress = (): void => {
      const m = process.memoryUsage();
      emit({ progress: events, heapUsedMb: (m.heapUsed + m.arrayBuffers) / MB, rssMb: m.rss / MB, actors: engine.stats().actors });
    };

    if (o.kind === 'org') {
      const stopAt = lastWeekdayAfternoon(sim.config.startMs, sim.config.days);
      const replay = new EngineReplay({ engine, clock, startMs: sim.config.startMs, onOutput: (out) => (alertUpdates += out.alerts.length) });
      for (const w of sim.stream()) {
        const ev = reader.read(Buffer.from(JSON.stringify(w)), w.event_id);
        if (ev === null) continue;
        if (ev.ts >= stopAt) break;
        replay.evaluate(ev);
        if (++events % 200_000 === 0) progress();
      }
    } else {
      // Batches of 500 as the pipeline hands them over; processing time follows event time.
      const start = sim.config.startMs + 9 * HOUR;
      let batch: EnrichedEvent[] = [];
      let nextTick = start + 60_000;
      const flush = (): void => {
        if (batch.length === 0) return;
        const last = (batch[batch.length - 1] as EnrichedEvent).ts;
        clock.set(Math.max(clock.now(), last));
        alertUpdates += engine.evaluate(batch).alerts.length;
        batch = [];
        if (last >= nextTick) {
          alertUpdates += engine.tick().alerts.length;
          nextTick = last - (last % 60_000) + 60_000;
        }
      };
      const step = o.spanMs / o.ids;
      for (let i = 0; i < o.ids; i++) {
        const w: WireEvent = {
          event_id: `flood-${o.seed}-${i}`,
          ts: Math.floor(start + i * step),
          actor_id: `x${((i * 2_654_435_761) >>> 0).toString(16).padStart(8, '0')}${i.toString(36)}`,
          action: 'read',
          resource_type: 'customer',
          record_ids: [`c-${String(i % 1_000_000).padStart(6, '0')}`],
          fields: ['email'],
          outcome: 'success',
          channel: 'api',
          source_ip: `203.0.${(i >>> 8) & 255}.${i & 255}`,
        };
        const ev = reader.read(Buffer.from(JSON.stringify(w)), w.event_id);
        if (ev !== null) batch.push(ev);
        if (batch.length === 500) flush();
        if (++events % 100_000 === 0) progress();
      }
      flush();
    }

    const m = process.memoryUsage();
    const rssMb = m.rss / MB;
    const heapAfter = heapUsed();
    const engineStats = { ...engine.stats() };
    const measured = o.breakdown === true ? measureParts(engine) : { ...measureState(engine), parts: undefined, held: undefined };
    const { figures, heapWithout } = measured;
    const historyActors = engine.actorHistoryCount();
    const historyParts = o.breakdown === true ? measureHistoryParts(engine) : undefined;
    engine.forgetHistories();
    const history = { actors: historyActors, bytesPerActor: (heapWithout - heapUsed()) / Math.max(1, historyActors) };
    const label = o.kind === 'org' ? `organisation: ${o.actors} actors, ${o.days} days (seed ${o.seed})` : `flood: ${o.ids.toLocaleString('en-US')} distinct actor ids in ${o.spanMs / HOUR} h`;
    return {
      kind: o.kind,
      label,
      events,
      alertUpdates,
      heapBeforeMb: heapBefore / MB,
      heapAfterMb: heapAfter / MB,
      rssMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      state: figures,
      heapWithoutStateMb: heapWithout / MB,
      history,
      engineStats,
      ...(measured.parts !== undefined && { parts: measured.parts }),
      ...(historyParts !== undefined && { historyParts }),
      ...(measured.held !== undefined && { held: measured.held }),
    };
  } finally {
    enrichmentHeld = null;
    rmSync(tmp, { recursive: true, force: true });
  }
}
