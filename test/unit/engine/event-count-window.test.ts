import { describe, expect, it } from 'vitest';
import { EventCountWindow } from '../../../src/runtime/engine/state/event-count-window.js';
import { prng } from './support/prng.js';

const T0 = Date.parse('2025-03-04T10:00:00Z');
const M10 = 600_000;

/** Times the counter holds, expired ones included (what its memory is). */
const held = (c: EventCountWindow): number => (c as unknown as { times: readonly number[] }).times.length;

describe('EventCountWindow', () => {
  it('counts the events of its horizon like a model, through bursts, quiet spells and late events', () => {
    const rnd = prng(5);
    const c = new EventCountWindow(M10);
    const times: number[] = [];
    let now = T0;
    for (let i = 0; i < 20_000; i++) {
      // Bursts of a few events a second, then minutes of nothing.
      now += Math.floor(i / 200) % 3 === 0 ? Math.floor(rnd() * 120_000) : Math.floor(rnd() * 3_000);
      const ts = rnd() < 0.1 ? now - Math.floor(rnd() * 300_000) : now;
      c.add(ts);
      times.push(ts);
      if (i % 13 === 0) expect(c.count(now), `step ${i}`).toBe(times.filter((t) => t >= now - M10 && t <= now).length);
    }
  });

  it('keeps no expired times: a quarter of what it holds expired is dropped, however few, and all of them leave nothing', () => {
    const c = new EventCountWindow(M10);
    for (let i = 0; i < 10; i++) c.add(T0 + i * 1000);
    expect(c.count(T0 + 9_000)).toBe(10);
    expect(held(c)).toBe(10);
    // 3 of 10 expired: dropped (the minimum of 16 expired times kept up to 15 of them).
    expect(c.count(T0 + 2_000 + M10 + 500)).toBe(7);
    expect(held(c)).toBe(7);
    expect(c.count(T0 + 3 * M10)).toBe(0);
    expect(held(c)).toBe(0);
    expect(c.isEmpty).toBe(true);
    c.add(T0 + 3 * M10);
    expect(c.count(T0 + 3 * M10)).toBe(1);
  });
});
