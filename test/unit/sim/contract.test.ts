import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../src/runtime/decode/decoder.js';
import { DIRECTORY_HEADER } from '../../../src/tools/sim/org.js';
import { localParts } from '../../../src/tools/sim/time.js';
import { validateWireEvent } from '../../../src/tools/sim/wire.js';
import { parseCsv, run, tsOf } from './fixture.js';

/** Records per request the shipped need-to-know policy allows each role. */
const PER_REQUEST_LIMIT: Record<string, number> = {
  support_agent: 50,
  support_lead: 200,
  marketing_analyst: 5000,
  data_analyst: 10_000,
  finance_clerk: 100,
  engineer: 100,
  security_analyst: 1000,
  service_batch: 100_000,
  service_api: 100,
};

const ZONE_OF = (ip: string | undefined): string => {
  if (!ip) return 'none';
  if (ip.startsWith('10.10.')) return 'office';
  if (ip.startsWith('10.20.')) return 'vpn';
  if (ip.startsWith('10.30.')) return 'datacenter';
  return 'unknown';
};

describe('wire contract v1', () => {
  const { events, tags, sim, labels } = run();
  const directory = new Map(parseCsv(sim.directoryCsv).map((r) => [r.actor_id as string, r]));
  const incidentIds = new Set(labels.incidents.map((i) => i.id));
  const benign = events.filter((_, i) => !incidentIds.has(tags[i] ?? ''));

  it('every event validates against the v1 rules', () => {
    const bad: string[] = [];
    for (const e of events) {
      const r = validateWireEvent(e);
      if (!r.ok) bad.push(`${e.event_id}: ${r.error}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('every event is accepted by the production decoder', () => {
    const decode = createDecoder({ pseudonymKey: 'k'.repeat(32), maxMessageBytes: 1 << 20 });
    let rejected = 0;
    let first = '';
    for (const e of events) {
      const r = decode(Buffer.from(JSON.stringify(e)));
      if (!r.ok) {
        rejected++;
        first ||= `${e.event_id}: ${r.rejection.reason} ${r.rejection.detail}`;
      } else if (r.event.ts !== tsOf(e)) {
        first ||= `${e.event_id}: ts decoded as ${r.event.ts}, expected ${tsOf(e)}`;
      }
    }
    expect(first).toBe('');
    expect(rejected).toBe(0);
  });

  it('has unique event ids and is ordered by event time', () => {
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    let unordered = 0;
    for (let i = 1; i < events.length; i++) if (tsOf(events[i]!) < tsOf(events[i - 1]!)) unordered++;
    expect(unordered).toBe(0);
  });

  it('uses every timestamp form of the contract (Z, numeric offset, epoch ms)', () => {
    const forms = new Set(events.map((e) => (typeof e.ts === 'number' ? 'epoch' : e.ts.endsWith('Z') ? 'Z' : 'offset')));
    expect([...forms].sort()).toEqual(['Z', 'epoch', 'offset']);
  });

  it('covers record lists, truncated lists and count-only events', () => {
    const full = events.some((e) => e.record_ids && e.record_count === undefined);
    const truncated = events.some((e) => e.record_ids && (e.record_count ?? 0) > e.record_ids.length);
    const countOnly = events.some((e) => !e.record_ids && e.record_count !== undefined);
    expect([full, truncated, countOnly]).toEqual([true, true, true]);
  });

  it('writes a directory in the agreed CSV format', () => {
    const lines = sim.directoryCsv.trim().split('\n');
    expect(lines[0]).toBe(DIRECTORY_HEADER);
    expect(lines.length).toBe(sim.actors.length + 1);
    for (const r of directory.values()) {
      expect(['active', 'notice', 'leave', 'terminated']).toContain(r.employment_status);
      expect(['human', 'service']).toContain(r.kind);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: r.timezone })).not.toThrow();
      for (const z of (r.allowed_zones ?? '').split(';').filter(Boolean)) expect(['office', 'vpn', 'datacenter']).toContain(z);
      if (r.kind === 'service') expect(['service_batch', 'service_api']).toContain(r.role);
    }
    // A few time zones, a mix of statuses.
    expect(new Set([...directory.values()].map((r) => r.timezone)).size).toBeGreaterThanOrEqual(4);
    expect(new Set([...directory.values()].map((r) => r.employment_status)).size).toBe(4);
  });

  it('benign traffic follows the need-to-know intent of the shipped policy', () => {
    const violations: string[] = [];
    const fail = (e: { event_id: string }, why: string): void => {
      if (violations.length < 10) violations.push(`${e.event_id}: ${why}`);
    };
    for (const e of benign) {
      const a = directory.get(e.actor_id);
      if (!a) {
        fail(e, `actor ${e.actor_id} not in the directory`);
        continue;
      }
      const role = a.role;
      if (a.employment_status === 'terminated' || a.employment_status === 'leave') fail(e, `benign traffic by a ${a.employment_status} actor`);
      const zone = ZONE_OF(e.source_ip);
      if (a.kind === 'service') {
        if (e.channel !== 'api' && e.channel !== 'batch') fail(e, `service via ${e.channel}`);
        if (zone !== 'datacenter') fail(e, `service from ${zone}`);
      } else if (zone !== 'office' && zone !== 'vpn') fail(e, `human from ${zone}`);
      if (role === 'support_agent' || role === 'support_lead') {
        if (e.channel !== 'support_console') fail(e, `support via ${e.channel}`);
        if (!e.ticket_id) fail(e, 'support access without ticket');
        if (e.action === 'export') fail(e, 'support export');
        if (!['customer', 'order', 'address'].includes(e.resource_type)) fail(e, `support reads ${e.resource_type}`);
      }
      if (role === 'marketing_analyst') {
        if (e.resource_type === 'payment_method') fail(e, 'marketing reads payment_method');
        if (e.fields.some((f) => !['email', 'phone', 'address', 'country', 'customer_id', 'order_id', 'order_total', 'order_status'].includes(f)))
          fail(e, `marketing reads ${e.fields.join('+')}`);
      }
      if (role === 'finance_clerk' && zone !== 'office') fail(e, `finance from ${zone}`);
      if (a.allowed_zones && !a.allowed_zones.split(';').includes(zone)) fail(e, `${zone} outside the directory's allowed zones ${a.allowed_zones}`);
      const limit = PER_REQUEST_LIMIT[role ?? ''];
      const n = Math.max(e.record_count ?? 0, e.record_ids?.length ?? 0);
      if (limit !== undefined && n > limit) fail(e, `${n} records in one ${role} request (limit ${limit})`);
      if (e.action === 'delete' && role !== 'service_api') fail(e, `delete by ${role}`);
      if (a.kind === 'human') {
        const p = localParts(tsOf(e), a.timezone!);
        const business = p.weekday <= 5 && p.hour >= 8 && p.hour < 19;
        const allowedOffHours = (role === 'engineer' && zone === 'vpn') || (role === 'support_agent' && p.weekday === 6);
        if (!business && !allowedOffHours) fail(e, `${role} at ${p.hour}h on day ${p.weekday}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
