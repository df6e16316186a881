import { describe, expect, it } from 'vitest';
import { compilePredicate, type PredicateContext } from '../../../src/runtime/engine/rules/predicate.js';
import type { EvalInput } from '../../../src/runtime/engine/rules/fields.js';
import { ev } from './support/enrich.js';
import { problems, rules } from './support/rules.js';

function compile(raw: unknown, lists: Record<string, string[]> = {}): { p: (i: EvalInput) => boolean; issues: string[] } {
  const issues: string[] = [];
  const ctx: PredicateContext = {
    lists: new Map(Object.entries(lists)),
    condition: () => undefined,
    report: (path, reason) => issues.push(`${path.join('.')}: ${reason}`),
  };
  return { p: compilePredicate(raw, ['when'], ctx), issues };
}

const facts = { first_seen_resource_type: false, peer_share_resource_type: 0, first_seen_channel: true, first_seen_zone: false, new_customers: 3, silent_days: 0 };
const input = (init: Parameters<typeof ev>[0] = {}): EvalInput => ({ e: ev(init), f: facts });

function holds(raw: unknown, init: Parameters<typeof ev>[0] = {}, lists: Record<string, string[]> = {}): boolean {
  const { p, issues } = compile(raw, lists);
  expect(issues).toEqual([]);
  return p(input(init));
}

describe('predicate operators', () => {
  it('reads the derived new_customers fact as a number', () => {
    expect(holds({ field: 'new_customers', gt: 2 })).toBe(true);
    expect(holds({ field: 'new_customers', gte: 4 })).toBe(false);
    expect(compile({ field: 'new_customers', eq: 'x' }).issues).toEqual(['when.eq: `eq` on `new_customers` takes a number']);
  });

  it('eq / ne on strings, numbers and booleans', () => {
    expect(holds({ field: 'action', eq: 'export' }, { action: 'export' })).toBe(true);
    expect(holds({ field: 'action', eq: 'export' }, { action: 'read' })).toBe(false);
    expect(holds({ field: 'action', ne: 'export' }, { action: 'read' })).toBe(true);
    expect(holds({ field: 'record_count', eq: 3 }, { n: 3 })).toBe(true);
    expect(holds({ field: 'local_time.business_hours', eq: false }, { business_hours: false })).toBe(true);
    expect(holds({ field: 'actor.role', eq: 'support_agent' })).toBe(true);
    expect(holds({ field: 'network.zone', eq: 'vpn' }, { zone: 'vpn' })).toBe(true);
  });

  it('in / not_in with literal values and named lists', () => {
    expect(holds({ field: 'channel', in: ['web', 'sql'] }, { channel: 'sql' })).toBe(true);
    expect(holds({ field: 'channel', in: { list: 'ch' } }, { channel: 'web' }, { ch: ['web'] })).toBe(true);
    expect(holds({ field: 'channel', not_in: { list: 'ch' } }, { channel: 'web' }, { ch: ['web'] })).toBe(false);
    // A null channel is in no list.
    expect(holds({ field: 'channel', in: ['web'] }, { channel: null })).toBe(false);
    expect(holds({ field: 'channel', not_in: ['web'] }, { channel: null })).toBe(true);
    expect(holds({ field: 'local_time.hour', in: [22, 23] }, { hour: 23 })).toBe(true);
  });

  it('exists on nullable fields and arrays', () => {
    expect(holds({ field: 'ticket_id', exists: true }, { ticket_id: 'T-1' })).toBe(true);
    expect(holds({ field: 'ticket_id', exists: false }, { ticket_id: null })).toBe(true);
    expect(holds({ field: 'ticket_id', exists: true }, { ticket_id: '' })).toBe(false);
    expect(holds({ field: 'fields', exists: true }, { fields: [] })).toBe(false);
  });

  it('gt / gte / lt / lte', () => {
    expect(holds({ field: 'record_count', gt: 10 }, { n: 11 })).toBe(true);
    expect(holds({ field: 'record_count', gt: 10 }, { n: 10 })).toBe(false);
    expect(holds({ field: 'record_count', gte: 10 }, { n: 10 })).toBe(true);
    expect(holds({ field: 'record_count', lt: 10 }, { n: 9 })).toBe(true);
    expect(holds({ field: 'record_count', lte: 9 }, { n: 10 })).toBe(false);
  });

  it('contains_any / contains_all / contains_none on array fields', () => {
    const init = { field_classes: ['contact', 'financial'] };
    expect(holds({ field: 'field_classes', contains_any: ['financial'] }, init)).toBe(true);
    expect(holds({ field: 'field_classes', contains_any: { list: 's' } }, init, { s: ['identity'] })).toBe(false);
    expect(holds({ field: 'field_classes', contains_all: ['contact', 'financial'] }, init)).toBe(true);
    expect(holds({ field: 'field_classes', contains_all: ['contact', 'identity'] }, init)).toBe(false);
    expect(holds({ field: 'field_classes', contains_none: ['financial'] }, init)).toBe(false);
  });

  it('all / any / not combine', () => {
    const p = {
      all: [{ field: 'action', eq: 'read' }, { any: [{ field: 'channel', eq: 'sql' }, { not: { field: 'ticket_id', exists: true } }] }],
    };
    expect(holds(p, { action: 'read', channel: 'web', ticket_id: null })).toBe(true);
    expect(holds(p, { action: 'read', channel: 'web', ticket_id: 'T' })).toBe(false);
    expect(holds(p, { action: 'read', channel: 'sql', ticket_id: 'T' })).toBe(true);
    expect(holds(p, { action: 'export', channel: 'sql' })).toBe(false);
  });

  it('reads derived first_seen facts', () => {
    expect(holds({ field: 'first_seen.channel', eq: true })).toBe(true);
    expect(holds({ field: 'first_seen.zone', eq: true })).toBe(false);
    expect(holds({ field: 'first_seen.any', eq: true })).toBe(true);
  });
});

describe('predicate validation', () => {
  const issues = (raw: unknown) => compile(raw, { l: ['x'] }).issues;
  it('names unknown fields, unknown and misapplied operators, and bad values', () => {
    expect(issues({ field: 'acton', eq: 'x' })[0]).toMatch(/^when\.field: unknown field `acton`/);
    expect(issues({ field: 'action', equals: 'x' })[0]).toMatch(/^when\.equals: unknown operator `equals`/);
    expect(issues({ field: 'action', gt: 3 })[0]).toMatch(/^when\.gt: operator `gt` does not apply to `action`/);
    expect(issues({ field: 'fields', eq: 'email' })[0]).toMatch(/operator `eq` does not apply to `fields` \(a list of strings; use contains_any/);
    expect(issues({ field: 'record_count', eq: '3' })).toEqual(['when.eq: `eq` on `record_count` takes a number']);
    expect(issues({ field: 'action', eq: 'x', ne: 'y' })).toEqual(['when: a field predicate has exactly one operator; found eq, ne']);
    expect(issues({ all: [] })).toEqual(['when.all: `all` takes a non-empty list of predicates']);
    expect(issues({ all: [{ field: 'action', eq: 'x' }], any: [] })[0]).toMatch(/exactly one of/);
    expect(issues({ field: 'channel', in: { list: 'nope' } })).toEqual(['when.in.list: unknown list `nope`']);
    expect(issues('action == export')[0]).toMatch(/^when: a predicate must be a mapping/);
  });
  it('refuses record_refs: rules never look at pseudonyms', () => {
    expect(issues({ field: 'record_refs', exists: true })[0]).toMatch(/unknown field `record_refs`/);
  });
});

describe('lists and named conditions across files', () => {
  it('resolves a condition defined in another file that uses a list from a third', () => {
    const rs = rules(
      `lists: { interactive: [web, sql] }`,
      `conditions:\n  interactive_use: { when: { field: channel, in: { list: interactive } } }\n`,
      `rules:
  - id: p.x
    version: 2
    kind: policy
    title: x
    severity: low
    when: { all: [ { condition: interactive_use }, { field: actor.kind, eq: service } ] }
`,
    );
    const rule = rs.policyRules[0];
    const f = { first_seen_resource_type: false, peer_share_resource_type: 0, first_seen_channel: false, first_seen_zone: false, new_customers: 0, silent_days: 0 };
    expect(rule?.version).toBe('2');
    expect(rule?.scope?.({ e: ev({ channel: 'sql', actor: { kind: 'service' } }), f })).toBe(true);
    expect(rule?.scope?.({ e: ev({ channel: 'batch', actor: { kind: 'service' } }), f })).toBe(false);
  });

  it('refuses a list defined twice, naming both files', () => {
    expect(problems(`lists: { a: [x] }`, `lists: { a: [y] }`)).toEqual(['t2.yaml:1: list `a` is already defined in t1.yaml']);
  });
});
