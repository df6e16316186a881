import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../src/runtime/decode/decoder.js';
import { parseDirectoryCsv } from '../../../src/runtime/enrich/actor-directory.js';
import { createEnricher } from '../../../src/runtime/enrich/enricher.js';
import { loadEnrichmentTables, type EnrichmentTables } from '../../../src/runtime/enrich/tables.js';
import { InvalidSourceError } from '../../../src/util/source-error.js';
import type { AccessEvent } from '../../../src/model/event.js';
import { seededRandom } from '../../support/seeded-random.js';

const tables: EnrichmentTables = loadEnrichmentTables({
  directoryFile: 'rules/enrichment/actors.csv',
  zonesFile: 'rules/enrichment/zones.yaml',
  fieldsFile: 'rules/enrichment/fields.yaml',
  calendarFile: 'rules/enrichment/calendar.yaml',
  defaultTimezone: 'UTC',
});
const decode = createDecoder({ pseudonymKey: 'k'.repeat(32), maxMessageBytes: 1 << 20 });
const eventAt = (over: Record<string, unknown>): AccessEvent => {
  const r = decode(
    Buffer.from(
      JSON.stringify({ event_id: 'e', ts: '2026-03-02T10:00:00Z', actor_id: 'alice', action: 'read', resource_type: 'customer', record_count: 1, ...over }),
    ),
  );
  if (!r.ok) throw new Error(r.rejection.detail);
  return r.event;
};
const enrich = createEnricher(tables);

describe('enrich', () => {
  it('adds the directory profile, zone, local time and field classes', () => {
    const e = enrich(eventAt({ source_ip: '10.10.3.4', fields: ['email', 'card_last4', 'email', 'shoe_size'] }));
    expect(e.actor).toMatchObject({ known: true, role: 'support_agent', department: 'customer_care', employment_status: 'active' });
    expect(e.network.zone).toBe('office');
    // 10:00Z on Monday 2 March 2026 is 11:00 in Berlin (CET).
    expect(e.local_time).toEqual({ hour: 11, weekday: 1, business_hours: true });
    // shoe_size is unlisted: default class `identity`; order follows sensitivity.
    expect(e.field_classes).toEqual(['contact', 'identity', 'financial']);
  });

  it('enriches an unknown actor as role unknown instead of dropping it', () => {
    const e = enrich(eventAt({ actor_id: 'mallory', source_ip: '203.0.113.9' }));
    expect(e.actor).toMatchObject({ known: false, role: 'unknown', employment_status: 'unknown', timezone: 'UTC' });
    expect(e.network.zone).toBe('unknown');
  });

  it('judges business hours in the actor own time zone', () => {
    // 18:30Z is 19:30 in Berlin (closed) but 18:30 in London (open).
    expect(enrich(eventAt({ ts: '2026-03-02T18:30:00Z' })).local_time.business_hours).toBe(false);
    expect(enrich(eventAt({ ts: '2026-03-02T18:30:00Z', actor_id: 'carol' })).local_time.business_hours).toBe(true);
    // Saturday
    expect(enrich(eventAt({ ts: '2026-03-07T10:00:00Z' })).local_time).toMatchObject({ weekday: 6, business_hours: false });
  });

  it('follows daylight saving time', () => {
    // New York switches to EDT on 8 March 2026: 13:30Z is 08:30 EST before, 09:30 EDT after.
    expect(enrich(eventAt({ actor_id: 'frank', ts: '2026-03-06T13:30:00Z' })).local_time.hour).toBe(8);
    expect(enrich(eventAt({ actor_id: 'frank', ts: '2026-03-09T13:30:00Z' })).local_time.hour).toBe(9);
  });
});

describe('shared zone and local-time contexts', () => {
  it('give each event what a fresh enricher gives it, across hours, weekdays, zones and actors', () => {
    const shared = createEnricher(tables);
    const random = seededRandom(13);
    const actors = ['alice', 'carol', 'frank', 'mallory'];
    const ips = ['10.10.3.4', '203.0.113.9', null];
    const seen = new Map<string, unknown>();
    for (let i = 0; i < 400; i++) {
      const over = { actor_id: actors[i % actors.length], source_ip: ips[i % ips.length], ts: Date.UTC(2026, 2, 1) + Math.floor(random() * 14 * 86_400_000) };
      const e = shared(eventAt(over));
      const fresh = createEnricher(tables)(eventAt(over));
      expect(e.local_time, JSON.stringify(over)).toStrictEqual(fresh.local_time);
      expect(e.network).toStrictEqual(fresh.network);
      // The same values are the same (read-only) object.
      const key = JSON.stringify(e.local_time);
      if (seen.has(key)) expect(e.local_time).toBe(seen.get(key));
      else seen.set(key, e.local_time);
    }
  });
});

describe('directory file', () => {
  const header = 'actor_id,role,department,employment_status,timezone,kind,allowed_zones\n';
  it('reports every bad row with its line', () => {
    const text = `${header}# comment\nok,support_agent,cc,active,UTC,human,\nx,support_agent,cc,fired,UTC,human,\ny,r,d,active,Mars/Olympus,human,\n`;
    try {
      parseDirectoryCsv(text, 'actors.csv', { defaultTimezone: 'UTC' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidSourceError);
      const lines = (err as InvalidSourceError).problems.map((p) => `${p.line}:${p.reason.split(':')[0]}`);
      expect(lines).toEqual(['4:employment_status', '5:timezone']);
    }
  });
  it('refuses a wrong header and unknown zones', () => {
    expect(() => parseDirectoryCsv('a,b\n1,2\n', 'f.csv')).toThrow(/header must be exactly/);
    expect(() => parseDirectoryCsv(`${header}a,r,d,active,UTC,human,moon\n`, 'f.csv', { defaultTimezone: 'UTC', knownZones: ['office'] })).toThrow(/unknown zone/);
  });
});
