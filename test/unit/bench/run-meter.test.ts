/**
 * The throughput benchmark's meter: the "after the warm-up" figures cover the
 * events handled after the first call at or past the warm-up count, marked
 * once, and are absent when there was no warm-up or nothing after it.
 */
import { describe, expect, it } from 'vitest';
import { RunMeter, warmupEvents } from '../../../src/tools/bench/throughput/measure.js';

describe('RunMeter warm-up', () => {
  it('counts the warm figures from the first batch at or past the warm-up, once', () => {
    const meter = new RunMeter();
    meter.first();
    expect(meter.warmedUp(400, 1000)).toBe(false);
    expect(meter.warmedUp(1200, 1000)).toBe(true);
    expect(meter.warmedUp(1800, 1000)).toBe(false);
    const figures = meter.finish('run', 3000);
    expect(figures.events).toBe(3000);
    expect(figures.warm?.events).toBe(1800);
  });

  it('has no warm figures without a warm-up, before the first batch, or with nothing after it', () => {
    const none = new RunMeter();
    none.first();
    expect(none.warmedUp(5000, 0)).toBe(false);
    expect(none.finish('run', 5000).warm).toBeUndefined();

    const early = new RunMeter();
    expect(early.warmedUp(5000, 10)).toBe(false);
    early.first();
    expect(early.finish('run', 5000).warm).toBeUndefined();

    const atEnd = new RunMeter();
    atEnd.first();
    expect(atEnd.warmedUp(5000, 5000)).toBe(true);
    expect(atEnd.finish('run', 5000).warm).toBeUndefined();
  });

  it('reads the warm-up from BENCH_WARMUP_EVENTS, 0 when absent or not a positive number', () => {
    expect(warmupEvents({ BENCH_WARMUP_EVENTS: '100000' })).toBe(100000);
    expect(warmupEvents({})).toBe(0);
    expect(warmupEvents({ BENCH_WARMUP_EVENTS: 'many' })).toBe(0);
    expect(warmupEvents({ BENCH_WARMUP_EVENTS: '-3' })).toBe(0);
  });
});
