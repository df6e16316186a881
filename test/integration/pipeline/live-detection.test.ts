/**
 * Detection through the live pipeline (`custos bench detection --live`): the
 * labeled simulator feeds Kafka, the monitor consumes it into ClickHouse, and
 * the alerts read back from ClickHouse are scored. One fixed seed, the same
 * modest organisation as test/detection/detection.test.ts: every incident type
 * is detected and no look-alike alerts, exactly as in process.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runDetectionLive } from '../../../src/tools/bench/detection/live.js';
import type { DetectionRunResult } from '../../../src/tools/bench/detection/run.js';
import { type RunScore, scoreRun } from '../../../src/tools/bench/detection/scoring.js';
import { INCIDENT_TYPES, LOOKALIKE_TYPES } from '../../../src/tools/sim/types.js';

describe('detection through Kafka → monitor → ClickHouse (seed 1)', () => {
  let result: DetectionRunResult;
  let score: RunScore;

  beforeAll(async () => {
    result = await runDetectionLive(
      { seed: 1, actors: 80, days: 21, start: '2026-03-16', historyDays: 14 },
      {
        brokers: inject('kafkaBrokers'),
        clickhouseUrl: inject('clickhouseUrl'),
        clickhouseUsername: inject('clickhouseUsername'),
        clickhousePassword: inject('clickhousePassword'),
      },
    );
    score = scoreRun(result.labels, result.updates);
  }, 300_000);

  it('stores every simulated event and rejects none', () => {
    expect(result.events).toBeGreaterThan(50_000);
    expect(result.rejected).toBe(0);
  });

  it.each(INCIDENT_TYPES)('detects %s from the alerts stored in ClickHouse', (type) => {
    const incidents = score.incidents.filter((i) => i.type === type);
    expect(incidents.length).toBeGreaterThan(0);
    expect(incidents.filter((i) => !i.detected).map((i) => `${i.id} (${i.actor_id})`)).toEqual([]);
  });

  it.each(LOOKALIKE_TYPES)('raises no alert on the look-alike %s', (type) => {
    const lookalikes = score.lookalikes.filter((l) => l.type === type);
    expect(lookalikes.length).toBeGreaterThan(0);
    expect(lookalikes.filter((l) => l.alerted).map((l) => `${l.id} (${l.actor_id}): ${l.rules.join(', ')}`)).toEqual([]);
  });
});
