/**
 * The engine's probe (EngineProbe): for the actors it watches, every rate
 * window judged (observed against its limit, above it or not) and every score
 * with what made it up, so the detection benchmark can say how close a missed
 * incident came. Watching changes nothing the engine decides, and an actor it
 * does not watch is never reported.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { createEngine, type ActorActivityRow, type EngineProbe, type ProbePart } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { ClosestApproachProbe, describeClosest } from '../../../src/tools/bench/detection/closest.js';
import type { IncidentLabel } from '../../../src/tools/sim/types.js';
import { ev, ref } from './support/enrich.js';
import { drive } from './support/drive.js';
import { hourlyRows } from './support/history.js';
import { rules, twoSignalScoreRules } from './support/rules.js';

const MIN = 60_000;
const AT = Date.parse('2025-03-04T09:00:00Z');

const RS = rules(twoSignalScoreRules());

const history = (actor: string, peak: number): ActorActivityRow[] => hourlyRows(actor, { days: 20, peak5m: 3, peak1h: peak, distinct: peak, before: AT });

/** `n` new customers from AT, one every `every` ms. */
function reads(n: number, actor: string, every = MIN): EnrichedEvent[] {
  return Array.from({ length: n }, (_, i) => ev({ event_id: `${actor}-${i}`, ts: AT + i * every, actor_id: actor, record_refs: [ref(`${actor}-c-${i}`)] }));
}

interface Seen {
  rates: { actor: string; rule: string; window: string; observed: number; limit: number }[];
  scores: { actor: string; rule: string; score: number; parts: readonly ProbePart[] }[];
}

function recorder(watched: string): EngineProbe & Seen {
  const seen: Seen = { rates: [], scores: [] };
  return {
    ...seen,
    watches: (id) => id === watched,
    rate: (actor, _ts, rule, window, observed, limit) => void seen.rates.push({ actor, rule, window, observed, limit }),
    score: (actor, _ts, rule, score, _threshold, parts) => void seen.scores.push({ actor, rule, score, parts }),
  };
}

/** alice's own busiest hour is 4 (own limit (1 + 4) x exp(0.75) - 1 = 9.6, floor 20); her peers' 30 (limit about 65). */
function engineWith(probe?: EngineProbe) {
  const clock = new ManualClock(AT);
  const engine = createEngine({ rules: RS, clock, ...(probe && { probe }) });
  engine.restore({ activity: [...history('alice', 4), ...history('bob', 4), ...history('paula', 30), ...history('peter', 30), ...history('quinn', 30)], alerts: [], recentEvents: [] });
  return { engine, clock };
}

describe('the engine probe', () => {
  it('reports every window of a watched actor against its limit, below it too, and the score with its parts', () => {
    const probe = recorder('alice');
    const { engine, clock } = engineWith(probe);
    const events = [...reads(30, 'alice'), ...reads(30, 'bob')].sort((a, b) => a.ts - b.ts);
    drive(engine, clock, events);
    expect(probe.rates.every((r) => r.actor === 'alice')).toBe(true);
    expect(probe.scores.every((s) => s.actor === 'alice')).toBe(true);
    // Below every limit: the 10th customer is reported against the own floor (20) and the peers' limit.
    const tenth = probe.rates.filter((r) => r.observed === 10);
    expect(tenth.map((r) => [r.rule, r.window, r.limit >= 20])).toEqual([
      ['s.own', '1h', true],
      ['s.peers', '1h', true],
    ]);
    // Past the own floor only: one signal, its points, and a score below the threshold.
    const last = probe.scores[probe.scores.length - 1]!;
    expect(last.rule).toBe('score.combined');
    expect(last.score).toBe(1.5);
    expect(last.parts).toEqual([{ label: 's.own signal', points: 1.5 }]);
    // One score per judged event of alice.
    expect(probe.scores).toHaveLength(30);
  });

  it('watching changes nothing the engine decides', () => {
    // 70 customers in 35 minutes pass the peers' limit too: an alert for each, with its revisions.
    const events = [...reads(70, 'alice', MIN / 2), ...reads(70, 'bob', MIN / 2)].sort((a, b) => a.ts - b.ts);
    const plain = engineWith();
    const watched = engineWith(recorder('alice'));
    const a = drive(plain.engine, plain.clock, events);
    const b = drive(watched.engine, watched.clock, events);
    expect(a.updates.filter((u) => u.notify).map((u) => u.alert.actor_id)).toEqual(['alice', 'bob']);
    expect(b.updates).toEqual(a.updates);
    expect(b.rows).toEqual(a.rows);
  });

  it("the benchmark's closest approach keeps the highest of each over the incident's span", () => {
    const probe = new ClosestApproachProbe(['alice']);
    const { engine, clock } = engineWith(probe);
    drive(engine, clock, reads(30, 'alice'));
    const label = { id: 'inc-01', actor_id: 'alice', start_ms: AT, end_ms: AT + 30 * MIN, window_ms: 60 * MIN } as IncidentLabel;
    const closest = probe.closest(label);
    const own = closest.windows.find((w) => w.key === 's.own 1h')!;
    expect(own.observed).toBe(30);
    expect(own.limit).toBe(20);
    expect(closest.scores).toEqual([{ ruleId: 'score.combined', score: 1.5, threshold: 2, parts: [{ label: 's.own signal', points: 1.5 }] }]);
    expect(describeClosest(closest)).toBe('score.combined 1.50 of 2 (s.own signal 1.50) | s.own 1h 30 of limit 20 (1.50) | s.peers 1h 30 of limit 65 (0.46)');
    // Nothing of the span's hours before it started.
    expect(probe.closest({ ...label, start_ms: AT - 5 * 60 * MIN, end_ms: AT - 3 * 60 * MIN, window_ms: 0 })).toEqual({ windows: [], scores: [] });
  });
});
