/**
 * Detection quality on simulated traffic, through the real decode → enrich →
 * engine with the shipped rules (rules/). For two fixed seeds, a modest run
 * (80 actors, 21 days: two weeks of benign history, then the incidents) must
 * detect every incident type with one alert each, raise no false alert after
 * the history period and leave every look-alike without an alert.
 *
 * The full benchmark with all figures is `npm run bench:detection`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type DetectionRunResult, runDetection } from '../../src/tools/bench/detection/run.js';
import { type RunScore, scoreRun } from '../../src/tools/bench/detection/scoring.js';
import { INCIDENT_TYPES, LOOKALIKE_TYPES } from '../../src/tools/sim/types.js';

const SEEDS = [1, 2];
const CONFIG = { actors: 80, days: 21, start: '2026-03-16', historyDays: 14 } as const;

describe.each(SEEDS)('seed %i', (seed) => {
  let result: DetectionRunResult;
  let score: RunScore;

  beforeAll(() => {
    result = runDetection({ seed, ...CONFIG });
    score = scoreRun(result.labels, result.updates);
  }, 180_000);

  it('decodes every simulated event', () => {
    expect(result.rejectionSample).toEqual([]);
    expect(result.events).toBeGreaterThan(50_000);
  });

  it.each(INCIDENT_TYPES)('detects %s', (type) => {
    const incidents = score.incidents.filter((i) => i.type === type);
    expect(incidents.length).toBeGreaterThan(0);
    const missed = incidents.filter((i) => !i.detected).map((i) => `${i.id} (${i.actor_id})`);
    expect(missed).toEqual([]);
  });

  it('raises one alert per detected incident: whatever fires for the actor merges into it', () => {
    const detected = score.incidents.filter((i) => i.detected);
    expect(detected.filter((i) => i.alerts !== 1).map((i) => `${i.id}: ${i.alerts} alerts`)).toEqual([]);
  });

  it('raises no false alert in the evaluation period', () => {
    const falseAlerts = score.alerts.filter((a) => a.cls === 'benign' || a.cls === 'lookalike').map((a) => `${a.rule_id} ${a.actor_id}: ${a.summary}`);
    expect(falseAlerts).toEqual([]);
  });

  it.each(LOOKALIKE_TYPES)('raises no alert on the look-alike %s', (type) => {
    const lookalikes = score.lookalikes.filter((l) => l.type === type);
    expect(lookalikes.length).toBeGreaterThan(0);
    const alerted = lookalikes.filter((l) => l.alerted).map((l) => `${l.id} (${l.actor_id}): ${l.rules.join(', ')}`);
    expect(alerted).toEqual([]);
  });
});
