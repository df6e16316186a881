/** The latency benchmark's memory trend: flat or growing over the last third of a run, and the samples a table shows. */
import { describe, expect, it } from 'vitest';
import { evenlyPicked, memoryTrend } from '../../../src/tools/bench/latency/memory-trend.js';
import type { MemorySample } from '../../../src/tools/bench/latency/protocol.js';

const MINUTE = 60_000;
const sample = (minute: number, rssMb: number, engineStateMb = 10): MemorySample => ({ atMs: 1_000_000 + minute * MINUTE, consumed: minute * 1000, rssMb, heapUsedMb: rssMb / 2, engineStateMb });

describe('memoryTrend', () => {
  it('state that fills up at the start does not count: a rise then a plateau is flat over the last third', () => {
    const samples = [sample(0, 200), sample(1, 300), sample(2, 380), sample(3, 400), ...[4, 5, 6, 7, 8, 9, 10].map((m) => sample(m, 400 + (m % 2)))];
    const t = memoryTrend(samples);
    expect(t?.first.rssMb).toBe(200);
    expect(t?.last.rssMb).toBe(400);
    expect(t?.peakRssMb).toBe(401);
    expect(t?.minutes).toBe(10);
    expect(Math.abs(t?.lastThirdRssMbPerMinute ?? Number.NaN)).toBeLessThan(0.5);
  });

  it('a steady growth shows as its slope, in MB per minute, for RSS and window state alike', () => {
    const samples = Array.from({ length: 11 }, (_, m) => sample(m, 300 + 5 * m, 10 + 0.5 * m));
    const t = memoryTrend(samples);
    expect(t?.lastThirdRssMbPerMinute).toBeCloseTo(5, 9);
    expect(t?.lastThirdStateMbPerMinute).toBeCloseTo(0.5, 9);
  });

  it('no samples, no trend; fewer than three in the last third, no slope', () => {
    expect(memoryTrend([])).toBeNull();
    const t = memoryTrend([sample(0, 100), sample(1, 120)]);
    expect(t?.lastThirdRssMbPerMinute).toBeNull();
    expect(t?.peakRssMb).toBe(120);
  });
});

describe('evenlyPicked', () => {
  it('keeps every sample up to the maximum, else evenly spaced ones with the first and the last', () => {
    expect(evenlyPicked([1, 2, 3], 16)).toEqual([1, 2, 3]);
    const xs = Array.from({ length: 46 }, (_, i) => i);
    const picked = evenlyPicked(xs, 16);
    expect(picked).toHaveLength(16);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBe(45);
    expect([...picked].sort((a, b) => a - b)).toEqual(picked);
  });
});
