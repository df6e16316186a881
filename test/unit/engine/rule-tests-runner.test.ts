import { describe, expect, it } from 'vitest';
import { runRuleTests } from '../../../src/runtime/engine/index.js';
import { shippedCaseEnricher } from './support/enrich.js';
import { rules } from './support/rules.js';

const FILE = `
rules:
  - id: p.export
    version: 1
    kind: policy
    title: export of customers
    severity: medium
    when: { field: action, eq: export }
  - id: p.delete
    version: 1
    kind: policy
    title: deletion
    severity: high
    when: { field: action, eq: delete }
tests:
  actors:
    alice: { role: support_agent, timezone: Europe/Berlin }
  cases:
    - name: passes
      events:
        - { ts: "2025-03-04T10:00:00Z", actor_id: alice, action: export, resource_type: customer, record_count: 3 }
      expect: [ { rule: p.export, actor: alice, severity: medium, summary_contains: "(3 records)" } ]
    - name: wrong severity
      events:
        - { ts: "2025-03-04T10:00:00Z", actor_id: alice, action: export, resource_type: customer, record_count: 3 }
      expect: [ { rule: p.export, actor: alice, severity: high } ]
    - name: missing and unexpected
      events:
        - { ts: "2025-03-04T10:00:00Z", actor_id: alice, action: delete, resource_type: customer, record_count: 1 }
      expect: [ { rule: p.export, actor: alice } ]
    - name: repeat and generate_records expand to distinct events and records
      events:
        - { ts: 1741082400000, actor_id: alice, action: export, resource_type: customer, generate_records: 4, repeat: 3, every: 1m }
      expect: [ { rule: p.export, actor: alice, min_observed: 12 } ]
`;

describe('runRuleTests', () => {
  const results = runRuleTests(rules(FILE), { toEnriched: shippedCaseEnricher() });

  it('passes a matching case and fails mismatches with a readable diff', () => {
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['passes', true],
      ['wrong severity', false],
      ['missing and unexpected', false],
      ['repeat and generate_records expand to distinct events and records', true],
    ]);
    expect(results[0]?.line).toBe(19);
    expect(results[1]?.diff).toEqual(['p.export for alice: severity medium, expected high']);
    expect(results[2]?.diff).toEqual([
      'missing: alert of p.export for alice',
      'unexpected: p.delete for alice (high, tier 1): support_agent alice: deletion (1 record)',
    ]);
    expect(results[3]?.alerts[0]?.summary).toBe('support_agent alice: export of customers (3 events, 12 records)');
  });
});
