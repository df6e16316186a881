import { describe, expect, it } from 'vitest';
import { createSimulation } from '../../../src/tools/sim/simulator.js';
import { localParts } from '../../../src/tools/sim/time.js';
import { INCIDENT_TYPES, LOOKALIKE_TYPES } from '../../../src/tools/sim/types.js';
import type { WireEvent } from '../../../src/tools/sim/wire.js';
import { parseCsv, run, tsOf } from './fixture.js';

const inZones = (ip: string | undefined): boolean => !!ip && /^10\.(10|20|30)\./.test(ip);

describe('labels', () => {
  const { events, tags, sim, labels } = run();
  const byId = new Map(events.map((e) => [e.event_id, e]));
  const directory = new Map(parseCsv(sim.directoryCsv).map((r) => [r.actor_id as string, r]));
  const evalStart = Date.parse(labels.evaluation_start);
  const eventsOf = (ids: readonly string[]): WireEvent[] => ids.map((id) => byId.get(id) as WireEvent);

  it('has two incidents of every type in the default scenario, all after the benign history', () => {
    for (const t of INCIDENT_TYPES) expect(labels.incidents.filter((i) => i.type === t).length, t).toBe(2);
    for (const i of labels.incidents) expect(i.start_ms).toBeGreaterThanOrEqual(evalStart);
    expect(new Set(labels.incidents.map((i) => i.actor_id)).size).toBe(labels.incidents.length);
  });

  it('has the look-alikes', () => {
    const types = new Set(labels.lookalikes.map((l) => l.type));
    for (const t of LOOKALIKE_TYPES) expect(types.has(t), t).toBe(true);
  });

  it('lists event ids that exist, belong to the labeled actor and lie within the span', () => {
    for (const l of [...labels.incidents, ...labels.lookalikes]) {
      expect(l.event_ids.length, l.id).toBeGreaterThan(0);
      for (const e of eventsOf(l.event_ids)) {
        expect(e, l.id).toBeDefined();
        expect(e.actor_id).toBe(l.actor_id);
        expect(tsOf(e)).toBeGreaterThanOrEqual(l.start_ms);
        expect(tsOf(e)).toBeLessThanOrEqual(l.end_ms);
      }
      expect(l.start).toBe(new Date(l.start_ms).toISOString());
    }
    // Tagged events and labels agree exactly.
    const labeled = new Set([...labels.incidents, ...labels.lookalikes].flatMap((l) => l.event_ids));
    const tagged = events.filter((_, i) => tags[i] !== undefined).map((e) => e.event_id);
    expect(tagged.length).toBe(labeled.size);
    expect(labels.counts.incident_events).toBe(labels.incidents.reduce((s, i) => s + i.event_ids.length, 0));
  });

  it('matches the directory to each incident scenario', () => {
    for (const inc of labels.incidents) {
      const a = directory.get(inc.actor_id)!;
      const evs = eventsOf(inc.event_ids);
      expect(a.role).toBe(inc.actor_role);
      switch (inc.type) {
        case 'terminated_access':
          expect(a.employment_status).toBe('terminated');
          // A leaver: no traffic at all apart from the incident.
          expect(events.filter((e) => e.actor_id === inc.actor_id).length).toBe(inc.event_ids.length);
          break;
        case 'bulk_export_forbidden_role':
          expect(a.role).toBe('support_agent');
          expect(a.employment_status).toBe('active');
          expect(evs.every((e) => e.action === 'export' && e.resource_type === 'customer')).toBe(true);
          expect(evs.reduce((s, e) => s + (e.record_count ?? 0), 0)).toBeGreaterThanOrEqual(1500);
          break;
        case 'burst_over_baseline':
          expect(a.employment_status).toBe('active');
          expect(['support_agent', 'finance_clerk']).toContain(a.role);
          expect(evs.every((e) => e.action === 'read' && inZones(e.source_ip))).toBe(true);
          if (a.role === 'support_agent') expect(evs.every((e) => e.ticket_id && e.channel === 'support_console')).toBe(true);
          expect(new Set(evs.flatMap((e) => e.record_ids ?? [])).size).toBeGreaterThanOrEqual(80);
          expect(inc.end_ms - inc.start_ms).toBeLessThanOrEqual(50 * 60_000);
          break;
        case 'slow_scrape': {
          expect(a.employment_status).toBe('active');
          expect(inc.end_ms - inc.start_ms).toBeGreaterThan(20 * 3_600_000);
          // No single hour is a burst: at most a few times the actor's normal hourly volume.
          const perHour = new Map<number, number>();
          for (const e of evs) perHour.set(Math.floor(tsOf(e) / 3_600_000), (perHour.get(Math.floor(tsOf(e) / 3_600_000)) ?? 0) + 1);
          expect(Math.max(...perHour.values())).toBeLessThan(40);
          expect(evs.length).toBeGreaterThan(100);
          break;
        }
        case 'offhours_unknown_network':
          expect(a.employment_status).toBe('active');
          for (const e of evs) {
            expect(inZones(e.source_ip)).toBe(false);
            const p = localParts(tsOf(e), a.timezone!);
            expect(p.weekday > 5 || p.hour < 8 || p.hour >= 19).toBe(true);
          }
          break;
      }
    }
  });

  it('matches the directory to each look-alike', () => {
    for (const l of labels.lookalikes) {
      const a = directory.get(l.actor_id)!;
      expect(a.employment_status).toBe('active');
      const evs = eventsOf(l.event_ids);
      switch (l.type) {
        case 'new_hire_ramp': {
          const first = events.find((e) => e.actor_id === l.actor_id)!;
          expect(tsOf(first)).toBeGreaterThanOrEqual(evalStart);
          expect(first.event_id).toBe(l.event_ids[0]);
          break;
        }
        case 'monthly_batch_job':
          expect(a.role).toBe('service_batch');
          expect(evs.reduce((s, e) => s + (e.record_count ?? e.record_ids?.length ?? 0), 0)).toBeGreaterThan(100_000);
          expect(new Date(l.start_ms).getUTCDate()).toBe(1);
          break;
        case 'ticketed_support_read':
          expect(a.role).toBe('support_agent');
          expect(new Set(evs.flatMap((e) => e.record_ids ?? [])).size).toBe(1);
          expect(new Set(evs.map((e) => e.ticket_id)).size).toBe(1);
          expect(evs.length).toBeGreaterThanOrEqual(25);
          break;
        case 'analyst_usual_report': {
          expect(a.role).toBe('data_analyst');
          expect(evs.length).toBeGreaterThanOrEqual(1);
          const size = (list: WireEvent[]): number => list.reduce((s, e) => s + (e.record_count ?? e.record_ids?.length ?? 0), 0);
          const total = size(evs);
          expect(total).toBeGreaterThan(10_000);
          // The same-size report ran in the history, on the same weekday, at the same time of day.
          const p0 = localParts(tsOf(evs[0]!), a.timezone!);
          const earlierDays = new Map<string, WireEvent[]>();
          for (const e of events) {
            if (e.actor_id !== l.actor_id || tsOf(e) >= evalStart) continue;
            const p = localParts(tsOf(e), a.timezone!);
            if (p.weekday !== p0.weekday || Math.abs(p.hour - p0.hour) > 2 || !e.fields.includes('order_total') || e.resource_type !== 'customer') continue;
            const k = `${p.year}-${p.month}-${p.day}`;
            earlierDays.set(k, [...(earlierDays.get(k) ?? []), e]);
          }
          expect(earlierDays.size).toBeGreaterThanOrEqual(1);
          for (const list of earlierDays.values()) expect(Math.abs(size(list) - total)).toBeLessThan(0.35 * total);
          break;
        }
      }
    }
  });

  it('counts benign actor-days', () => {
    expect(labels.counts.benign_actor_days).toBeGreaterThan(sim.actors.length * 5);
    expect(labels.counts.events).toBe(events.length);
  });
});

describe('explicit incident specs', () => {
  it('uses the requested actor and start, and turns a requested leaver into a terminated actor', () => {
    const probe = createSimulation({ seed: 21, actors: 60, days: 18, incidents: 'none', lookalikes: false });
    const agents = probe.actors.filter((a) => a.role === 'support_agent' && a.employment_status === 'active' && a.activeFromDay === 0);
    const [burstActor, leaver] = [agents[0]!, agents[1]!];
    const start = '2026-03-25T10:30:00Z';
    const sim = createSimulation({
      seed: 21,
      actors: 60,
      days: 18,
      lookalikes: false,
      incidents: [
        { type: 'burst_over_baseline', actor_id: burstActor.actor_id, start, intensity: 2 },
        { type: 'terminated_access', actor_id: leaver.actor_id },
      ],
    });
    const stream = sim.stream();
    const events = [...stream];
    const labels = stream.labels();
    const burst = labels.incidents.find((i) => i.type === 'burst_over_baseline')!;
    expect(burst.actor_id).toBe(burstActor.actor_id);
    expect(burst.start_ms).toBeGreaterThanOrEqual(Date.parse(start));
    expect(burst.start_ms - Date.parse(start)).toBeLessThan(10_000);
    expect(burst.event_ids.length).toBeGreaterThanOrEqual(160); // intensity 2 × at least 80
    const term = labels.incidents.find((i) => i.type === 'terminated_access')!;
    expect(sim.directoryCsv).toContain(`${leaver.actor_id},support_agent,customer_service,terminated,`);
    expect(events.filter((e) => e.actor_id === leaver.actor_id).length).toBe(term.event_ids.length);
  });

  it('refuses an actor that does not fit the incident', () => {
    const probe = createSimulation({ seed: 21, actors: 60, days: 18, incidents: 'none' });
    const analyst = probe.actors.find((a) => a.role === 'data_analyst')!;
    expect(() =>
      createSimulation({ seed: 21, actors: 60, days: 18, incidents: [{ type: 'bulk_export_forbidden_role', actor_id: analyst.actor_id }] }),
    ).toThrow(/role data_analyst/);
    expect(() => createSimulation({ seed: 21, actors: 60, days: 18, incidents: [{ type: 'slow_scrape', actor_id: 'nobody' }] })).toThrow(
      /unknown actor/,
    );
  });
});
