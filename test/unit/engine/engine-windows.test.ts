import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import { ev, ref, T0, LATER } from './support/enrich.js';
import { ENGINE_RULES, rules } from './support/rules.js';

const RS = rules(ENGINE_RULES);
const engine = () => createEngine({ rules: RS, clock: new ManualClock(LATER) });
const rateAlerts = (ups: readonly AlertUpdate[], rule = 'r.static') => ups.filter((u) => u.alert.rule_id === rule);
/** The observed figure of a rule's finding in any alert of the batch (findings merge into the actor's one alert). */
const findingObserved = (ups: readonly AlertUpdate[], rule = 'r.static') =>
  ups.flatMap((u) => u.alert.explanation.findings as { rule_id: string; observed: number }[]).find((f) => f.rule_id === rule)?.observed;
const refs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ref(`${prefix}-${i}`));

describe('engine windows: distinct customers, several horizons', () => {
  it('counts distinct customers across events (not events, not touches)', () => {
    const e = engine();
    // 3 events of 40 refs, overlapping by 20: 40 + 20 + 20 = 80 distinct. No alert at 80 (limit 100).
    expect(rateAlerts(e.evaluate([ev({ record_refs: refs('a', 40) })]).alerts)).toEqual([]);
    expect(rateAlerts(e.evaluate([ev({ record_refs: [...refs('a', 20), ...refs('b', 20)], ts: T0 + 1_000 })]).alerts)).toEqual([]);
    expect(rateAlerts(e.evaluate([ev({ record_refs: [...refs('b', 20), ...refs('c', 20)], ts: T0 + 2_000 })]).alerts)).toEqual([]);
    // 21 more new ones: 101 distinct in 5m > 100.
    const out = rateAlerts(e.evaluate([ev({ record_refs: refs('d', 21), ts: T0 + 3_000 })]).alerts);
    expect(out).toHaveLength(1);
    expect(out[0]?.alert.observed).toBe(101);
    expect(out[0]?.alert.window_label).toBe('5m');
  });

  it('judges each horizon: 250 in 5m is fine, 310 spread over an hour is not', () => {
    const e = engine();
    // 31 batches of 10, every 2 minutes: at most 30 in any 5m, 310 in 1h.
    let last: readonly AlertUpdate[] = [];
    for (let i = 0; i < 31; i++) last = e.evaluate([ev({ record_refs: refs(`h${i}`, 10), ts: T0 + i * 120_000 })]).alerts;
    const out = rateAlerts(last);
    expect(out).toHaveLength(1);
    expect(out[0]?.alert.window_label).toBe('1h');
    expect(out[0]?.alert.observed).toBe(310);
    expect(out[0]?.alert.baseline).toBe(300);
  });

  it('counts the count-only remainder (record_count beyond listed refs)', () => {
    const e = engine();
    // 10 refs but 80 records returned, then a count-only event of 30: 10 + 70 + 30 = 110.
    expect(rateAlerts(e.evaluate([ev({ record_refs: refs('x', 10), record_count: 80 })]).alerts)).toEqual([]);
    const out = rateAlerts(e.evaluate([ev({ record_refs: [], record_count: 30, ts: T0 + 1_000 })]).alerts);
    expect(out[0]?.alert.observed).toBe(110);
  });

  it('is idempotent for a replayed event_id (count-only part counted once)', () => {
    const e = engine();
    const first = ev({ record_refs: [], record_count: 60 });
    expect(rateAlerts(e.evaluate([first]).alerts)).toEqual([]);
    // The same event again (Kafka redelivery): still 60, no alert.
    expect(rateAlerts(e.evaluate([first]).alerts)).toEqual([]);
    expect(rateAlerts(e.evaluate([{ ...first, ts: T0 + 2_000 }]).alerts)).toEqual([]);
    // A different event of 60: 120 > 100.
    const out = rateAlerts(e.evaluate([ev({ record_refs: [], record_count: 60, ts: T0 + 3_000 })]).alerts);
    expect(out[0]?.alert.observed).toBe(120);
  });

  it('drops events later than the allowance from windows (counted in stats), but still applies policy to them', () => {
    const e = engine();
    e.evaluate([ev({ record_refs: refs('now', 60), ts: T0 + 10 * 60_000 })]);
    const late = ev({ record_refs: refs('late', 60), ts: T0, action: 'export' }); // 10 minutes late > 5m allowance
    const out = e.evaluate([late]);
    expect(e.stats().lateDropped).toBe(1);
    expect(rateAlerts(out.alerts)).toEqual([]); // 60 + 60 would have crossed 100
    expect(out.alerts.map((u) => u.alert.rule_id)).toEqual(['p.export']);
    // A late event within the allowance counts (its finding merges into the actor's open alert).
    const ok = e.evaluate([ev({ record_refs: refs('ok', 60), ts: T0 + 8 * 60_000 })]);
    const findings = ok.alerts[0]?.alert.explanation.findings as { rule_id: string; observed: number }[];
    expect(findings.map((f) => [f.rule_id, f.observed])).toEqual([
      ['p.export', 60],
      ['r.static', 120],
    ]);
  });

  it('counts denied events per actor in their own window (events measure)', () => {
    const e = engine();
    const denied = (i: number) => ev({ outcome: 'denied', record_refs: [], record_count: 0, ts: T0 + i * 30_000 });
    for (let i = 0; i < 4; i++) expect(rateAlerts(e.evaluate([denied(i)]).alerts, 'r.denied')).toEqual([]);
    const out = rateAlerts(e.evaluate([denied(4)]).alerts, 'r.denied');
    expect(out[0]?.alert.observed).toBe(5);
    expect(out[0]?.alert.summary).toBe('support_agent alice: 5 denied accesses in 10m, above the limit of 4');
    // Another actor's denials do not add up with alice's.
    const bob = createEngine({ rules: RS, clock: new ManualClock(T0) });
    for (let i = 0; i < 3; i++) bob.evaluate([denied(i)]);
    expect(rateAlerts(bob.evaluate([ev({ actor_id: 'bob', outcome: 'denied', record_count: 0, record_refs: [] })]).alerts, 'r.denied')).toEqual([]);
  });
});

describe('engine restore', () => {
  it('rebuilds windows from recent events without alerting, then counts on', () => {
    const e = engine();
    const stored = [ev({ record_refs: refs('r', 50), ts: T0 }), ev({ record_refs: refs('s', 30), ts: T0 + 1_000, action: 'export' })];
    e.restore({ activity: [], alerts: [], recentEvents: stored });
    // The same events redelivered by Kafka add nothing to windows; one new customer beyond 100 would alert.
    // The export's policy alert is not re-opened either: it was stored with the batch that judged
    // the export (open or closed), and a copy restarted at revision 1 would overwrite it.
    expect(e.evaluate(stored).alerts).toEqual([]);
    expect(findingObserved(e.evaluate([ev({ record_refs: refs('t', 20), ts: T0 + 2_000 })]).alerts)).toBeUndefined();
    expect(findingObserved(e.evaluate([ev({ record_refs: refs('u', 1), ts: T0 + 3_000 })]).alerts)).toBe(101);
  });
});

describe('engine activity rows', () => {
  it('closes hour buckets once event time passes their end plus the lateness, with exact figures', () => {
    const e = engine();
    const h = T0 - (T0 % 3_600_000); // 10:00 UTC
    e.evaluate([
      ev({ record_refs: refs('a', 30), ts: h + 60_000 }),
      ev({ record_refs: refs('a', 10), ts: h + 120_000 }), // repeats: still 30 distinct
      ev({ record_refs: [], record_count: 5, ts: h + 180_000, channel: 'web', zone: 'vpn' }),
      ev({ outcome: 'denied', record_refs: [], record_count: 0, ts: h + 40 * 60_000, resource_type: 'order' }),
    ]);
    expect(e.evaluate([ev({ record_refs: refs('n', 1), ts: h + 3_600_000 + 60_000 })]).activity).toEqual([]); // within lateness
    const rows = e.evaluate([ev({ record_refs: refs('m', 1), ts: h + 3_600_000 + 5 * 60_000 })]).activity;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({
      actor_id: 'alice',
      role: 'support_agent',
      department: 'customer_care',
      granularity: 'hour',
      bucket_start: h,
      local_hour: 11, // Europe/Berlin
      local_weekday: 2,
      events: 4,
      distinct_records: 35,
      peak_5m_distinct: 35,
      max_request_records: 30, // the largest counted request (the denied one is not counted)
      peak_1h_distinct: 35,
      denied: 1,
      resource_types: ['customer', 'order'],
      channels: ['support_console', 'web'],
      zones: ['office', 'vpn'],
    });
  });

  it('counts the requests of each activity class in its buckets, denied ones too, and keeps the counts across a rule reload', () => {
    const classes = (list: string) => rules(ENGINE_RULES.replace('  first_seen_min_buckets: 2\n', `  first_seen_min_buckets: 2\n  activity_classes:\n${list}`));
    const both = classes('    exports: { field: action, eq: export }\n    searches: { field: action, eq: search }\n');
    const e = createEngine({ rules: both, clock: new ManualClock(LATER) });
    const h = T0 - (T0 % 3_600_000);
    e.evaluate([
      ev({ action: 'export', record_refs: refs('a', 2), ts: h + 60_000 }),
      ev({ action: 'search', record_refs: refs('b', 2), ts: h + 120_000 }),
      ev({ action: 'export', outcome: 'denied', record_refs: [], record_count: 0, ts: h + 180_000 }),
      ev({ record_refs: refs('c', 1), ts: h + 240_000 }), // a read: no class
    ]);
    // A reload that drops one class and adds another: the hour's counts so far stay, by name.
    e.replaceRules(classes('    reads: { field: action, eq: read }\n    exports: { field: action, eq: export }\n'));
    e.evaluate([ev({ action: 'export', record_refs: refs('d', 1), ts: h + 300_000 }), ev({ record_refs: refs('e', 1), ts: h + 360_000 })]);
    const rows = e.evaluate([ev({ record_refs: refs('m', 1), ts: h + 3_600_000 + 5 * 60_000 })]).activity;
    expect(rows.map((r) => [r.granularity, r.class_names, r.class_events])).toEqual([['hour', ['exports', 'reads'], [3, 1]]]);
    // Without classes a row has none (as rows stored before classes).
    const plain = engine();
    plain.evaluate([ev({ action: 'export', record_refs: refs('a', 2), ts: h + 60_000 })]);
    const row = plain.evaluate([ev({ record_refs: refs('m', 1), ts: h + 3_600_000 + 5 * 60_000 })]).activity[0];
    expect(row).not.toHaveProperty('class_names');
  });

  it('tick() closes the buckets of an idle actor by processing time, and forgets the actor', () => {
    const clock = new ManualClock(T0);
    const e = createEngine({ rules: RS, clock });
    e.evaluate([ev({ record_refs: refs('a', 3) })]);
    clock.set(T0 + 2 * 3_600_000);
    expect(e.tick().activity.map((r) => r.granularity)).toEqual(['hour']);
    clock.set(T0 + 2 * 86_400_000);
    expect(e.tick().activity.map((r) => [r.granularity, r.distinct_records])).toEqual([['day', 3]]);
    expect(e.stats().actors).toBe(0);
  });
});

describe('new_customers: customers new to the actor in the last 24 hours', () => {
  const NEW = rules(`
settings:
  counted: { all: [ { field: action, in: [read, search, export] }, { field: outcome, ne: denied } ] }
rules:
  - id: r.new
    version: 1
    kind: rate
    title: requests reaching new customers
    severity: low
    measure: events
    count: { field: new_customers, gt: 0 }
    windows: [ { window: 1h, limit: 2 } ]
  - id: p.many-new
    version: 1
    kind: policy
    title: many new customers in one request
    severity: low
    when: { field: new_customers, gte: 3 }
`);
  const findings = (ups: readonly AlertUpdate[]) =>
    ups.flatMap((u) => (u.alert.explanation.findings as { rule_id: string; observed: number }[]).map((f) => [f.rule_id, f.observed]));

  it('counts requests that reached a customer not touched in 24h; re-reads, replays and late events do not count', () => {
    const run = (x: Parameters<typeof ev>[0]) => findings(createEngine({ rules: NEW, clock: new ManualClock(LATER) }).evaluate([ev(x)]).alerts);
    // Policy view of the fact, one event at a time: 3 new refs, 2 new refs + 1 count-only, 0 new.
    expect(run({ record_refs: refs('n', 3) })).toEqual([['p.many-new', 3]]);
    expect(run({ record_refs: refs('n', 2), record_count: 3 })).toEqual([['p.many-new', 3]]);
    expect(run({ record_refs: refs('n', 2) })).toEqual([]);
    const f = createEngine({ rules: NEW, clock: new ManualClock(LATER) });
    const one = ev({ record_refs: [ref('c-1')] });
    expect(f.evaluate([one]).alerts).toEqual([]); // 1 request reaching a new customer
    expect(f.evaluate([one]).alerts).toEqual([]); // replayed: not counted again
    for (let i = 1; i <= 5; i++) expect(f.evaluate([ev({ record_refs: [ref('c-1')], ts: T0 + i * 1_000 })]).alerts).toEqual([]); // re-reads
    expect(f.evaluate([ev({ record_refs: [ref('c-2')], ts: T0 + 10_000 })]).alerts).toEqual([]); // 2nd: at the limit
    expect(findings(f.evaluate([ev({ record_refs: [ref('c-3')], ts: T0 + 20_000 })]).alerts)).toEqual([['r.new', 3]]);
    // A day later, c-1 is new again.
    const g = createEngine({ rules: NEW, clock: new ManualClock(LATER) });
    g.evaluate([ev({ record_refs: [ref('c-1')] })]);
    g.evaluate([ev({ record_refs: [ref('c-2')], ts: T0 + 86_400_000 + 1_000 })]);
    g.evaluate([ev({ record_refs: [ref('c-3')], ts: T0 + 86_400_000 + 2_000 })]);
    expect(findings(g.evaluate([ev({ record_refs: [ref('c-1')], ts: T0 + 86_400_000 + 3_000 })]).alerts)).toEqual([['r.new', 3]]);
    // A denied event returns nothing: not counted.
    expect(run({ record_refs: refs('d', 5), outcome: 'denied' })).toEqual([]);
  });
});
