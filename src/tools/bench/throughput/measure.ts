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
}

/** Tracks one run: call `first()` at the first batch and `finish(events)` at the end. */
export class RunMeter {
  private startNs = 0n;
  private startCpu: NodeJS.CpuUsage | null = null;
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

  finish(label: string, events: number): RunFigures {
    const seconds = Number(process.hrtime.bigint() - this.startNs) / 1e9;
    const cpu = process.cpuUsage(this.startCpu ?? undefined);
    this.gc.disconnect();
    return {
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
