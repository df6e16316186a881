/**
 * CPU time spent in each stage of the pipeline, so that an operator (and
 * `bench throughput`) can see where the monitor's CPU goes in a real run, not
 * only in a stage replayed alone: decode, enrich, evaluate and the ClickHouse
 * row serialisation. Whatever the process spends outside them (kafkajs fetch
 * decoding, HTTP, offset commits, timers, garbage collection between stages)
 * is the process's CPU less their sum.
 *
 * Measured with process.cpuUsage() around each piece of synchronous work: the
 * CPU of the whole process (a GC helper thread working meanwhile counts too),
 * about 0.3 µs per reading, so a stage is read once per decode chunk or batch,
 * never per event.
 */
export const PIPELINE_STAGES = ['decode', 'enrich', 'evaluate', 'serialize'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export interface StageCpu {
  /** Runs `work` (synchronous) and counts the process CPU it took to `stage`. */
  measure<T>(stage: PipelineStage, work: () => T): T;
}

/** Nothing counted (tools, tests, backtests). */
export const UNMEASURED: StageCpu = { measure: (_stage, work) => work() };

/** Counts into `add(stage, seconds)` (the monitor: the custos_stage_cpu_seconds_total counter). */
export function stageCpuCounter(add: (stage: PipelineStage, seconds: number) => void): StageCpu {
  return {
    measure(stage, work) {
      const before = process.cpuUsage();
      try {
        return work();
      } finally {
        const used = process.cpuUsage(before);
        add(stage, (used.user + used.system) / 1e6);
      }
    },
  };
}
