import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, loadRuleSet } from '../../../src/runtime/engine/index.js';
import { loadEnrichmentTables } from '../../../src/runtime/enrich/tables.js';
import { incidentSchedule, messagesDue, productionEndMs } from '../../../src/tools/bench/latency/schedule.js';
import { latencySummary, rangeText } from '../../../src/tools/bench/latency/summary.js';
import { BackgroundTraffic, INCIDENT_PREFIX, directoryCsv, incidentActor, incidentEvent, incidentKind } from '../../../src/tools/bench/latency/traffic.js';
import { EngineReplay } from '../../../src/tools/replay/engine-replay.js';
import { createWireEventReader } from '../../../src/tools/replay/wire-events.js';
import { validateWireEvent } from '../../../src/tools/sim/wire.js';

describe('latency benchmark: the schedule of produce times', () => {
  it('a steady rate: whole messages due by the elapsed time, never ahead of it', () => {
    expect(messagesDue(1000, 0)).toBe(0);
    expect(messagesDue(1000, 0.9)).toBe(0);
    expect(messagesDue(1000, 1)).toBe(1);
    expect(messagesDue(1000, 999.9)).toBe(999);
    expect(messagesDue(9814.5, 10_000)).toBe(98_145);
    expect(messagesDue(0, 5000)).toBe(0);
    expect(messagesDue(100, -5)).toBe(0);
    // Monotonic, and the total after a second is the rate.
    let last = 0;
    for (let t = 0; t <= 1000; t += 7) {
      const n = messagesDue(333, t);
      expect(n).toBeGreaterThanOrEqual(last);
      expect(n).toBeLessThanOrEqual((333 * t) / 1000);
      last = n;
    }
    expect(messagesDue(333, 1000)).toBe(333);
  });

  it('incidents at the middle of equal slices of each round, after the warm-up', () => {
    const o = { warmupMs: 1000, rounds: 2, roundMs: 1000, perRound: 2 };
    expect(incidentSchedule(o)).toEqual([
      { index: 0, round: 1, atMs: 1250 },
      { index: 1, round: 1, atMs: 1750 },
      { index: 2, round: 2, atMs: 2250 },
      { index: 3, round: 2, atMs: 2750 },
    ]);
    expect(productionEndMs(o)).toBe(3000);
    const big = incidentSchedule({ warmupMs: 10_000, rounds: 5, roundMs: 20_000, perRound: 10 });
    expect(big).toHaveLength(50);
    for (const s of big) {
      const roundStart = 10_000 + (s.round - 1) * 20_000;
      expect(s.atMs).toBeGreaterThan(roundStart);
      expect(s.atMs).toBeLessThan(roundStart + 20_000);
    }
    expect(big.map((s) => s.index)).toEqual(big.map((_, i) => i));
  });
});

describe('latency benchmark: percentiles', () => {
  it('count, p50, p95, p99 and max, interpolated between ranks; missing samples do not count', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencySummary([...xs, Number.NaN])).toEqual({ count: 100, p50: 50.5, p95: 95.05, p99: 99.01, max: 100 });
    expect(latencySummary([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(latencySummary([Number.NaN])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });

  it('ranges over rounds', () => {
    expect(rangeText([120.4, null, 95.6, 101])).toBe('96–120');
    expect(rangeText([5, 5])).toBe('5');
    expect(rangeText([null])).toBe('n/a');
  });
});

describe('latency benchmark: the traffic', () => {
  it('background traffic at full speed alerts on nothing; each incident opens exactly one alert of its own actor', () => {
    const rulesDir = 'rules';
    const incidents = 6;
    const tmp = mkdtempSync(join(tmpdir(), 'custos-latency-traffic-'));
    try {
      const directoryFile = join(tmp, 'actors.csv');
      writeFileSync(directoryFile, directoryCsv(50, incidents));
      const tables = loadEnrichmentTables({
        directoryFile,
        zonesFile: join(rulesDir, 'enrichment', 'zones.yaml'),
        fieldsFile: join(rulesDir, 'enrichment', 'fields.yaml'),
        calendarFile: join(rulesDir, 'enrichment', 'calendar.yaml'),
        defaultTimezone: 'UTC',
      });
      // A Saturday night: the background must not depend on the hour the benchmark runs at.
      const start = Date.parse('2026-03-14T23:30:00Z');
      const clock = new ManualClock(start);
      const engine = createEngine({ rules: loadRuleSet(rulesDir, { now: start }), clock });
      const reader = createWireEventReader({ pseudonymKey: 'unit-test-pseudonym-key-0123456789abcdef', tables });
      const alertsByActor = new Map<string, Set<string>>();
      const replay = new EngineReplay({
        engine,
        clock,
        startMs: start,
        onOutput: (out) => {
          for (const u of out.alerts) {
            const ids = alertsByActor.get(u.alert.actor_id) ?? new Set<string>();
            ids.add(u.alert.alert_id);
            alertsByActor.set(u.alert.actor_id, ids);
          }
        },
      });
      const traffic = new BackgroundTraffic(50, 'unit');
      // 24,000 background events in 2 minutes (200/s, 4 per actor and second), incidents among them.
      const n = 24_000;
      let incident = 0;
      for (let i = 0; i < n; i++) {
        const ts = start + Math.floor((i * 120_000) / n);
        const w = traffic.next(ts);
        expect(validateWireEvent(w)).toEqual({ ok: true });
        const e = reader.read(Buffer.from(JSON.stringify(w)));
        expect(e).not.toBeNull();
        replay.evaluate(e!);
        if (i % 4_000 === 2_000 && incident < incidents) {
          const inc = incidentEvent(incident++, ts, 'unit');
          expect(validateWireEvent(inc)).toEqual({ ok: true });
          replay.evaluate(reader.read(Buffer.from(JSON.stringify(inc)))!);
        }
      }
      expect(incident).toBe(incidents);
      expect([...alertsByActor.keys()].sort()).toEqual(Array.from({ length: incidents }, (_, i) => incidentActor(i)));
      for (const ids of alertsByActor.values()) expect(ids.size).toBe(1);
      expect(reader.rejections.total).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('incident actors carry the prefix, alternate between two kinds, and only the terminated ones are in the directory', () => {
    expect(incidentActor(7).startsWith(INCIDENT_PREFIX)).toBe(true);
    expect([0, 1, 2, 3].map(incidentKind)).toEqual(['terminated', 'unknown_actor', 'terminated', 'unknown_actor']);
    const csv = directoryCsv(2, 4);
    expect(csv).toContain(`${incidentActor(0)},support_agent,customer_care,terminated`);
    expect(csv).toContain(`${incidentActor(2)},support_agent,customer_care,terminated`);
    expect(csv).not.toContain(incidentActor(1));
    expect(csv).not.toContain(incidentActor(3));
    const bg = new BackgroundTraffic(2, 't');
    const keys = Array.from({ length: 10 }, () => bg.next(0).actor_id);
    expect(keys.some((k) => k.startsWith(INCIDENT_PREFIX))).toBe(false);
  });
});
