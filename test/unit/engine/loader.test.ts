import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir } from '../../support/temp-dir.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSources, formatRuleProblem, loadRuleSet, RuleSetInvalidError, tryLoadRuleSet } from '../../../src/runtime/engine/index.js';
import { NOW, problems, rules } from './support/rules.js';

const POLICY = `
rules:
  - id: p.one
    version: 1
    kind: policy
    title: one
    severity: low
    when: { field: action, eq: export }
`;

describe('rule loader: errors carry file, line and reason', () => {
  it('reports an unknown top-level key on its own line', () => {
    expect(problems(`lists: {a: [x]}\nrulez: []\n`)).toEqual(['t1.yaml:2: unknown key `rulez`']);
  });

  it('reports an unknown key inside a rule on its line', () => {
    const text = POLICY.replace('    severity: low\n', '    severity: low\n    severty: high\n');
    expect(problems(text)).toEqual(['t1.yaml:8: rules.0: unknown key `severty`']);
  });

  it('reports a bad enum value at the value', () => {
    const out = problems(POLICY.replace('severity: low', 'severity: huge'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^t1\.yaml:7: rules\.0\.severity: /);
  });

  it('refuses a group_baseline_margin at or below lateness (the alignment distance, margin less lateness, would be nothing)', () => {
    expect(problems('settings:\n  lateness: 5m\n  group_baseline_margin: 1m\n')).toEqual([
      't1.yaml:3: group_baseline_margin (1m) must exceed lateness (5m): peer baselines are read as of a day\'s start less the margin, and partitions may drift the margin less the lateness apart; set group_baseline_margin (default 1d) above lateness, or lower lateness',
    ]);
    // The default margin (a day) against a lateness of two days.
    expect(problems('settings:\n  lateness: 2d\n')).toHaveLength(1);
    expect(() => rules('settings:\n  lateness: 5m\n  group_baseline_margin: 6m\n')).not.toThrow();
  });

  it('reports YAML syntax errors with their line', () => {
    const out = problems('lists:\n  a: [x]\n  b: [y\n');
    expect(out[0]).toMatch(/^t1\.yaml:[34]: YAML syntax/);
  });

  it('lists every problem, not just the first', () => {
    const text = `
rules:
  - id: p.a
    version: 1
    kind: policy
    title: a
    severity: low
    when: { field: acton, eq: export }
  - id: p.b
    version: 1
    kind: policy
    title: b
    severity: low
    when: { field: record_count, gt: many }
`;
    const out = problems(text);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^t1\.yaml:8: unknown field `acton`/);
    expect(out[1]).toBe('t1.yaml:14: `gt` takes a number');
  });

  it('refuses duplicate rule ids across files, naming the first file', () => {
    expect(problems(POLICY, POLICY)).toEqual(['t2.yaml:3: rule id `p.one` is already used in t1.yaml']);
  });

  it('refuses references to unknown lists, conditions and rules', () => {
    const text = `
rules:
  - id: p.x
    version: 1
    kind: policy
    title: x
    severity: low
    when:
      all:
        - { field: channel, in: { list: nope } }
        - { condition: missing }
exceptions:
  - { id: e1, rules: [p.y], actors: [a], owner: o, reason: r, expires: 2030-01-01 }
`;
    expect(problems(text)).toEqual([
      't1.yaml:10: unknown list `nope`',
      't1.yaml:11: unknown condition `missing`',
      't1.yaml:13: exception refers to unknown rule `p.y`',
    ]);
  });

  it('refuses a condition cycle', () => {
    const text = `
conditions:
  a: { when: { condition: b } }
  b: { when: { condition: a } }
`;
    expect(problems(text)).toEqual(['t1.yaml:4: condition `a` refers to itself (cycle)']);
  });

  it('refuses an exception that names neither actors nor roles', () => {
    const text = POLICY + `exceptions:\n  - { id: e1, rules: [p.one], owner: o, reason: r, expires: 2030-01-01 }\n`;
    expect(problems(text)[0]).toMatch(/^t1\.yaml:10: exceptions\.0: an exception names actors and\/or roles/);
  });

  it('refuses a rate window with two limits', () => {
    const text = `
rules:
  - id: r.x
    version: 1
    kind: rate
    title: x
    severity: low
    measure: distinct_customers
    windows:
      - { window: 5m, limit: 10, budget: { role_limit: daily, default: 5 } }
`;
    expect(problems(text)).toEqual(['t1.yaml:10: rules.0.windows.0: a window has exactly one of baseline, budget, limit']);
  });

  it('refuses an events measure without `count` or `class`', () => {
    const text = `
rules:
  - id: r.x
    version: 1
    kind: rate
    title: x
    severity: low
    measure: events
    windows: [{ window: 5m, limit: 3 }]
`;
    expect(problems(text)).toEqual(['t1.yaml:8: measure `events` needs `count` (the predicate selecting counted events) or `class` (an activity class)']);
  });

  it('refuses a distinct_customers window under one second at load, instead of every event failing with an uncatalogued error (issue 8 point 5)', () => {
    const text = `
rules:
  - id: r.x
    version: 1
    kind: rate
    title: x
    severity: low
    measure: distinct_customers
    windows:
      - { window: 5m, limit: 10 }
      - { window: 500ms, limit: 10 }
`;
    expect(problems(text)).toEqual(['t1.yaml:11: a distinct_customers window is at least one second (its counts are kept per second)']);
  });

  it('warns (does not fail) about an expired exception, with its line', () => {
    const rs = rules(POLICY + `exceptions:\n  - { id: old, rules: [p.one], actors: [a], owner: jane, reason: r, expires: 2025-06-30 }\n`);
    expect(rs.warnings).toEqual([{ file: 't1.yaml', line: 10, reason: 'exception `old` (owner jane) has expired and no longer applies' }]);
  });
});

describe('rule loader: folders', () => {
  const dir = tempDir('custos-rules-');
  mkdirSync(join(dir, 'policy'));
  mkdirSync(join(dir, 'enrichment'));
  writeFileSync(join(dir, 'policy', 'a.yaml'), POLICY);
  // Enrichment files have another schema and must be skipped.
  writeFileSync(join(dir, 'enrichment', 'zones.yaml'), 'zones: [{name: office, cidrs: [10.0.0.0/8]}]\n');

  it('loads *.yaml below the folder, skipping enrichment/', () => {
    const rs = loadRuleSet(dir, { now: NOW });
    expect([...rs.rulesById.keys()]).toEqual(['p.one']);
    expect(rs.files).toEqual([join(dir, 'policy', 'a.yaml')]);
  });

  it('throws a typed error listing problems; tryLoad returns them instead', () => {
    const bad = tempDir('custos-bad-');
    writeFileSync(join(bad, 'x.yaml'), 'rules: 3\n');
    expect(() => loadRuleSet(bad)).toThrow(RuleSetInvalidError);
    try {
      loadRuleSet(bad);
    } catch (err) {
      expect((err as RuleSetInvalidError).code).toBe('CUSTOS_RULES_INVALID');
      expect((err as RuleSetInvalidError).problems[0]?.file).toBe(join(bad, 'x.yaml'));
      expect((err as RuleSetInvalidError).problems[0]?.line).toBe(1);
    }
    const r = tryLoadRuleSet(bad);
    expect(r.ok).toBe(false);
  });

  it('loads the shipped rules', () => {
    const rs = loadRuleSet('rules', { now: NOW });
    expect(rs.policyRules.length).toBeGreaterThanOrEqual(7);
    expect(rs.rateRules.map((r) => r.id).sort()).toEqual([
      'rate.browse.new-customer-requests',
      'rate.budget.daily-distinct-customers',
      'rate.bulk.distinct-customers',
      'rate.denied.burst',
      'rate.first-seen.resource-volume',
      'signal.days.own',
      'signal.days.peers',
      'signal.days.trend',
      'signal.exports.own',
      'signal.exports.peers',
      'signal.hour.own',
      'signal.hour.peers',
    ]);
    expect(rs.scoreRules.map((r) => r.id)).toEqual(['risk.behaviour.combined']);
    expect(rs.settings.activityClasses.map((c) => c.name)).toEqual(['exports']);
    expect([...rs.roles.keys()].sort()).toEqual([
      'data_analyst',
      'engineer',
      'finance_clerk',
      'marketing_analyst',
      'security_analyst',
      'service_api',
      'service_batch',
      'support_agent',
      'support_lead',
    ]);
  });
});

describe('rule loader: a file failing the schema does not hide problems in other files', () => {
  const LIFECYCLE = `rules:
  - id: policy.lifecycle.terminated-access
    version: 1
    kind: policy
    title: access by a terminated employee
    severity: catastrophic
    when: { field: actor.employment_status, eq: terminated }
`;
  const PURPOSE = `rules:
  - id: policy.purpose.customer-read-without-ticket
    version: 1
    kind: policy
    title: customer record read without a ticket
    severity: low
    when:
      all:
        - { field: action, eq: read }
        - { field: ticket_idd, exists: false }
`;

  it('lists the schema problem of one file and the semantic problem of another, with file and line', () => {
    const dir = tempDir('custos-two-bad-');
    mkdirSync(join(dir, 'policy'));
    writeFileSync(join(dir, 'policy', 'lifecycle.yaml'), LIFECYCLE);
    writeFileSync(join(dir, 'policy', 'purpose-binding.yaml'), PURPOSE);

    const r = tryLoadRuleSet(dir, { now: NOW });
    expect(r.ok).toBe(false); // refused as a whole: the caller keeps its last good set
    const out = r.ok ? [] : r.problems.map(formatRuleProblem);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(new RegExp(`^${escape(join(dir, 'policy', 'lifecycle.yaml'))}:6: rules\\.0\\.severity: `));
    expect(out[1]).toMatch(new RegExp(`^${escape(join(dir, 'policy', 'purpose-binding.yaml'))}:10: unknown field \`ticket_idd\``));

    // The throwing variant used at start-up and by `custos rules check` carries the same list.
    let thrown: unknown;
    try {
      loadRuleSet(dir, { now: NOW });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RuleSetInvalidError);
    expect((thrown as RuleSetInvalidError).problems.map((p) => [p.file, p.line])).toEqual([
      [join(dir, 'policy', 'lifecycle.yaml'), 6],
      [join(dir, 'policy', 'purpose-binding.yaml'), 10],
    ]);
  });

  it('does not report references to names a broken file defines, but still reports truly unknown ones', () => {
    const broken = `
lists:
  consoles: [support_console]
conditions:
  not_denied: { when: { field: outcome, ne: denied } }
rules:
  - id: p.broken
    version: 1
    kind: policy
    title: broken
    severity: huge
    when: { field: action, eq: export }
`;
    const good = `
rules:
  - id: p.good
    version: 1
    kind: policy
    title: good
    severity: low
    when:
      all:
        - { field: channel, in: { list: consoles } }
        - { condition: not_denied }
        - { field: channel, in: { list: nope } }
exceptions:
  - { id: e1, rules: [p.broken, p.good], actors: [a], owner: o, reason: r, expires: 2030-01-01 }
`;
    const out = problems(broken, good);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^t1\.yaml:11: rules\.0\.severity: /);
    expect(out[1]).toBe('t2.yaml:12: unknown list `nope`');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('rule loader: role limits are names the roles and the rules agree on', () => {
  const ROLES = `
roles:
  agent:
    limits: { max_records_per_request: 50, daily_distinct_customers: 250 }
  lead:
    limits: { max_records_per_request: 200, daily_distinct_customers: 1500 }
`;
  const ruleNaming = (request: string, daily: string, floor: string, enabled = true) => `
rules:
  - id: p.records
    version: 1
    kind: policy
    title: records
    severity: low
    enabled: ${enabled}
    check: { type: record_limit, role_limit: ${request}, default: 100 }
  - id: r.daily
    version: 1
    kind: rate
    title: daily
    severity: low
    measure: distinct_customers
    windows:
      - { window: 24h, budget: { role_limit: ${daily}, default: 1000 } }
      - window: 1h
        limit: 500
        floor_role_limit: { limit: ${floor}, times: 2 }
`;

  it('loads when every role sets every limit a rule names, without warnings', () => {
    const rs = rules(ROLES, ruleNaming('max_records_per_request', 'daily_distinct_customers', 'max_records_per_request'));
    expect(rs.warnings).toEqual([]);
  });

  it('refuses a rule naming a role limit no role defines, wherever a rule names one (record_limit, budget, floor_role_limit), with the nearest name', () => {
    const out = problems(ROLES, ruleNaming('max_record_per_request', 'daily_distinct_customer', 'records'));
    expect(out).toEqual([
      't2.yaml:9: rule `p.records` names role limit `max_record_per_request`, which no role defines (did you mean `max_records_per_request`? the roles set daily_distinct_customers, max_records_per_request)',
      't2.yaml:17: rule `r.daily` names role limit `daily_distinct_customer`, which no role defines (did you mean `daily_distinct_customers`? the roles set daily_distinct_customers, max_records_per_request)',
      't2.yaml:20: rule `r.daily` names role limit `records`, which no role defines (the roles set daily_distinct_customers, max_records_per_request)',
    ]);
  });

  it('checks the role limits a disabled rule names (enabling it later must not reveal a typo)', () => {
    const out = problems(ROLES, ruleNaming('max_record_per_request', 'daily_distinct_customers', 'max_records_per_request', false));
    expect(out).toEqual([expect.stringMatching(/^t2\.yaml:9: rule `p\.records` names role limit `max_record_per_request`, which no role defines/)]);
  });

  it("refuses a role missing a limit that other roles set and a rule names, at the role's limits, naming its typo; the stray name is a warning", () => {
    const typo = ROLES.replace('limits: { max_records_per_request: 50,', 'limits: { max_record_per_request: 50,');
    const r = compileRuleSources(
      [
        { file: 't1.yaml', text: typo },
        { file: 't2.yaml', text: ruleNaming('max_records_per_request', 'daily_distinct_customers', 'max_records_per_request') },
      ],
      { now: NOW },
    );
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map(formatRuleProblem)).toEqual([
      "t1.yaml:4: role `agent` sets no limit `max_records_per_request` (it sets `max_record_per_request`: a typo?), which rule `p.records` names at t2.yaml:9 and 1 more place: every role sets each limit a rule names; a rule's `default` is for actors whose role the role table does not define",
    ]);
    expect(r.warnings.map(formatRuleProblem)).toEqual([
      't1.yaml:4: limit `max_record_per_request` (set by role agent) is named by no rule: it changes nothing (did you mean `max_records_per_request`?)',
    ]);
  });

  it('refuses a rule naming a role limit when no role sets any limit', () => {
    const out = problems(`roles:\n  agent: {}\n`, ruleNaming('max_records_per_request', 'daily_distinct_customers', 'max_records_per_request'));
    expect(out[0]).toBe('t2.yaml:9: rule `p.records` names role limit `max_records_per_request`, which no role defines (no role sets any limit)');
    expect(out).toHaveLength(3); // the budget and the floor too
  });

  it('warns (does not fail) about a role limit no rule names, once per limit, on the first role setting it', () => {
    const rs = rules(ROLES, POLICY);
    expect(rs.warnings.map(formatRuleProblem)).toEqual([
      't1.yaml:4: limit `max_records_per_request` (set by roles agent, lead) is named by no rule: it changes nothing',
      't1.yaml:4: limit `daily_distinct_customers` (set by roles agent, lead) is named by no rule: it changes nothing',
    ]);
  });

  it('does not report a limit that a roles file failing validation sets (its own problem explains it)', () => {
    const broken = ROLES.replace('  lead:\n', '  lead:\n    colour: red\n');
    const out = problems(broken, ruleNaming('max_records_per_request', 'daily_distinct_customers', 'max_records_per_request'));
    expect(out).toEqual(['t1.yaml:6: roles.lead: unknown key `colour`']);
  });
});

describe('rule loader: literals of fields whose values the contract enumerates', () => {
  const policyWhen = (when: string) => `
rules:
  - id: p.x
    version: 1
    kind: policy
    title: x
    severity: low
    when: ${when}
`;

  it('refuses an eq / ne literal that is no value of the field, naming the values and the nearest one', () => {
    expect(problems(policyWhen('{ field: actor.kind, eq: humans }'))).toEqual(['t1.yaml:8: `humans` is not a value of `actor.kind` (one of human, service; did you mean `human`?)']);
    expect(problems(policyWhen('{ field: outcome, ne: denyed }'))).toEqual(['t1.yaml:8: `denyed` is not a value of `outcome` (one of success, denied, error; did you mean `denied`?)']);
    expect(problems(policyWhen('{ field: actor.employment_status, eq: retired }'))).toEqual([
      't1.yaml:8: `retired` is not a value of `actor.employment_status` (one of active, notice, leave, terminated, unknown)',
    ]);
    expect(problems(policyWhen('{ field: local_time.weekday, eq: 0 }'))).toEqual(['t1.yaml:8: `0` is not a value of `local_time.weekday` (a whole number from 1 to 7)']);
  });

  it('refuses a comparison no value of an enumerated field meets (it would never hold), and keeps one some value meets', () => {
    expect(problems(policyWhen('{ field: local_time.hour, gt: 23 }'))).toEqual(['t1.yaml:8: `gt: 23` never holds for `local_time.hour` (a whole number from 0 to 23)']);
    expect(problems(policyWhen('{ field: local_time.hour, gte: 24 }'))).toEqual(['t1.yaml:8: `gte: 24` never holds for `local_time.hour` (a whole number from 0 to 23)']);
    expect(problems(policyWhen('{ field: local_time.weekday, lt: 1 }'))).toEqual(['t1.yaml:8: `lt: 1` never holds for `local_time.weekday` (a whole number from 1 to 7)']);
    expect(problems(policyWhen('{ field: local_time.hour, lte: -1 }'))).toEqual(['t1.yaml:8: `lte: -1` never holds for `local_time.hour` (a whole number from 0 to 23)']);
    expect(rules(policyWhen('{ field: local_time.hour, gte: 23 }')).policyRules).toHaveLength(1);
    expect(rules(policyWhen('{ field: local_time.weekday, lte: 1 }')).policyRules).toHaveLength(1);
    // A field without enumerated values takes any bound.
    expect(rules(policyWhen('{ field: record_count, gt: 1000000000 }')).policyRules).toHaveLength(1);
  });

  it('refuses an inline in / not_in item that is no value of the field, on the line of the item', () => {
    const text = policyWhen(`
      all:
        - field: action
          in:
            - read
            - serch
        - { field: local_time.hour, not_in: [23, 24] }`);
    expect(problems(text)).toEqual([
      't1.yaml:13: `serch` is not a value of `action` (one of read, search, export, update, delete; did you mean `search`?)',
      't1.yaml:14: `24` is not a value of `local_time.hour` (a whole number from 0 to 23)',
    ]);
  });

  it('accepts every value the contract enumerates (employment status `unknown` included)', () => {
    const rs = rules(
      policyWhen(`
      all:
        - { field: action, in: [read, search, export, update, delete] }
        - { field: outcome, in: [success, denied, error] }
        - { field: actor.kind, in: [human, service] }
        - { field: actor.employment_status, in: [active, notice, leave, terminated, unknown] }`),
    );
    expect(rs.policyRules).toHaveLength(1);
  });

  it('checks a named list where it is used against such a field, naming the bad item and its line; the same list serves other fields freely', () => {
    const lists = `lists:\n  reads: [read, serch]\n  leaving: [notice, leave]\n`;
    const conditions = `
conditions:
  bulk:
    when: { field: action, in: { list: reads } }
  leaving:
    when: { field: actor.employment_status, in: { list: leaving } }
  channels:
    when: { field: channel, in: { list: reads } }
`;
    expect(problems(lists, conditions)).toEqual([
      't2.yaml:4: list `reads` holds `serch` (t1.yaml:2), which is not a value of `action` (one of read, search, export, update, delete; did you mean `search`?)',
    ]);
    expect(problems(lists.replace('[read, serch]', '[read, search]') + `exceptions:\n  - { id: e, rules: [p.x], actors: [a], owner: o, reason: r, expires: 2030-01-01, when: { field: action, not_in: { list: leaving } } }\n`, policyWhen('{ field: action, eq: read }'))).toEqual([
      expect.stringMatching(/^t1\.yaml:5: list `leaving` holds `notice` \(t1\.yaml:3\), which is not a value of `action`/),
      expect.stringMatching(/^t1\.yaml:5: list `leaving` holds `leave` \(t1\.yaml:3\), which is not a value of `action`/),
    ]);
  });

  it('checks the predicates of settings (counted, activity classes) too', () => {
    expect(problems(`settings:\n  activity_classes:\n    exports: { field: action, eq: exports }\n`)).toEqual([
      't1.yaml:3: `exports` is not a value of `action` (one of read, search, export, update, delete; did you mean `export`?)',
    ]);
  });
});
