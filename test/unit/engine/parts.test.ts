/**
 * Policy check types and rate measures are registered parts
 * (src/runtime/engine/checks/, measures/): the rule-file schema is built from
 * the lists, each part checks its own fields, and the rest of the engine
 * never names a check type or a measure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POLICY_CHECKS } from '../../../src/runtime/engine/checks/index.js';
import { RATE_MEASURES } from '../../../src/runtime/engine/measures/index.js';
import { problems, rules } from './support/rules.js';

const ENGINE = join(__dirname, '../../../src/runtime/engine');

function sourcesOutside(dir: string, skip: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!skip.includes(name)) out.push(...sourcesOutside(path, skip));
    } else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const rateRule = (measure: string, extra = '') => `
rules:
  - id: r.x
    version: 1
    kind: rate
    title: x
    severity: low
    measure: ${measure}
${extra}    windows: [{ window: 5m, limit: 3 }]
`;

describe('engine parts: the registered lists are what rule files may name', () => {
  it('accepts every registered check type and names them all when a type is unknown', () => {
    for (const c of POLICY_CHECKS) {
      const check = c.type === 'record_limit' ? `{ type: ${c.type}, role_limit: max, default: 10 }` : `{ type: ${c.type} }`;
      // A role limit a rule names is set by every role (here the one role).
      const rs = rules(`roles:\n  r: { limits: { max: 5 } }\nrules:\n  - { id: p.x, version: 1, kind: policy, title: x, severity: low, check: ${check} }\n`);
      expect(rs.policyRules.map((r) => r.check !== null)).toEqual([true]);
    }
    const out = problems(`rules:\n  - { id: p.x, version: 1, kind: policy, title: x, severity: low, check: { type: nope } }\n`);
    expect(out).toHaveLength(1);
    for (const c of POLICY_CHECKS) expect(out[0]).toContain(c.type);
  });

  it('accepts every registered measure (with its own fields) and refuses an unknown one', () => {
    for (const m of RATE_MEASURES) {
      // A measure of whole days takes a number of days (4: the fewest a trend reads); the others a predicate.
      const value = m.spansDays === true ? '4' : '{ field: outcome, eq: denied }';
      // (`class` is the alternative to `count`, and names an activity class of the settings: left out.)
      const extra = Object.keys(m.fields).filter((f) => f !== 'class').map((f) => `    ${f}: ${value}\n`).join('');
      const text = rateRule(m.name, extra);
      const rs = rules(m.spansDays === true ? text.replace('window: 5m', 'window: 7d') : text);
      expect(rs.rateRules.map((r) => r.measure.part.name)).toEqual([m.name]);
    }
    const out = problems(rateRule('nope'));
    expect(out).toHaveLength(1);
    for (const m of RATE_MEASURES) expect(out[0]).toContain(m.name);
  });

  it("refuses another measure's field on a rule, naming the measure it belongs to", () => {
    expect(problems(rateRule('distinct_customers', '    class: exports\n'))).toEqual([
      't1.yaml:9: `class` is a field of measure `events`, not of `distinct_customers`',
    ]);
  });

  it('refuses a baseline that measures something else than the window counts', () => {
    // Requests against a history of customers, and a predicate's requests (which no bucket stores).
    const denied = rateRule('events', '    count: { field: outcome, eq: denied }\n');
    expect(problems(denied.replace('{ window: 5m, limit: 3 }', '{ window: 5m, baseline: { metric: hour_peak_5m } }'))).toEqual([
      't1.yaml:10: measure `events` counts requests: baseline metric hour_peak_5m counts customers',
    ]);
    expect(problems(denied.replace('{ window: 5m, limit: 3 }', '{ window: 5m, baseline: { metric: hour_events, class: exports } }'))).toEqual([
      't1.yaml:10: this rule counts no activity class (`class`): its requests have no stored history to compare with',
    ]);
    expect(problems(rateRule('distinct_customers').replace('{ window: 5m, limit: 3 }', '{ window: 5m, baseline: { metric: hour_events, class: exports } }'))).toEqual([
      't1.yaml:9: measure `distinct_customers` counts customers: baseline metric hour_events counts requests',
    ]);
    // The customers of selected events only (`count`): no activity row records them.
    const selected = rateRule('distinct_customers', '    count: { field: first_seen.resource_type, eq: true }\n');
    expect(rules(selected).rateRules[0]?.windows[0]?.limit).toEqual({ type: 'static', value: 3 });
    expect(problems(selected.replace('{ window: 5m, limit: 3 }', '{ window: 5m, baseline: { metric: hour_peak_5m } }'))).toEqual([
      't1.yaml:10: with `count`, the customers counted are only those of the selected events, which no activity row records: give the window a fixed `limit` (and `floor`), not a baseline',
    ]);
    // Requests are profiled per activity class: a metric of requests names its class, a class its metric, and the class exists.
    const exports = rateRule('events', '    class: exports\n');
    expect(problems(exports.replace('{ window: 5m, limit: 3 }', '{ window: 5m, baseline: { metric: day_events } }'))).toEqual([
      't1.yaml:10: rules.0.windows.0: baseline metric day_events counts the requests of an activity class: give its `class`',
    ]);
    expect(problems(rateRule('distinct_customers').replace('{ window: 5m, limit: 3 }', '{ window: 5m, baseline: { metric: day_distinct, class: exports } }'))).toEqual([
      't1.yaml:9: rules.0.windows.0: baseline.class counts requests of a class: its metric is hour_events or day_events, not day_distinct',
    ]);
    expect(problems(exports)).toEqual(['t1.yaml:9: unknown activity class `exports` (settings.activity_classes)']);
    const withClass = `settings:\n  activity_classes:\n    exports: { field: action, eq: export }\n${exports.replace('{ window: 5m, limit: 3 }', '{ window: 5m, baseline: { metric: day_events, class: exports } }')}`;
    expect(rules(withClass).rateRules[0]?.windows[0]?.limit).toMatchObject({ type: 'baseline', baseline: { metric: 'day_events:exports' } });
  });
});

describe('engine parts: only the parts name their types', () => {
  it('no engine file outside checks/ and measures/ names a check type or a measure as a string', () => {
    const names = [...POLICY_CHECKS.map((c) => c.type), ...RATE_MEASURES.map((m) => m.name)];
    const offenders: string[] = [];
    for (const file of sourcesOutside(ENGINE, ['checks', 'measures'])) {
      const text = readFileSync(file, 'utf8');
      for (const n of names) if (text.includes(`'${n}'`) || text.includes(`"${n}"`)) offenders.push(`${relative(ENGINE, file)}: '${n}'`);
    }
    expect(offenders).toEqual([]);
  });
});
