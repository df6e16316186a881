/**
 * The stage meter counts the process CPU of the work it wraps to the named
 * stage, returns the work's value, and still counts (and rethrows) when the
 * work throws, so a stage that fails midway is not hidden from the figures.
 */
import { describe, expect, it } from 'vitest';
import { stageCpuCounter, type PipelineStage } from '../../../src/observability/stage-cpu.js';
import { Metrics } from '../../../src/observability/metrics.js';

/** Busy work of a known minimum CPU: spins until the process's own CPU clock moved by `micros`. */
function spinCpu(micros: number): number {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i++) x += Math.sqrt(i);
    const used = process.cpuUsage(start);
    if (used.user + used.system >= micros) return x;
  }
}

describe('stageCpuCounter', () => {
  it('counts at least the CPU the work took to its stage and returns its value', () => {
    const counted: [PipelineStage, number][] = [];
    const meter = stageCpuCounter((stage, seconds) => counted.push([stage, seconds]));
    const value = meter.measure('evaluate', () => {
      spinCpu(20_000);
      return 'verdict';
    });
    expect(value).toBe('verdict');
    expect(counted).toHaveLength(1);
    expect(counted[0]![0]).toBe('evaluate');
    expect(counted[0]![1]).toBeGreaterThanOrEqual(0.02);
  });

  it('counts the work that threw, and rethrows its error', () => {
    const counted: PipelineStage[] = [];
    const meter = stageCpuCounter((stage) => counted.push(stage));
    expect(() =>
      meter.measure('decode', () => {
        throw new Error('bad chunk');
      }),
    ).toThrow('bad chunk');
    expect(counted).toEqual(['decode']);
  });

  it("feeds the monitor's custos_stage_cpu_seconds_total, one series per stage", async () => {
    const metrics = new Metrics(false);
    metrics.stageCpu.measure('serialize', () => spinCpu(10_000));
    metrics.stageCpu.measure('serialize', () => spinCpu(10_000));
    metrics.stageCpu.measure('enrich', () => spinCpu(10_000));
    const { values } = await metrics.stageCpuSeconds.get();
    const byStage = Object.fromEntries(values.map((v) => [v.labels.stage, v.value]));
    expect(Object.keys(byStage).sort()).toEqual(['enrich', 'serialize']);
    expect(byStage.serialize).toBeGreaterThanOrEqual(0.02);
    expect(byStage.enrich).toBeGreaterThanOrEqual(0.01);
  });
});
