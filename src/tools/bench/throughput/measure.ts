/** What each side of the throughput benchmark reports, measured the same way. */
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';

export interface RunFigures {
  readonly label: string;
  readonly events: number;
  /** From the first batch received to the last event handled. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Node process CPU (user + system) over the same span, per event. */
  readonly cpuMicrosPerEvent: number;
  readonly peakRssMb: number;
  /** Garbage collection pauses over the same span (ms): young generation (scavenges) and old (mark-sweep, incremental marking). */
  readonly gcYoungMs: number;
  readonly gcOldMs: number;
  /** custos only: process CPU per event counted in each pipeline stage (observability/stage-cpu.ts); absent from older builds. */
  readonly stageMicrosPerEvent?: Readonly<Record<string, number>>;
  /**
   * The same figures over the drain after its warm-up (the events after the first
   * `BENCH_WARMUP_EVENTS`): what a long-running process pays once its code is compiled and
   * its heap has grown. Absent when the run was too short to have a part after the warm-up,
   * or from an older build's runner.
   */
  readonly warm?: WarmFigures;
}

export interface WarmFigures {
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly cpuMicrosPerEvent: number;
  readonly gcYoungMs: number;
  readonly gcOldMs: number;
  readonly stageMicrosPerEvent?: Readonly<Record<string, number>>;
}

/** Events each runner handles before its warm figures start (the orchestrator sets it for every runner alike). */
export function warmupEvents(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.BENCH_WARMUP_EVENTS ?? '0');
  return Number.isFinite(n) && n > 0 ? n : 0;
}

interface Reading {
  readonly ns: bigint;
  readonly cpu: NodeJS.CpuUsage;
  readonly events: number;
  readonly gcYoungMs: number;
  readonly gcOldMs: number;
}

/** Tracks one run: call `first()` at the first batch and `finish(events)` at the end. */
export class RunMeter {
  private startNs = 0n;
  private startCpu: NodeJS.CpuUsage | null = null;
  private warmFrom: Reading | null = null;
  private gcYoungMs = 0;
  private gcOldMs = 0;
  private readonly gc = new PerformanceObserver((list) => {
    if (this.startCpu === null) return;
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) this.gcYoungMs += entry.duration;
      else this.gcOldMs += entry.duration;
    }
  });

  constructor() {
    this.gc.observe({ entryTypes: ['gc'] });
  }

  first(): void {
    if (this.startCpu !== null) return;
    this.startNs = process.hrtime.bigint();
    this.startCpu = process.cpuUsage();
  }

  /**
   * Marks the end of the warm-up, once, at the first call with `eventsSoFar` at or past
   * `warmupEvents` (call it after every batch or poll): the warm figures count from here.
   */
  warmedUp(eventsSoFar: number, warmupEvents: number): boolean {
    if (this.warmFrom !== null || this.startCpu === null || warmupEvents <= 0 || eventsSoFar < warmupEvents) return false;
    this.warmFrom = { ns: process.hrtime.bigint(), cpu: process.cpuUsage(), events: eventsSoFar, gcYoungMs: this.gcYoungMs, gcOldMs: this.gcOldMs };
    return true;
  }

  finish(label: string, events: number): RunFigures {
    const now = process.hrtime.bigint();
    const seconds = Number(now - this.startNs) / 1e9;
    const cpu = process.cpuUsage(this.startCpu ?? undefined);
    this.gc.disconnect();
    const w = this.warmFrom;
    const warmEvents = w === null ? 0 : events - w.events;
    let warm: WarmFigures | undefined;
    if (w !== null && warmEvents > 0) {
      const used = process.cpuUsage(w.cpu);
      warm = {
        events: warmEvents,
        eventsPerSecond: warmEvents / (Number(now - w.ns) / 1e9),
        cpuMicrosPerEvent: (used.user + used.system) / warmEvents,
        gcYoungMs: this.gcYoungMs - w.gcYoungMs,
        gcOldMs: this.gcOldMs - w.gcOldMs,
      };
    }
    return {
      ...(warm !== undefined && { warm }),
      label,
      events,
      seconds,
      eventsPerSecond: events / seconds,
      cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      gcYoungMs: this.gcYoungMs,
      gcOldMs: this.gcOldMs,
    };
  }
}

/** Child processes print one line `FIGURES <json>` for the orchestrator to read. */
export const FIGURES_PREFIX = 'FIGURES ';
