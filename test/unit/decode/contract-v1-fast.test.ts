import { describe, expect, it } from 'vitest';
import { EVENT_V1_JSON_SCHEMA, validateEventV1 } from '../../../src/runtime/decode/contract-v1.js';
import { FAST_CHECKED_PROPERTIES, surelyEventV1 } from '../../../src/runtime/decode/contract-v1-fast.js';
import { createSimulation } from '../../../src/tools/sim/simulator.js';
import { seededRandom } from '../../support/seeded-random.js';

const BASES: Record<string, unknown>[] = [
  {
    event_id: 'e-1', ts: '2026-03-02T09:15:02.123+01:00', actor_id: 'alice', action: 'read', resource_type: 'customer',
    record_ids: ['c-1', 'c-2'], fields: ['email'], channel: 'support_console', ticket_id: 'T-9',
  },
  { event_id: 'e-2', ts: 1_772_438_102_123, actor_id: 'svc', action: 'export', resource_type: 'order', record_count: 40, outcome: 'denied', source_ip: '10.0.0.1', session_id: 's', user_agent: 'curl/8' },
  { event_id: 'e-3', ts: '2024-02-29T23:59:59Z', actor_id: 'bob', action: 'search', resource_type: 'customer', record_ids: [], record_count: 0, channel: null, source_ip: null, session_id: null, user_agent: null, ticket_id: null },
];

const DATE_TIMES = [
  '2026-03-02T09:15:02Z', '2026-03-02T09:15:02.1Z', '2026-03-02T09:15:02.123456789-05:30', '2026-03-02t09:15:02Z', '2026-03-02T09:15:02z',
  '2026-03-02 09:15:02Z', '2026-03-02T09:15:02', '2026-03-02T09:15:02+0100', '2026-03-02T09:15:02+01', '2026-03-02T09:15:02+24:00',
  '2026-03-02T09:15:02+23:60', '2026-03-02T24:00:00Z', '2026-03-02T23:60:00Z', '2026-03-02T23:59:60Z', '2026-03-02T23:59:61Z',
  '2026-02-29T00:00:00Z', '2024-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
  '2026-13-01T00:00:00Z', '2026-00-01T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-32T00:00:00Z', '2026-03-02T09:15:02.Z',
  '2026-03-02T09:15:02.123', '2026-03-02T09:15:02Z ', ' 2026-03-02T09:15:02Z', '2026-03-02T09:15:02ZZ', '2026-03-02T09:15:02+01:00x',
  '２０２６-03-02T09:15:02Z', '2026-03-02T09:15:02\u00a0Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-3-2T9:15:2Z',
  '2026/03/02T09:15:02Z', '2026-03-02T09-15-02Z', '2026-03-02TT09:15:02Z', '2026-03-02T09:15:02+01:00T', '',
];

const VALUES: unknown[] = [
  undefined, null, '', 'x', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(257), 'x'.repeat(1024), 'x'.repeat(1025),
  '😀'.repeat(128), '😀'.repeat(129), 'é'.repeat(256), '\ud800', 0, -1, 1.5, 2 ** 32 - 1, 2 ** 32, 946_684_800_000, 946_684_799_999, 4_294_967_295_000, 4_294_967_295_001,
  1e308, true, false, {}, [], ['a'], [''], ['x'.repeat(64)], ['x'.repeat(65)], ['x'.repeat(256)], ['x'.repeat(257)], [1], [null], Array.from({ length: 256 }, () => 'f'),
  Array.from({ length: 257 }, () => 'f'), 'read', 'search', 'export', 'update', 'delete', 'READ', 'success', 'denied', 'error', 'fail', ...DATE_TIMES,
];

/** Every case, as parsed JSON would give it (no undefined values, no prototypes but Object's). */
function* cases(): Generator<Record<string, unknown>> {
  const keys = [...FAST_CHECKED_PROPERTIES, 'extra'];
  for (const base of BASES) {
    yield base;
    for (const key of keys) {
      for (const value of VALUES) {
        const o: Record<string, unknown> = { ...base };
        if (value === undefined) delete o[key];
        else o[key] = value;
        yield JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
      }
    }
  }
  // Two or three properties changed at once.
  const next = seededRandom(13);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  for (let i = 0; i < 20_000; i++) {
    const o: Record<string, unknown> = { ...pick(BASES) };
    for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
      const key = pick(keys);
      const value = pick(VALUES);
      if (value === undefined) delete o[key];
      else o[key] = value;
    }
    yield JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  }
}

/** A valid date-time with one character replaced, inserted or removed. */
function* mutatedDateTimes(): Generator<string> {
  const next = seededRandom(29);
  const chars = '0123456789-:.+TtZz \u00a0x9';
  const seeds = ['2026-03-02T09:15:02.123+01:00', '2024-02-29T23:59:59Z', '2026-12-31T00:00:00-23:59'];
  for (let i = 0; i < 50_000; i++) {
    let s = seeds[i % seeds.length]!;
    for (let k = 1 + Math.floor(next() * 2); k > 0; k--) {
      const at = Math.floor(next() * (s.length + 1));
      const c = chars[Math.floor(next() * chars.length)]!;
      const op = Math.floor(next() * 3);
      s = op === 0 ? s.slice(0, at) + c + s.slice(at + 1) : op === 1 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + s.slice(at + 1);
    }
    yield s;
  }
}

describe('surelyEventV1: a quick yes before Ajv', () => {
  it('says yes only where Ajv accepts, over mutations of every property', () => {
    let yes = 0;
    let total = 0;
    for (const o of cases()) {
      total++;
      if (!surelyEventV1(o)) continue;
      yes++;
      expect(validateEventV1(o), JSON.stringify(o).slice(0, 300)).toBe(true);
    }
    // Not vacuous: many cases are accepted by both.
    expect(yes).toBeGreaterThan(total / 5);
  });

  it('says yes to a date-time only where ajv-formats accepts it (one-character mutations)', () => {
    let yes = 0;
    for (const ts of [...DATE_TIMES, ...mutatedDateTimes()]) {
      const o = { ...BASES[0], ts };
      if (!surelyEventV1(o)) continue;
      yes++;
      expect(validateEventV1(o), ts).toBe(true);
    }
    expect(yes).toBeGreaterThan(1000);
  });

  it('says yes to the usual forms, so they skip Ajv', () => {
    for (const ts of ['2026-03-02T09:15:02Z', '2026-03-02T09:15:02.123Z', '2026-03-02T09:15:02.123+01:00', '2026-03-02T09:15:02-05:30', 1_772_438_102_123]) {
      expect(surelyEventV1({ ...BASES[0], ts }), String(ts)).toBe(true);
    }
    const sim = createSimulation({ seed: 3, actors: 40, days: 30, incidents: 'default' });
    let n = 0;
    for (const e of sim.stream()) {
      const o = JSON.parse(JSON.stringify(e)) as object;
      expect(surelyEventV1(o), JSON.stringify(e)).toBe(validateEventV1(o));
      if (++n === 5_000) break;
    }
  });

  it("knows every property of the schema, and the schema's required list and anyOf are the ones it checks", () => {
    expect([...FAST_CHECKED_PROPERTIES].sort()).toEqual(Object.keys(EVENT_V1_JSON_SCHEMA.properties).sort());
    expect([...EVENT_V1_JSON_SCHEMA.required]).toEqual(['event_id', 'ts', 'actor_id', 'action', 'resource_type']);
    expect(EVENT_V1_JSON_SCHEMA.anyOf).toEqual([{ required: ['record_ids'] }, { required: ['record_count'] }]);
  });
});
