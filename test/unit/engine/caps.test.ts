/**
 * Memory caps: with a tiny actor cap, evicted actors are rebuilt from what
 * the sinks stored (here an in-memory stand-in for ClickHouse that answers
 * like src/runtime/outputs/clickhouse/actor-state.ts) before their next events, and
 * the alerts are the same as without a cap. The open-alert cap and the
 * history cap bound what they say.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { loadEnrichmentTables } from '../../../src/runtime/enrich/tables.js';
import type { ActorActivityRow, AlertUpdate, EngineHistory, EngineOutput } from '../../../src/runtime/engine/api.js';
import { createEngine, loadRuleSet } from '../../../src/runtime/engine/index.js';
import type { Engine } from '../../../src/runtime/engine/engine.js';
import type { AlertRevision as Alert } from '../../../src/model/alert.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { createWireEventReader } from '../../../src/tools/replay/index.js';
import { createSimulation } from '../../../src/tools/sim/simulator.js';
import { ev, ref, T0 } from './support/enrich.js';
import { ENGINE_RULES, rules } from './support/rules.js';

/** The simulated organisation's events, decoded and enriched as live (deterministic). */
function simulatedEvents(): EnrichedEvent[] {
  const sim = createSimulation({ seed: 3, actors: 40, days: 9, historyDays: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'custos-caps-'));
  try {
    writeFileSync(join(dir, 'actors.csv'), sim.directoryCsv);
    const tables = loadEnrichmentTables({
      directoryFile: join(dir, 'actors.csv'),
      zonesFile: 'rules/enrichment/zones.yaml',
      fieldsFile: 'rules/enrichment/fields.yaml',
      calendarFile: 'rules/enrichment/calendar.yaml',
      defaultTimezone: 'UTC',
    });
    const reader = createWireEventReader({ pseudonymKey: 'custos-caps-test-pseudonym-key-0000001', tables });
    const out: EnrichedEvent[] = [];
    for (const w of sim.stream()) {
      const e = reader.read(Buffer.from(JSON.stringify(w)));
      if (e !== null) out.push(e);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the sinks stored: every event, the latest revision of each alert, the fullest row of each bucket. */
class StoredState {
  readonly events: EnrichedEvent[] = [];
  readonly alerts = new Map<string, AlertUpdate>();
  readonly activity = new Map<string, ActorActivityRow>();
  store(out: EngineOutput, events: readonly EnrichedEvent[]): void {
    this.events.push(...events);
    for (const u of out.alerts) {
      const held = this.alerts.get(u.alert.alert_id);
      if (held === undefined || held.alert.revision < u.alert.revision) this.alerts.set(u.alert.alert_id, u);
    }
    for (const r of out.activity) {
      const k = `${r.actor_id}|${r.granularity}|${r.bucket_start}`;
      const held = this.activity.get(k);
      if (held === undefined || held.events < r.events) this.activity.set(k, r);
    }
  }
  /** As actor-state.ts loads it: each actor's events and alerts within `windowMs` of its newest event, its rows. */
  load(actorIds: readonly string[], windowMs: number): EngineHistory {
    const ids = new Set(actorIds);
    const latest = new Map<string, number>();
    for (const e of this.events) if (ids.has(e.actor_id)) latest.set(e.actor_id, Math.max(latest.get(e.actor_id) ?? -Infinity, e.ts));
    const from = (id: string) => (latest.get(id) ?? Infinity) - windowMs;
    return {
      // In arrival order (their Kafka offsets), as live: an event that came late is late again.
      recentEvents: this.events.filter((e) => ids.has(e.actor_id) && e.ts >= from(e.actor_id)),
      alerts: [...this.alerts.values()]
        .filter((u) => ids.has(u.alert.actor_id) && u.alert.last_event_ts >= from(u.alert.actor_id))
        .map((u) => ({ alert: u.alert, state: u.state })),
      activity: [...this.activity.values()].filter((r) => ids.has(r.actor_id)).sort((a, b) => a.bucket_start - b.bucket_start),
    };
  }
}

/** Batches of 50 events as the pipeline hands them over, ticking each minute; evicted actors rebuilt first. */
function run(events: readonly EnrichedEvent[], caps: { maxActors?: number; maxOpenAlerts?: number }) {
  const clock = new ManualClock(events[0]?.ts ?? 0);
  const engine = createEngine({ rules: loadRuleSet('rules', { now: clock.now() }), clock, ...caps }) as Engine;
  const stored = new StoredState();
  let maxHeld = 0;
  let rebuilt = 0;
  let nextTick = clock.now() + 60_000;
  for (let i = 0; i < events.length; i += 50) {
    const batch = events.slice(i, i + 50);
    const last = (batch[batch.length - 1] as EnrichedEvent).ts;
    if (last >= nextTick) {
      clock.set(last);
        stored.store(engine.tick(), []);
      nextTick = last - (last % 60_000) + 60_000;
    }
    clock.set(Math.max(clock.now(), last));
    const evicted = engine.evictedAmong(batch.map((e) => e.actor_id));
    if (evicted.length > 0) {
      engine.restore(stored.load(evicted, engine.historyWindowMs() + 86_400_000));
      rebuilt += evicted.length;
    }
    stored.store(engine.evaluate(batch), batch);
    maxHeld = Math.max(maxHeld, engine.stats().actors);
  }
  const end = clock.now() + 2 * 86_400_000;
  for (let t = clock.now() + 60_000; t <= end; t += 15 * 60_000) {
    clock.set(t);
    stored.store(engine.tick(), []);
  }
  const alerts = [...stored.alerts.values()].map(({ alert: a }) => `${a.alert_id} ${a.rule_id} ${a.severity} tier ${a.tier} ${a.status} rev ${a.revision} events ${a.event_count} observed ${a.observed} first ${a.first_event_ts} last ${a.last_event_ts}`).sort();
  const rows = [...stored.activity.values()].map((r) => JSON.stringify(r)).sort();
  return { alerts, rows, maxHeld, rebuilt, stats: engine.stats() };
}

describe('memory caps', () => {
  const events = simulatedEvents();

  it('with a cap of 4 actors, evicted actors are rebuilt from the stored state and the alerts and activity rows are those of an uncapped run', () => {
    const free = run(events, {});
    const capped = run(events, { maxActors: 4 });
    expect(free.alerts.length).toBeGreaterThan(5);
    expect(free.maxHeld).toBeGreaterThan(20);
    // Never more than the cap plus the actors of one batch.
    expect(capped.maxHeld).toBeLessThanOrEqual(4 + 50);
    expect(capped.stats.caps?.actorsEvicted).toBeGreaterThan(100);
    expect(capped.rebuilt).toBeGreaterThan(100);
    expect(capped.alerts).toEqual(free.alerts);
    // The same activity rows too: baselines learn exactly what they learn without the cap.
    expect(capped.rows).toEqual(free.rows);
  });

  it('without the rebuild an evicted actor starts empty: the alerts differ (the test above can fail)', () => {
    const clock = new ManualClock(T0);
    const engine = createEngine({ rules: rules(ENGINE_RULES), clock, maxActors: 1 }) as Engine;
    const refs = (p: string, n: number) => Array.from({ length: n }, (_, i) => ref(`${p}-${i}`));
    // alice reads 60 customers, bob pushes her out, alice reads 60 more: 120 in the window only if rebuilt.
    engine.evaluate([ev({ event_id: 'a1', record_refs: refs('a', 60), ts: T0 })]);
    engine.evaluate([ev({ event_id: 'b1', actor_id: 'bob', record_refs: refs('b', 1), ts: T0 + 1_000 })]);
    expect(engine.holds('alice')).toBe(false);
    expect(engine.evictedAmong(['alice', 'bob', 'alice'])).toEqual(['alice']);
    const out = engine.evaluate([ev({ event_id: 'a2', record_refs: refs('c', 60), ts: T0 + 2_000 })]);
    expect(out.alerts.filter((u) => u.alert.rule_id === 'r.static')).toEqual([]);
    expect(engine.evictedAmong(['alice'])).toEqual([]);
  });

  it('an evicted actor`s buckets come out when tick() would have closed them; forget() (partition revoked) drops them', () => {
    const run = (forget: boolean) => {
      const clock = new ManualClock(T0);
      const engine = createEngine({ rules: rules(ENGINE_RULES), clock, maxActors: 1 }) as Engine;
      engine.evaluate([ev({ event_id: 'a1', n: 3, ts: T0 })]);
      engine.evaluate([ev({ event_id: 'b1', actor_id: 'bob', n: 1, ts: T0 + 1_000 })]);
      expect(engine.holds('alice')).toBe(false);
      if (forget) engine.forget(['alice']);
      expect(engine.evictedAmong(['alice'])).toEqual(forget ? [] : ['alice']);
      // alice's hour bucket ends at 11:00 and closes 5 minutes (lateness) later in her event time.
      clock.set(T0 + 3_600_000 + 4 * 60_000);
      const early = engine.tick().activity.filter((r) => r.actor_id === 'alice');
      clock.set(T0 + 3_600_000 + 6 * 60_000);
      const due = engine.tick().activity.filter((r) => r.actor_id === 'alice');
      return { early, due };
    };
    const kept = run(false);
    expect(kept.early).toEqual([]);
    expect(kept.due.map((r) => [r.granularity, r.events, r.distinct_records])).toEqual([['hour', 1, 3]]);
    expect(run(true).due).toEqual([]);
  });

  it('closes the least recently active alerts early beyond the open-alert cap, saying so', () => {
    const clock = new ManualClock(T0);
    const engine = createEngine({ rules: rules(ENGINE_RULES), clock, maxOpenAlerts: 2 });
    const refs = (p: string, n: number) => Array.from({ length: n }, (_, i) => ref(`${p}-${i}`));
    const closed: Alert[] = [];
    for (const [i, actor] of ['a', 'b', 'c', 'd'].entries()) {
      const out = engine.evaluate([ev({ event_id: `e-${actor}`, actor_id: actor, record_refs: refs(actor, 110), ts: T0 + i * 1_000 })]);
      closed.push(...out.alerts.map((u) => u.alert).filter((a) => a.status === 'closed'));
    }
    expect(engine.stats().openAlerts).toBe(2);
    expect(closed.map((a) => a.actor_id)).toEqual(['a', 'b']);
    expect(closed.every((a) => a.explanation.closed_by === 'open_alert_cap')).toBe(true);
    expect(engine.stats().caps?.alertsClosedEarly).toBe(2);
  });

  it('drops the baseline histories of actors without window state beyond the history cap', () => {
    const engine = createEngine({ rules: rules(ENGINE_RULES), clock: new ManualClock(T0), maxHistoryActors: 3 });
    const row = (actor: string, h: number): ActorActivityRow => ({
      actor_id: actor, role: 'agent', department: 'd', granularity: 'hour', bucket_start: T0 - h * 3_600_000, local_hour: 9, local_weekday: 2,
      events: 1, distinct_records: 1, peak_5m_distinct: 1, denied: 0, resource_types: [], channels: [], zones: [],
    });
    engine.restore({ activity: ['p', 'q', 'r', 's', 't'].map((a, i) => row(a, 10 - i)), alerts: [], recentEvents: [] });
    engine.evaluate([ev({ event_id: 'x', actor_id: 'alice', ts: T0 })]);
    expect(engine.stats().caps?.historiesDropped).toBe(2);
  });
});
