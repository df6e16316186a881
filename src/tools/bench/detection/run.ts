/**
 * One detection-quality run, in process: simulator → decode → enrich → engine,
 * driven in event-time order with a virtual clock by the replay core
 * (src/tools/replay/, shared with `custos backtest`). The simulator's stream is
 * consumed as it is produced (nothing but the alerts is kept).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManualClock } from '../../../clock.js';
import { enrichmentFilesInFolder, loadEnrichmentTables } from '../../../runtime/enrich/tables.js';
import type { EngineOutput, EngineStats } from '../../../runtime/engine/api.js';
import { createEngine, loadRuleSet } from '../../../runtime/engine/index.js';
import { EngineReplay, createWireEventReader } from '../../replay/index.js';
import { createPolicyAudit, policyClaims } from '../../sim/audit-simulation.js';
import { type SimConfig, createSimulation } from '../../sim/simulator.js';
import type { SimLabels } from '../../sim/types.js';
import { type ClosestApproach, ClosestApproachProbe } from './closest.js';
import type { ObservedUpdate } from './scoring.js';

export interface DetectionRunOptions extends SimConfig {
  /** Rules folder (default `rules`, relative to the working directory). */
  readonly rulesDir?: string;
  /** Folder holding zones.yaml, fields.yaml, calendar.yaml (default `<rulesDir>/enrichment`). */
  readonly enrichmentDir?: string;
  /** engine.tick() every this much event time (default 60 s). */
  readonly tickEveryMs?: number;
  /** Called every `progressEvery` events (default 100 000). */
  readonly onProgress?: (events: number) => void;
  readonly progressEvery?: number;
}

export interface DetectionRunResult {
  readonly seed: number;
  readonly labels: SimLabels;
  readonly updates: readonly ObservedUpdate[];
  readonly events: number;
  readonly rejected: number;
  readonly rejectionSample: readonly string[];
  /** Closed activity rows the engine handed out (what would go to ClickHouse). */
  readonly activityRows: number;
  /** Wall time of the whole run (simulation included) and of decode+enrich+engine alone. */
  readonly totalMs: number;
  readonly pipelineMs: number;
  /** What `pipelineMs` covers, for the report (default: decode+enrich+engine). */
  readonly pipelineLabel?: string;
  readonly engineStats: EngineStats;
  /** Role and directory status per actor id. */
  readonly actors: ReadonlyMap<string, { readonly role: string; readonly status: string }>;
  /** Per incident id: how close each rule came during the incident (in process only; the live run cannot watch the engine). */
  readonly closest?: ReadonlyMap<string, ClosestApproach>;
}

const PSEUDONYM_KEY = 'custos-bench-detection-pseudonym-key-0001';
const HOUR = 3_600_000;

export function runDetection(opts: DetectionRunOptions): DetectionRunResult {
  const t0 = performance.now();
  const rulesDir = resolve(opts.rulesDir ?? 'rules');
  const enrichmentDir = resolve(opts.enrichmentDir ?? join(rulesDir, 'enrichment'));
  const tickEvery = opts.tickEveryMs ?? 60_000;
  const progressEvery = opts.progressEvery ?? 100_000;

  const sim = createSimulation(opts);
  const tmp = mkdtempSync(join(tmpdir(), 'custos-bench-'));
  try {
    const directoryFile = join(tmp, 'actors.csv');
    writeFileSync(directoryFile, sim.directoryCsv);
    const tables = loadEnrichmentTables(enrichmentFilesInFolder(enrichmentDir, { directoryFile, defaultTimezone: 'UTC' }));
    const clock = new ManualClock(sim.config.startMs);
    const rules = loadRuleSet(rulesDir, { now: sim.config.startMs });
    // Watches the incident actors, so a miss can say how close each rule came.
    const probe = new ClosestApproachProbe(sim.plan.incidents.map((i) => i.actor.actor_id));
    const engine = createEngine({ rules, clock, probe });
    const reader = createWireEventReader({ pseudonymKey: PSEUDONYM_KEY, tables, maxMessageBytes: 1 << 20 });
    // The simulator's own check on the same pass: a policy-allowed incident must not break a policy clause.
    const audit = policyClaims(sim.plan).length > 0 ? createPolicyAudit(sim.plan, rules) : null;

    // Only what scoring needs is kept of each update (a run emits thousands).
    const updates: ObservedUpdate[] = [];
    let activityRows = 0;
    const collect = (out: EngineOutput, at: number): void => {
      activityRows += out.activity.length;
      for (const u of out.alerts) {
        const a = u.alert;
        updates.push({
          alert_id: a.alert_id,
          rule_id: a.rule_id,
          actor_id: a.actor_id,
          notify: u.notify,
          revision: a.revision,
          tier: a.tier,
          severity: a.severity,
          window_label: a.window_label,
          at,
          first_event_ts: a.first_event_ts,
          summary: a.summary,
          ...(a.status !== undefined && { status: a.status }),
        });
      }
    };
    const replay = new EngineReplay({ engine, clock, startMs: sim.config.startMs, tickEveryMs: tickEvery, onOutput: collect });

    const stream = sim.stream();
    let events = 0;
    let pipelineMs = 0;
    for (const w of stream) {
      events++;
      const p0 = performance.now();
      const ev = reader.read(Buffer.from(JSON.stringify(w)), w.event_id);
      if (ev !== null) replay.evaluate(ev);
      pipelineMs += performance.now() - p0;
      if (ev !== null && audit?.watches(ev.actor_id)) audit.observe(ev, stream.lastTag);
      if (ev !== null && opts.onProgress && events % progressEvery === 0) opts.onProgress(events);
    }
    audit?.assertAllowed();
    // Let event time run out: close the last buckets and idle alerts.
    const p1 = performance.now();
    replay.finish(sim.config.endMs + 26 * HOUR);
    pipelineMs += performance.now() - p1;
    const rejected = reader.rejections.total;
    const rejectionSample = reader.rejections.sample;
    const labels = stream.labels();
    return {
      seed: sim.config.seed,
      labels,
      updates,
      events,
      rejected,
      rejectionSample,
      activityRows,
      totalMs: performance.now() - t0,
      pipelineMs,
      engineStats: engine.stats(),
      actors: new Map(sim.actors.map((a) => [a.actor_id, { role: a.role, status: a.employment_status }])),
      closest: new Map(labels.incidents.map((i) => [i.id, probe.closest(i)])),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
