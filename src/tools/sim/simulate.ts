/**
 * `simulate()`: run a scenario and write it to a directory:
 *   events.ndjson  one wire-contract v1 event per line, ordered by event time
 *   actors.csv     the actor directory (enrichment input)
 *   labels.json    ground truth: incidents and look-alikes with their event ids, counts
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { loadRuleSet } from '../../runtime/engine/index.js';
import { createWireEventReader } from '../replay/index.js';
import { createPolicyAudit, policyClaims, simulationTables } from './audit-simulation.js';
import { type SimConfig, createSimulation } from './simulator.js';
import type { IncidentSpec, SimLabels } from './types.js';

export interface SimulateOptions extends SimConfig {
  /** Output directory (created if missing). */
  readonly out: string;
  /** Rules folder the policy audit judges policy-allowed incidents with (default `rules`). */
  readonly rulesDir?: string;
  /** Where the summary goes; default console.log. Pass `() => {}` for silence. */
  readonly log?: (line: string) => void;
}

export interface SimulateResult {
  readonly files: { readonly events: string; readonly actors: string; readonly labels: string };
  readonly labels: SimLabels;
  readonly elapsedMs: number;
}

export function simulate(opts: SimulateOptions): SimulateResult {
  const log = opts.log ?? ((line: string) => console.log(line));
  const t0 = performance.now();
  const cfg: SimConfig = {
    seed: opts.seed,
    ...(opts.actors !== undefined && { actors: opts.actors }),
    ...(opts.days !== undefined && { days: opts.days }),
    ...(opts.start !== undefined && { start: opts.start }),
    ...(opts.incidents !== undefined && { incidents: opts.incidents }),
    ...(opts.lookalikes !== undefined && { lookalikes: opts.lookalikes }),
    ...(opts.historyDays !== undefined && { historyDays: opts.historyDays }),
    ...(opts.customers !== undefined && { customers: opts.customers }),
  };
  const sim = createSimulation(cfg);
  mkdirSync(opts.out, { recursive: true });
  const files = {
    events: join(opts.out, 'events.ndjson'),
    actors: join(opts.out, 'actors.csv'),
    labels: join(opts.out, 'labels.json'),
  };
  writeFileSync(files.actors, sim.directoryCsv);
  // The simulator's own check: policy-allowed incidents must pass the policy (throws PolicyBreachError).
  const rulesDir = resolve(opts.rulesDir ?? 'rules');
  const audit = policyClaims(sim.plan).length > 0 ? createPolicyAudit(sim.plan, loadRuleSet(rulesDir, { now: sim.config.startMs })) : null;
  const reader = audit === null ? null : createWireEventReader({ pseudonymKey: 'custos-sim-policy-audit-pseudonym-key-01', tables: simulationTables(sim.directoryCsv, join(rulesDir, 'enrichment')) });
  const fd = openSync(files.events, 'w');
  try {
    let buf = '';
    const stream = sim.stream();
    for (const e of stream) {
      const line = JSON.stringify(e);
      if (audit !== null && reader !== null && audit.watches(e.actor_id)) {
        const ev = reader.read(Buffer.from(line), e.event_id);
        if (ev !== null) audit.observe(ev, stream.lastTag);
      }
      buf += `${line}\n`;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = '';
      }
    }
    if (buf.length > 0) writeSync(fd, buf);
    audit?.assertAllowed();
    const labels = stream.labels();
    writeFileSync(files.labels, `${JSON.stringify(labels, null, 2)}\n`);
    const elapsedMs = performance.now() - t0;
    for (const line of summarize(labels, elapsedMs)) log(line);
    return { files, labels, elapsedMs };
  } finally {
    closeSync(fd);
  }
}

/** Human-readable summary of a simulated run. */
export function summarize(labels: SimLabels, elapsedMs?: number): string[] {
  const c = labels.counts;
  const lines = [
    `seed ${labels.seed}: ${labels.days} days from ${labels.start.slice(0, 10)}, evaluation from ${labels.evaluation_start.slice(0, 10)}`,
    `events ${c.events} (incident ${c.incident_events}, look-alike ${c.lookalike_events})` +
      (elapsedMs !== undefined ? ` in ${(elapsedMs / 1000).toFixed(1)} s (${Math.round(c.events / (elapsedMs / 1000))} events/s)` : ''),
    `actors ${c.actors} (${c.actors_with_traffic} with traffic), benign actor-days ${c.benign_actor_days}`,
    `by role: ${Object.entries(c.by_role)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `by action: ${Object.entries(c.by_action)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  ];
  for (const i of labels.incidents) lines.push(`incident ${i.id} actor=${i.actor_id} ${i.start} .. ${i.end} events=${i.event_ids.length}: ${i.description}`);
  for (const l of labels.lookalikes) lines.push(`look-alike ${l.id} actor=${l.actor_id} ${l.start} .. ${l.end} events=${l.event_ids.length}`);
  return lines;
}
