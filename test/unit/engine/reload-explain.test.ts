import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { compileRuleSources, createEngine, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import { ev, ref, T0, LATER } from './support/enrich.js';
import { hourlyRows } from './support/history.js';
import { eventsQuery, storedAlert } from '../../../src/runtime/outputs/clickhouse/events-query.js';
import { BASELINE_RULES, ENGINE_RULES, NOW, rules } from './support/rules.js';

const refs = (p: string, n: number) => Array.from({ length: n }, (_, i) => ref(`${p}-${i}`));
const only = (ups: readonly AlertUpdate[], rule: string) => ups.filter((u) => u.alert.rule_id === rule);

describe('hot reload', () => {
  it('keeps window state: counts seen under the old rules decide under the new ones', () => {
    const e = createEngine({ rules: rules(ENGINE_RULES), clock: new ManualClock(T0) });
    expect(only(e.evaluate([ev({ record_refs: refs('a', 80) })]).alerts, 'r.static')).toEqual([]);
    // New version: 5m limit lowered to 50, plus a new 2m window.
    const v2 = rules(
      ENGINE_RULES.replace('version: 1\n    kind: rate\n    title: many customers', 'version: 2\n    kind: rate\n    title: many customers')
        .replace('{ window: 5m, limit: 100 }', '{ window: 5m, limit: 50 }\n      - { window: 2m, limit: 1000 }'),
    );
    e.replaceRules(v2);
    const up = only(e.evaluate([ev({ record_refs: refs('b', 1), ts: T0 + 1_000 })]).alerts, 'r.static')[0];
    expect(up?.alert.observed).toBe(81);
    expect(up?.alert.rule_version).toBe('2');
    expect((up?.alert.explanation.windows as { window: string; observed: number }[]).map((w) => [w.window, w.observed])).toEqual([
      ['5m', 81],
      ['2m', 81], // the new horizon is rebuilt from the log
      ['1h', 81],
    ]);
  });

  it('keeps event counters by rule id and horizon: a reload that adds a counting rule before them changes neither count', () => {
    const e = createEngine({ rules: rules(ENGINE_RULES), clock: new ManualClock(T0) });
    const denied = (i: number) => ev({ outcome: 'denied', record_refs: [], record_count: 0, ts: T0 + i * 1_000 });
    expect(only(e.evaluate([denied(0), denied(1), denied(2), denied(3)]).alerts, 'r.denied')).toEqual([]);
    // A new events rule ahead of r.denied (its state is new), and r.denied's own window unchanged.
    const v2 = rules(
      ENGINE_RULES.replace(
        '  - id: r.denied\n',
        `  - id: r.exports
    version: 1
    kind: rate
    title: exports
    severity: low
    measure: events
    count: { field: action, eq: export }
    windows: [ { window: 10m, limit: 1 } ]
  - id: r.denied
`,
      ),
    );
    e.replaceRules(v2);
    // The fifth denied access is above the limit of 4: the four before the reload still count.
    const up = only(e.evaluate([denied(4)]).alerts, 'r.denied')[0];
    expect(up?.alert.observed).toBe(5);
    // The new rule counts from zero: one export is not above its limit of 1, the second is.
    const exp = (i: number) => ev({ action: 'export', record_count: 1, ts: T0 + 10_000 + i * 1_000 });
    expect(only(e.evaluate([exp(0)]).alerts, 'r.exports')).toEqual([]);
    expect(only(e.evaluate([exp(1)]).alerts, 'r.exports')[0]?.alert.observed).toBe(2);
  });

  it('keeps open alerts: a follow-up after the reload merges into the same alert', () => {
    const e = createEngine({ rules: rules(ENGINE_RULES), clock: new ManualClock(T0) });
    const open = only(e.evaluate([ev({ action: 'export', record_count: 1 })]).alerts, 'p.export')[0];
    e.replaceRules(rules(ENGINE_RULES));
    const merged = only(e.evaluate([ev({ action: 'export', record_count: 1, ts: T0 + 1_000 })]).alerts, 'p.export')[0];
    expect(merged?.alert.alert_id).toBe(open?.alert.alert_id);
    expect(merged?.alert.revision).toBe(2);
  });

  it('refuses an invalid change without throwing (the caller keeps the last good set)', () => {
    const r = compileRuleSources([{ file: 'bad.yaml', text: ENGINE_RULES.replace('severity: low', 'severity: loud') }], { now: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]?.reason).toMatch(/severity/);
  });
});

describe('explained alerts', () => {
  const RS = rules(BASELINE_RULES);
  const scrape = () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(T0) });
    e.restore({
      activity: [
        ...hourlyRows('alice', { days: 3, peak5m: 50, before: T0 }),
        ...['p1', 'p2', 'p3'].flatMap((p) => hourlyRows(p, { days: 3, peak5m: 40, before: T0 })),
      ],
      alerts: [],
      recentEvents: [],
    });
    let last: AlertUpdate | undefined;
    // 4,812 distinct customers in 5 minutes, off hours, on notice, exported with financial fields.
    for (let i = 0; i < 49; i++) {
      const n = i === 48 ? 12 : 100;
      const out = e.evaluate([
        ev({
          event_id: `x-${i}`,
          action: 'export',
          record_refs: refs(`s${i}`, n),
          ts: T0 + i * 5_000,
          business_hours: false,
          actor: { employment_status: 'notice' },
          fields: ['iban'],
          field_classes: ['financial'],
        }),
      ]).alerts;
      last = only(out, 'r.base')[0] ?? last;
    }
    // The query is the store's to render (database `audit`).
    return last === undefined ? undefined : storedAlert(last, 'audit');
  };

  it('writes a one-sentence summary with the figures an analyst needs', () => {
    const a = scrape();
    expect(a?.summary).toBe(
      'support_agent alice exported 4,812 distinct customers in 5m, 96× their usual 50 (peers: 40); also exported 4,812 distinct customers in 24h, above the 24h budget of 200; outside business hours; status notice',
    );
    expect(a?.severity).toBe('critical');
    expect(a?.tier).toBe(3);
    expect(a?.baseline_source).toBe('own');
    expect(a?.baseline).toBe(50);
    expect(a?.score).toBe(96.24);
  });

  it('explains with windows, baselines at each step, context and raises', () => {
    const x = scrape()?.explanation as Record<string, any>;
    expect(x.windows[0]).toMatchObject({
      window: '5m',
      observed: 4812,
      limit: 100, // notice: z x 0.5 -> (1 + 50) x e^(2 x 0.25) - 1 = 83.1, below the floor of 100
      spread: 0.25,
      z: 2,
      floor: 100,
      baseline_source: 'own',
      usual: 50,
      band: 'business',
      status_factor: 0.5,
      own: { samples: 24, actors: 1, median: 50, used: true },
      // As of the day before T0's (group_baseline_margin): two of the three days.
      peers: { samples: 64, actors: 4, used: true },
    });
    expect(x.context).toMatchObject({ outside_business_hours: true, employment_status: 'notice', field_classes: ['financial'], actions: { export: 4712 } }); // records of the triggering events (the first, 100, was under the limit)
    expect(x.severity_raises).toEqual([{ reason: 'outside business hours', by: 1 }]);
    expect(x.tiers).toEqual([2, 10]);
  });

  it('never puts a record ref in the summary or explanation; samples event ids; builds an escaped query', () => {
    const a = scrape();
    const text = `${a?.summary} ${JSON.stringify(a?.explanation)}`;
    for (let i = 0; i < 49; i++) expect(text).not.toContain(ref(`s${i}-0`));
    expect(text).not.toMatch(/[0-9a-f]{32}/);
    expect(a?.event_ids).toEqual(['x-1', 'x-2', 'x-3', 'x-4', 'x-5', 'x-6', 'x-7', 'x-8', 'x-9', 'x-10', 'x-11', 'x-12', 'x-13', 'x-14', 'x-15', 'x-16', 'x-17', 'x-18', 'x-19', 'x-20']);
    expect(a?.query).toBe(
      `SELECT event_id, ts, ts_ms, actor_id, action, resource_type, record_count, record_refs, fields, outcome, channel, source_ip, session_id, ticket_id FROM \`audit\`.\`access_events\` FINAL WHERE actor_id = 'alice' AND ts_ms >= ${a!.window_start} AND ts_ms <= ${T0 + 48 * 5_000} ORDER BY ts_ms, event_id`,
    );
    // Opened by the second event (200 > 100); the budget finding (24h, joined at the third event)
    // widens the verdict's window to the day before it.
    expect(a!.window_start).toBe(T0 + 10_000 - 86_400_000);
    const f = a!.explanation.findings as { rule_id: string; window_start: number; window: string }[];
    expect(f.map((x) => [x.rule_id, x.window, x.window_start])).toEqual([
      ['r.base', '5m', T0 + 5_000 - 300_000],
      ['r.budget', '24h', T0 + 10_000 - 86_400_000],
    ]);
  });

  it('escapes hostile actor ids in the query, and lists a small policy alert by event id', () => {
    const e = createEngine({ rules: rules(ENGINE_RULES), clock: new ManualClock(T0) });
    const u = only(e.evaluate([ev({ actor_id: "o'brien\\x", action: 'export', record_count: 1, event_id: "e'1" })]).alerts, 'p.export')[0];
    const a = u === undefined ? undefined : storedAlert(u, 'custos');
    expect(a?.query).toContain("actor_id = 'o\\'brien\\\\x'");
    expect(a?.query).toContain("event_id IN ('e\\'1')");
    expect(a?.summary).toBe("support_agent o'brien\\x: export of customers (1 record)");
  });

  it('refuses a database name that is not an identifier', () => {
    expect(() => eventsQuery('x; DROP', { actors: { one: 'a' }, eventIds: null, fromMs: 0, toMs: 0 })).toThrow(/plain identifier/);
  });
});

describe('exceptions', () => {
  const EXC = `
exceptions:
  - { id: by-actor, rules: [p.export], actors: [alice], owner: o, reason: r, expires: 2025-03-31 }
  - { id: by-role, rules: [p.export], roles: [support_lead], when: { field: record_count, lte: 10 }, owner: o, reason: r, expires: "2025-03-10T00:00:00Z" }
`;
  const RS = rules(ENGINE_RULES, EXC);
  const exportBy = (actor: string, role: string, ts: number, n = 1) =>
    ev({ actor_id: actor, actor: { role }, action: 'export', record_count: n, record_refs: [], ts });

  it('silence a rule for the named actor until the end of the expiry day (event time)', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(LATER) });
    expect(only(e.evaluate([exportBy('alice', 'support_agent', Date.parse('2025-03-31T23:59:00Z'))]).alerts, 'p.export')).toEqual([]);
    expect(only(e.evaluate([exportBy('alice', 'support_agent', Date.parse('2025-04-01T00:00:00Z'))]).alerts, 'p.export')).toHaveLength(1);
    expect(e.stats().exceptionsApplied).toBe(1);
  });

  it('are scoped by role and predicate', () => {
    const e = createEngine({ rules: RS, clock: new ManualClock(LATER) });
    expect(only(e.evaluate([exportBy('lee', 'support_lead', T0, 5)]).alerts, 'p.export')).toEqual([]);
    expect(only(e.evaluate([exportBy('lee', 'support_lead', T0 + 1_000, 50)]).alerts, 'p.export')).toHaveLength(1);
    expect(only(e.evaluate([exportBy('bob', 'support_agent', T0)]).alerts, 'p.export')).toHaveLength(1);
    // Expired at 2025-03-10T00:00Z.
    expect(only(e.evaluate([exportBy('kim', 'support_lead', Date.parse('2025-03-10T00:00:00Z'), 5)]).alerts, 'p.export')).toHaveLength(1);
  });
});
