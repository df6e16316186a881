/**
 * `measure: distinct_customers` with `count`: only the customers of the
 * selected events, in a window of the rule's own. It counts those and no
 * others, costs nothing for an actor without a selected event, and a restart
 * (the restore's replay of recent events) continues it exactly.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type AlertUpdate } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { ev, ref, T0 } from './support/enrich.js';
import { drive } from './support/drive.js';
import { rules } from './support/rules.js';

const RS = rules(`
settings:
  lateness: 5m
  quiet: 30m
  counted: { field: action, in: [read, search, export] }
rules:
  - { id: r.exported, version: 1, kind: rate, title: customers exported, severity: low, measure: distinct_customers,
      count: { field: action, eq: export }, windows: [ { window: 1h, limit: 40 } ], tiers: [2] }
`);
const MIN = 60_000;

/** Each minute for 90 minutes: a read of 20 customers, and every other minute an export of 2 of them. */
function stream(): EnrichedEvent[] {
  const out: EnrichedEvent[] = [];
  for (let i = 0; i < 90; i++) {
    const refs = Array.from({ length: 20 }, (_, j) => ref(`c${i}-${j}`));
    out.push(ev({ event_id: `r${i}`, ts: T0 + i * MIN, record_refs: refs }));
    if (i % 2 === 0) out.push(ev({ event_id: `x${i}`, ts: T0 + i * MIN + 1000, action: 'export', record_refs: refs.slice(0, 2) }));
  }
  return out;
}

const view = (us: readonly AlertUpdate[]) => us.map((u) => ({ alert: u.alert, notify: u.notify, state: u.state }));

describe('distinct customers of selected events', () => {
  const clock = new ManualClock(T0);
  const whole = drive(createEngine({ rules: RS, clock }), clock, stream());

  it("counts the exported customers only: the 21st export's customers pass 40, the 1,800 read ones never count", () => {
    const opened = whole.updates.find((u) => u.notify)!;
    expect(opened.alert.rule_id).toBe('r.exported');
    // Exports at minutes 0, 2, ..., 40: the 21st brings the hour to 42 customers.
    expect(opened.alert.first_event_ts).toBe(T0 + 40 * MIN + 1000);
    expect(opened.alert.observed).toBe(42);
  });

  it('an actor without a selected event holds no window for it: the same state as without the rule', () => {
    const reads = stream().filter((e) => e.action === 'read');
    const bytes = (rs: typeof RS) => {
      const c = new ManualClock(T0);
      const engine = createEngine({ rules: rs, clock: c });
      drive(engine, c, reads);
      return engine.stats().approxStateBytes;
    };
    const without = rules(`
settings:
  lateness: 5m
  quiet: 30m
  counted: { field: action, in: [read, search, export] }
rules:
  - { id: p.none, version: 1, kind: policy, title: never, severity: low, when: { field: action, eq: delete } }
`);
    expect(bytes(RS)).toBe(bytes(without));
  });

  it.each([5, 40, 61, 62, 100, 130])('after a restart following event %i, every later revision is the same', (k) => {
    const events = stream();
    const clockA = new ManualClock(T0);
    const before = drive(createEngine({ rules: RS, clock: clockA }), clockA, events.slice(0, k));
    const clockB = new ManualClock((events[k - 1] as EnrichedEvent).ts);
    const b = createEngine({ rules: RS, clock: clockB });
    const latest = new Map<string, AlertUpdate>();
    for (const u of before.updates) latest.set(u.alert.alert_id, u);
    b.restore({ activity: before.rows, alerts: [...latest.values()].map((u) => ({ alert: u.alert, state: u.state })), recentEvents: events.slice(0, k) });
    const after = drive(b, clockB, events.slice(k)).updates;
    const expected = whole.perEvent.slice(k).flat();
    expect(expected.length).toBeGreaterThan(0);
    expect(view(after)).toEqual(view(expected));
  });
});
