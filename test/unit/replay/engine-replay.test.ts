/**
 * The replay core: the clock follows the events, ticks come once per interval
 * of event time, and finish() lets time run out (with a recording engine for
 * the exact calls, and with the real engine for what the closings produce).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type DetectionEngine, type EngineOutput } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { EngineReplay, ReplayCollector } from '../../../src/tools/replay/index.js';
import { ev } from '../engine/support/enrich.js';
import { rules } from '../engine/support/rules.js';

const MIN = 60_000;
const START = Date.parse('2025-03-04T10:00:00Z');

type Call = { readonly call: 'tick' | 'evaluate'; readonly now: number; readonly id?: string };

/** An engine that only records when it was called and what the clock said. */
function recordingEngine(clock: ManualClock): { engine: DetectionEngine; calls: Call[] } {
  const calls: Call[] = [];
  const empty: EngineOutput = { alerts: [], activity: [] };
  const engine = {
    evaluate(events: readonly EnrichedEvent[]) {
      for (const e of events) calls.push({ call: 'evaluate', now: clock.now(), id: e.event_id });
      return empty;
    },
    tick() {
      calls.push({ call: 'tick', now: clock.now() });
      return empty;
    },
  } as unknown as DetectionEngine;
  return { engine, calls };
}

function setup(tickEveryMs = MIN) {
  const clock = new ManualClock(0);
  const { engine, calls } = recordingEngine(clock);
  const outputs: number[] = [];
  const replay = new EngineReplay({ engine, clock, startMs: START, tickEveryMs, onOutput: (_out, at) => outputs.push(at) });
  return { clock, calls, outputs, replay };
}

const at = (offsetMs: number, id: string) => ev({ ts: START + offsetMs, event_id: id });

describe('EngineReplay', () => {
  it('starts the clock at startMs and moves it to each event before evaluating it', () => {
    const { clock, calls, replay } = setup();
    expect(clock.now()).toBe(START);
    replay.evaluate(at(10_000, 'a'));
    replay.evaluate(at(20_000, 'b'));
    expect(calls).toEqual([
      { call: 'evaluate', now: START + 10_000, id: 'a' },
      { call: 'evaluate', now: START + 20_000, id: 'b' },
    ]);
  });

  it('never moves the clock back: an older event is evaluated at the current time and counted', () => {
    const { calls, replay } = setup();
    replay.evaluate(at(30_000, 'late-arrival-before'));
    replay.evaluate(at(5_000, 'older'));
    expect(calls.at(-1)).toEqual({ call: 'evaluate', now: START + 30_000, id: 'older' });
    expect(replay.outOfOrder).toBe(1);
    expect(replay.events).toBe(2);
    expect(replay.newestEventTs).toBe(START + 30_000);
  });

  it('ticks once per interval of event time, at the first event past the boundary and before evaluating it', () => {
    const { calls, replay } = setup();
    replay.evaluate(at(59_999, 'a')); // before the first boundary: no tick
    replay.evaluate(at(MIN, 'b')); // on the boundary: tick, then the event
    replay.evaluate(at(MIN + 30_000, 'c')); // same interval: no tick
    replay.evaluate(at(10 * MIN + 5_000, 'd')); // after a quiet gap: one tick, not nine
    replay.evaluate(at(10 * MIN + 6_000, 'e'));
    replay.evaluate(at(11 * MIN, 'f')); // the next boundary is aligned to the interval
    expect(calls.map((c) => (c.call === 'tick' ? `tick@${c.now - START}` : c.id))).toEqual([
      'a',
      `tick@${MIN}`,
      'b',
      'c',
      `tick@${10 * MIN + 5_000}`,
      'd',
      'e',
      `tick@${11 * MIN}`,
      'f',
    ]);
  });

  it('lets time run out: ticks from one interval after the clock, every step, up to the end', () => {
    const { calls, outputs, replay } = setup();
    replay.evaluate(at(0, 'a'));
    calls.length = 0;
    outputs.length = 0;
    replay.finish(START + 46 * MIN, 15 * MIN);
    const ticks = [1, 16, 31, 46].map((m) => START + m * MIN);
    expect(calls).toEqual(ticks.map((now) => ({ call: 'tick', now })));
    // Each output carries the virtual time it was produced at.
    expect(outputs).toEqual(ticks);
  });

  it('refuses a tick interval that is not a positive integer', () => {
    const clock = new ManualClock(0);
    const { engine } = recordingEngine(clock);
    expect(() => new EngineReplay({ engine, clock, startMs: START, tickEveryMs: 0, onOutput: () => {} })).toThrow(/tickEveryMs/);
  });
});

describe('EngineReplay with the real engine', () => {
  const RULES = rules(`
settings: { lateness: 5m, quiet: 30m }
rules:
  - id: policy.terminated
    version: 1
    kind: policy
    title: access by a terminated employee
    description: d
    tuning: t
    severity: critical
    when: { field: actor.employment_status, eq: terminated }
`);

  it('opens an alert, merges follow-ups, and at the end of time closes it and the activity buckets', () => {
    const clock = new ManualClock(0);
    const engine = createEngine({ rules: RULES, clock });
    const collector = new ReplayCollector(true);
    const replay = new EngineReplay({ engine, clock, startMs: START, onOutput: collector.onOutput });
    const frank = { actor_id: 'frank', employment_status: 'terminated' as const };
    replay.evaluate(ev({ ts: START + 1_000, actor_id: 'frank', actor: frank, event_id: 'f1' }));
    replay.evaluate(ev({ ts: START + 2 * MIN, actor_id: 'frank', actor: frank, event_id: 'f2' }));

    const before = collector.updates.map((u) => [u.update.alert.revision, u.update.notify, u.update.alert.status ?? 'open', u.at - START]);
    expect(before).toEqual([
      [1, true, 'open', 1_000],
      [2, false, 'open', 2 * MIN],
    ]);
    expect(collector.activityRows).toBe(0);

    replay.finish(START + 27 * 3_600_000);
    const closing = collector.updates.at(-1);
    expect(closing?.update.alert.status).toBe('closed');
    expect(closing?.update.notify).toBe(false);
    // Closed once quiet (30m) plus lateness (5m) passed after the last event, at the first tick after that.
    expect(closing?.at).toBeGreaterThanOrEqual(START + 2 * MIN + 35 * MIN);
    expect(closing?.at).toBeLessThanOrEqual(START + 2 * MIN + 35 * MIN + 15 * MIN);
    // The hour bucket and the day bucket of frank's activity were closed and handed out.
    expect(collector.activity.map((r) => `${r.actor_id}/${r.granularity}/${r.events}`).sort()).toEqual(['frank/day/2', 'frank/hour/2']);
    expect(collector.activityRows).toBe(2);
  });
});
