/**
 * An export spree is many exports: an actor whose daily budget its ordinary
 * work and weekly report use up could make just one export of one customer,
 * which the simulator used to plant and label as a spree (seeds 2 and 4 of
 * the detection benchmark: "30 exports of ≈1 customers (1 in all)"). The
 * planner picks only actors with room for the smallest spree.
 */
import { describe, expect, it } from 'vitest';
import { createSimulation } from '../../../src/tools/sim/simulator.js';

/** The detection benchmark's scenario (bench detection's defaults). */
const BENCH = { actors: 300, days: 28, start: '2026-03-09' } as const;

describe('simulated export sprees', () => {
  it('make at least 20 exports each, in the benchmark scenario of the tuning seeds where they did not', { timeout: 300_000 }, () => {
    for (const seed of [2, 4]) {
      const sim = createSimulation({ seed, ...BENCH, incidents: 'allowed' });
      const exports = new Map<string, number>();
      const stream = sim.stream();
      for (const e of stream) {
        const tag = stream.lastTag;
        if (tag !== undefined && tag.includes('export_spree') && e.action === 'export') exports.set(tag, (exports.get(tag) ?? 0) + 1);
      }
      const planted = stream.labels().incidents.filter((i) => i.type === 'export_spree');
      expect(planted.length, `seed ${seed}`).toBeGreaterThan(0);
      for (const i of planted) expect(exports.get(i.id) ?? 0, `seed ${seed} ${i.id}: ${i.description}`).toBeGreaterThanOrEqual(20);
    }
  });
});
