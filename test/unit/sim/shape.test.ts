import { describe, expect, it } from 'vitest';
import { localParts } from '../../../src/tools/sim/time.js';
import { parseCsv, run, tsOf } from './fixture.js';

describe('traffic shape', () => {
  const { events, tags, sim } = run();
  const directory = new Map(parseCsv(sim.directoryCsv).map((r) => [r.actor_id as string, r]));
  const benign = events.filter((_, i) => tags[i] === undefined);
  const of = (role: string) => benign.filter((e) => directory.get(e.actor_id)?.role === role);

  it('people work in their own business hours, mostly on weekdays', () => {
    const support = of('support_agent');
    let inHours = 0;
    let weekend = 0;
    for (const e of support) {
      const p = localParts(tsOf(e), directory.get(e.actor_id)!.timezone!);
      if (p.weekday <= 5 && p.hour >= 7 && p.hour < 20) inHours++;
      if (p.weekday > 5) weekend++;
    }
    expect(inHours / support.length).toBeGreaterThan(0.9);
    expect(weekend / support.length).toBeGreaterThan(0); // a few Saturday shifts
    expect(weekend / support.length).toBeLessThan(0.08);
  });

  it('local hours differ between time zones (the shape follows each actor’s zone)', () => {
    const utcHourMedian = (tz: string): number => {
      const hours = of('support_agent')
        .filter((e) => directory.get(e.actor_id)!.timezone === tz)
        .map((e) => new Date(tsOf(e)).getUTCHours())
        .sort((a, b) => a - b);
      return hours[Math.floor(hours.length / 2)] ?? -1;
    };
    const berlin = utcHourMedian('Europe/Berlin');
    const ny = utcHourMedian('America/New_York');
    expect(ny - berlin).toBeGreaterThanOrEqual(4);
  });

  it('API traffic follows the shop: evening peak, night trough, every day', () => {
    const byHour = new Array<number>(24).fill(0);
    const days = new Set<number>();
    for (const e of of('service_api')) {
      byHour[localParts(tsOf(e), 'Europe/Berlin').hour]! += 1;
      days.add(Math.floor(tsOf(e) / 86_400_000));
    }
    expect(byHour[20]! / byHour[4]!).toBeGreaterThan(4);
    expect(days.size).toBe(21);
  });

  it('batch jobs run at night (UTC) from the datacenter', () => {
    const batch = of('service_batch');
    expect(batch.length).toBeGreaterThan(0);
    const night = batch.filter((e) => new Date(tsOf(e)).getUTCHours() < 8).length;
    expect(night / batch.length).toBeGreaterThan(0.95);
  });

  it('roles have very different volumes', () => {
    const perActorDay = (role: string, measure: (e: (typeof events)[number]) => number): number => {
      const evs = of(role);
      const days = new Set(evs.map((e) => `${e.actor_id}|${Math.floor(tsOf(e) / 86_400_000)}`)).size;
      return evs.reduce((s, e) => s + measure(e), 0) / Math.max(1, days);
    };
    const events1 = () => 1;
    const records = (e: (typeof events)[number]) => Math.max(e.record_count ?? 0, e.record_ids?.length ?? 0);
    // Support agents: many small requests. Analysts: few, huge ones. Batch: huge nightly volumes.
    expect(perActorDay('support_agent', events1)).toBeGreaterThan(30);
    expect(perActorDay('data_analyst', events1)).toBeLessThan(5);
    expect(perActorDay('data_analyst', records) / perActorDay('data_analyst', events1)).toBeGreaterThan(1000);
    expect(perActorDay('support_agent', records) / perActorDay('support_agent', events1)).toBeLessThan(3);
    expect(perActorDay('service_batch', records)).toBeGreaterThan(2000);
    expect(perActorDay('service_api', events1)).toBeGreaterThan(500);
  });

  it('draws customers from a population with repeat contacts', () => {
    const reads = of('support_agent').filter((e) => e.action === 'read' && e.resource_type === 'customer');
    const ids = reads.flatMap((e) => e.record_ids ?? []);
    const distinct = new Set(ids).size;
    expect(distinct).toBeLessThan(ids.length * 0.95); // same customers come back
    expect(distinct).toBeGreaterThan(ids.length * 0.3);
    for (const id of ids.slice(0, 1000)) expect(id).toMatch(/^c-\d{6}$/);
  });

  it('has people with vacations, new hires and silent leavers', () => {
    const withTraffic = new Set(benign.map((e) => e.actor_id));
    const silent = [...directory.values()].filter((r) => r.employment_status === 'terminated' || r.employment_status === 'leave');
    expect(silent.length).toBeGreaterThan(0);
    for (const r of silent) if (!sim.plan.incidents.some((i) => i.actor.actor_id === r.actor_id)) expect(withTraffic.has(r.actor_id!)).toBe(false);
    expect(sim.actors.some((a) => a.vacation !== null)).toBe(true);
    expect(sim.actors.some((a) => a.activeFromDay > 0 && Number.isFinite(a.activeFromDay))).toBe(true);
  });
});
