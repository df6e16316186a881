/**
 * The alerts are a function of the input, not of how the partitions happen
 * to interleave (issue 7, finding 5). The same simulated events, split into
 * three partitions by actor as Kafka does, are evaluated batch by batch in
 * seeded random interleavings (as the live monitor drains a backlog, fetching
 * up to thousands of events per partition at a time), through the monitor's
 * own PartitionAlignment (a partition too far ahead is cut and waits) and with
 * the engine told how far the other partitions are. Each interleaving must
 * give exactly the alerts, revision for revision, of a replay of the same
 * events in event-time order. Without alignment and as-of baselines, runs
 * differed from each other and from the replay: peer and role baselines were
 * computed from whatever other partitions' hours had been read by then.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createEngine, loadRuleSet, type AlertUpdate } from '../../src/runtime/engine/index.js';
import { loadEnrichmentTables } from '../../src/runtime/enrich/tables.js';
import type { EnrichedEvent } from '../../src/model/enriched.js';
import { PartitionAlignment } from '../../src/runtime/pipeline/partition-alignment.js';
import { EngineReplay, createWireEventReader } from '../../src/tools/replay/index.js';
import { Rng } from '../../src/tools/sim/rng.js';
import { createSimulation } from '../../src/tools/sim/simulator.js';

const EVENTS = 100_000;
const PARTITIONS = 3;
const MAX_BATCH = 8_000;
const WALL_START = Date.UTC(2026, 11, 1);

function partitionOf(actorId: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return partitioner({ topic: 't', partitionMetadata, message: { key: actorId, value: null } });
}

function load(): { sorted: EnrichedEvent[]; parts: EnrichedEvent[][]; startMs: number } {
  const sim = createSimulation({ seed: 7, actors: 300, days: 60, incidents: 'default' });
  const dir = mkdtempSync(join(tmpdir(), 'custos-interleaving-'));
  try {
    const directoryFile = join(dir, 'actors.csv');
    writeFileSync(directoryFile, sim.directoryCsv);
    const tables = loadEnrichmentTables({
      directoryFile,
      zonesFile: 'rules/enrichment/zones.yaml',
      fieldsFile: 'rules/enrichment/fields.yaml',
      calendarFile: 'rules/enrichment/calendar.yaml',
      defaultTimezone: 'UTC',
    });
    const reader = createWireEventReader({ pseudonymKey: 'interleaving-test-pseudonym-key-0123456789', tables });
    const sorted: EnrichedEvent[] = [];
    const parts: EnrichedEvent[][] = Array.from({ length: PARTITIONS }, () => []);
    let n = 0;
    for (const w of sim.stream()) {
      if (n++ >= EVENTS) break;
      const e = reader.read(Buffer.from(JSON.stringify(w), 'utf8'));
      if (e === null) continue;
      sorted.push(e);
      parts[partitionOf(e.actor_id)]?.push(e);
    }
    return { sorted, parts, startMs: sim.config.startMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Final revision of each alert, as comparable JSON. */
function finals(updates: readonly AlertUpdate[]): string[] {
  const latest = new Map<string, AlertUpdate>();
  for (const u of updates) if ((latest.get(u.alert.alert_id)?.alert.revision ?? 0) <= u.alert.revision) latest.set(u.alert.alert_id, u);
  return [...latest.values()].map((u) => JSON.stringify({ ...u.alert, state: u.state })).sort();
}

function replaySorted(sorted: readonly EnrichedEvent[], startMs: number): string[] {
  const clock = new ManualClock(startMs);
  const engine = createEngine({ rules: loadRuleSet('rules'), clock });
  const updates: AlertUpdate[] = [];
  const replay = new EngineReplay({ engine, clock, startMs, onOutput: (out) => updates.push(...out.alerts) });
  for (const e of sorted) replay.evaluate(e);
  return finals(updates);
}

/** One possible drain: batches of random size from random partitions, through the monitor's alignment, on a clock that barely moves. */
function drainInterleaved(parts: readonly EnrichedEvent[][], seed: number, aligned: boolean): { finals: string[]; provisional: number } {
  const rng = new Rng(seed);
  const clock = new ManualClock(WALL_START);
  const rules = loadRuleSet('rules');
  const engine = createEngine({ rules, clock });
  const alignment = new PartitionAlignment(() => rules.settings.group_baseline_margin - rules.settings.lateness, () => clock.now());
  alignment.assign(parts.map((_, i) => i));
  const pos = parts.map(() => 0);
  const paused = new Set<number>();
  const updates: AlertUpdate[] = [];
  let nextTick = WALL_START + 15_000;
  for (;;) {
    for (const p of alignment.resumable()) paused.delete(p);
    const ready = parts.map((_, i) => i).filter((i) => pos[i]! < parts[i]!.length && !paused.has(i));
    if (ready.length === 0) {
      if (parts.every((x, i) => pos[i] === x.length)) break;
      throw new Error('every partition with events left is paused: the alignment deadlocked');
    }
    const p = rng.pick(ready);
    const events = parts[p] as EnrichedEvent[];
    const batch = events.slice(pos[p], pos[p]! + rng.int(MAX_BATCH / 4, MAX_BATCH));
    const bound = aligned ? alignment.bound(p) : Number.POSITIVE_INFINITY;
    let taken = 0;
    while (taken < batch.length && (batch[taken] as EnrichedEvent).ts <= bound) taken++;
    const evaluated = batch.slice(0, taken);
    // Positions are tracked either way (the engine learns how far the others are); only an aligned drain cuts.
    if (evaluated.length > 0) updates.push(...engine.evaluate(evaluated, { othersCompleteTo: alignment.othersCompleteTo(p) }).alerts);
    pos[p]! += taken;
    const heldFrom = taken < batch.length ? (batch[taken] as EnrichedEvent).ts : null;
    alignment.evaluated(p, { lastTs: evaluated.at(-1)?.ts ?? Number.NEGATIVE_INFINITY, heldFrom, reachedEnd: pos[p] === events.length });
    if (heldFrom !== null) {
      paused.add(p);
      alignment.paused(p);
    }
    clock.advance(20);
    if (clock.now() >= nextTick) {
      updates.push(...engine.tick((actorId) => !alignment.hasBacklog(partitionOf(actorId))).alerts);
      nextTick += 15_000;
    }
  }
  return { finals: finals(updates), provisional: engine.stats().provisionalJudgments ?? 0 };
}

describe('alerts do not depend on partition interleaving', () => {
  let data: ReturnType<typeof load>;
  let reference: string[];

  beforeAll(() => {
    data = load();
    reference = replaySorted(data.sorted, data.startMs);
  }, 180_000);

  it('the replay in event-time order has alerts to compare', () => {
    expect(reference.length).toBeGreaterThan(0);
  });

  it.each([1, 2, 3])('aligned interleaving %i gives the replay’s alerts, field for field, with every peer snapshot final', (seed) => {
    const run = drainInterleaved(data.parts, seed, true);
    expect(run.provisional).toBe(0);
    expect(run.finals).toEqual(reference);
  }, 180_000);

  it('without alignment, an interleaving judges with provisional peer snapshots and its alerts differ (this seed: 5 against 3)', () => {
    const r = drainInterleaved(data.parts, 1, false);
    expect(r.provisional).toBeGreaterThan(0);
    expect(r.finals).not.toEqual(reference);
  }, 180_000);
});
