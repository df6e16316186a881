/**
 * Runs the policy audit (policy-audit.ts) over a simulation: which incidents
 * claim to be policy-allowed, and a pass over the stream that decodes and
 * enriches (the real decode and enrich) the events of their actors only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EnrichmentTables, enrichmentFilesInFolder, loadEnrichmentTables } from '../../runtime/enrich/tables.js';
import { type RuleSet, loadRuleSet } from '../../runtime/engine/index.js';
import { createWireEventReader } from '../replay/index.js';
import type { Plan } from './incidents.js';
import { type PolicyBreach, type PolicyClaim, PolicyAudit } from './policy-audit.js';
import type { Simulation } from './simulator.js';
import { isAllowedIncidentType } from './types.js';

/**
 * What claims that every event is policy-allowed: the policy-allowed incidents,
 * and every look-alike (ordinary work, which a benign twin of an incident must
 * be: a look-alike over its role's budget is a policy breach the monitor is
 * right to alert on, not a false alert).
 */
export function policyClaims(plan: Plan): PolicyClaim[] {
  return [
    ...plan.incidents.filter((i) => isAllowedIncidentType(i.type)).map((i) => ({ id: i.id, type: i.type, actor_id: i.actor.actor_id })),
    ...plan.lookalikes.map((l) => ({ id: l.id, type: l.type, actor_id: l.actor.actor_id })),
  ];
}

export function createPolicyAudit(plan: Plan, rules: RuleSet): PolicyAudit {
  return new PolicyAudit(rules, policyClaims(plan));
}

/** Enrichment tables for a simulation: its directory, the zones, fields and calendar of `enrichmentDir`. */
export function simulationTables(directoryCsv: string, enrichmentDir: string): EnrichmentTables {
  const tmp = mkdtempSync(join(tmpdir(), 'custos-sim-audit-'));
  try {
    const directoryFile = join(tmp, 'actors.csv');
    writeFileSync(directoryFile, directoryCsv);
    return loadEnrichmentTables(enrichmentFilesInFolder(enrichmentDir, { directoryFile, defaultTimezone: 'UTC' }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The key only pseudonymises record ids for the audit's own decode; policy never reads them. */
const AUDIT_PSEUDONYM_KEY = 'custos-sim-policy-audit-pseudonym-key-01';

export interface AuditOptions {
  /** Rules folder (default `rules`). */
  readonly rulesDir?: string;
  /** zones.yaml, fields.yaml, calendar.yaml (default `<rulesDir>/enrichment`). */
  readonly enrichmentDir?: string;
}

/** One pass over the simulation; the breaches of its policy-allowed incidents (empty: all allowed). */
export function auditSimulation(sim: Simulation, opts: AuditOptions = {}): readonly PolicyBreach[] {
  const rulesDir = resolve(opts.rulesDir ?? 'rules');
  const audit = createPolicyAudit(sim.plan, loadRuleSet(rulesDir, { now: sim.config.startMs }));
  if (policyClaims(sim.plan).length === 0) return [];
  const tables = simulationTables(sim.directoryCsv, resolve(opts.enrichmentDir ?? join(rulesDir, 'enrichment')));
  const reader = createWireEventReader({ pseudonymKey: AUDIT_PSEUDONYM_KEY, tables });
  const stream = sim.stream();
  for (const w of stream) {
    if (!audit.watches(w.actor_id)) continue;
    const ev = reader.read(Buffer.from(JSON.stringify(w)), w.event_id);
    if (ev !== null) audit.observe(ev, stream.lastTag);
  }
  return audit.result();
}
