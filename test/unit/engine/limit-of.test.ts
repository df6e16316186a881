/**
 * The engine judges a window with limitOf (the per-event path, which keeps
 * nothing per actor) and explains it with decideLimit: the limit an alert
 * shows must be the limit it was judged by, for every shipped window and any
 * history, and one window's judgement must not leak into the next one's
 * explanation (limitOf reuses one scratch object).
 */
import { describe, expect, it } from 'vitest';
import { decideLimit, limitOf, type LimitInputs } from '../../../src/runtime/engine/baseline/limits.js';
import { BANDS } from '../../../src/runtime/engine/baseline/bands.js';
import { EMPTY_STATS, summarise, type SampleStats } from '../../../src/runtime/engine/baseline/robust.js';
import { loadRuleSet } from '../../../src/runtime/engine/index.js';
import type { RateWindow } from '../../../src/runtime/engine/rules/rule-set.js';
import { seededRandom } from '../../support/seeded-random.js';

const ruleSet = loadRuleSet('rules', { now: Date.parse('2026-11-29T00:00:00Z') });
const windows: RateWindow[] = ruleSet.rateRules.flatMap((r) => [...r.windows]);

function stats(rnd: () => number): SampleStats {
  if (rnd() < 0.15) return EMPTY_STATS;
  const n = Math.floor(rnd() * 60);
  const level = rnd() * 400;
  const values = Array.from({ length: n }, () => Math.round(level * (0.3 + rnd() * 1.7)));
  // Now and then a few spikes (a weekly report, a month-end list): recurring peaks and peer routines that decide.
  if (rnd() < 0.3) for (let i = 0; i < 3; i++) values.push(Math.round(level * (5 + rnd() * 10)));
  return summarise(values, 1 + Math.floor(rnd() * 8), Math.min(n, Math.floor(rnd() * 30)));
}

function inputs(rnd: () => number): LimitInputs {
  return {
    stats: { own: stats(rnd), peers: stats(rnd), role: stats(rnd), org: stats(rnd), ownOther: stats(rnd), peersOther: stats(rnd) },
    band: BANDS[Math.floor(rnd() * BANDS.length)] ?? null,
    roleLimits: rnd() < 0.5 ? undefined : new Map([['max_records_per_request', Math.round(rnd() * 500)], ['daily', Math.round(rnd() * 2000)]]),
    statusFactor: [1, 1, 0.5, 0.25][Math.floor(rnd() * 4)] as number,
    days: rnd() < 0.5 ? null : { active: Math.floor(rnd() * 7), level: Math.floor(rnd() * 7) },
  };
}

/** The limit recomputed from what the decision shows (what an alert's explanation lists). */
function fromExplanation(w: RateWindow, d: ReturnType<typeof decideLimit>): number {
  const peaks = Math.max(d.ownNormal ?? 0, d.routine ?? 0);
  if (d.type !== 'baseline') return d.limit; // budgets: checked by their own tests (baseline.test.ts)
  if (d.source === 'own_other_band' || d.source === 'peers_other_band') {
    const rb = d.rareBand as NonNullable<typeof d.rareBand>;
    return Math.max((1 + (d.usual as number)) * rb.times - 1, d.floor, peaks);
  }
  if (d.source === 'static') {
    const value = w.limit.type === 'baseline' ? w.limit.baseline.static : undefined;
    return value === undefined ? Number.POSITIVE_INFINITY : Math.max(value * d.statusFactor, d.floor, peaks);
  }
  return Math.max(Math.expm1((d.logUsual as number) + (d.z as number) * (d.spread as number)), d.floor, peaks);
}

describe('limitOf and decideLimit', () => {
  it('judge every shipped window by the limit its explanation shows, over random histories, whatever was judged just before', () => {
    expect(windows.length).toBeGreaterThan(5);
    const rnd = seededRandom(7);
    const sources = new Set<string>();
    let byPeaks = 0;
    for (let round = 0; round < 400; round++) {
      for (const w of windows) {
        const inp = inputs(rnd);
        const alone = decideLimit(w, inp);
        const judged = limitOf(w, inp);
        // Another window judged in between (the engine's next window), then the explanation.
        limitOf(windows[Math.floor(rnd() * windows.length)] as RateWindow, inputs(rnd));
        const explained = decideLimit(w, inp);
        expect(explained).toEqual(alone);
        expect(explained.limit).toBe(judged);
        expect(explained.limit).toBeCloseTo(fromExplanation(w, explained), 9);
        sources.add(`${explained.type}:${explained.source}`);
        if (explained.type === 'baseline' && explained.limit === Math.max(explained.ownNormal ?? 0, explained.routine ?? 0)) byPeaks++;
      }
    }
    // Every branch of the decision was reached, and recurring peaks or routines decided some limits.
    expect(byPeaks).toBeGreaterThan(50);
    expect([...sources].sort()).toEqual(['baseline:org', 'baseline:own', 'baseline:own_other_band', 'baseline:peers', 'baseline:peers_other_band', 'baseline:role', 'baseline:static', 'budget:static', 'static:static']);
  });
});
