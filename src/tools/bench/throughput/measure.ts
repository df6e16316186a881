/** What each side of the throughput benchmark reports, measured the same way. */
export interface RunFigures {
  readonly label: string;
  readonly events: number;
  /** From the first batch received to the last event handled. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Node process CPU (user + system) over the same span, per event. */
  readonly cpuMicrosPerEvent: number;
  readonly peakRssMb: number;
}

/** Tracks one run: call `first()` at the first batch and `finish(events)` at the end. */
export class RunMeter {
  private startNs = 0n;
  private startCpu: NodeJS.CpuUsage | null = null;

  first(): void {
    if (this.startCpu !== null) return;
    this.startNs = process.hrtime.bigint();
    this.startCpu = process.cpuUsage();
  }

  finish(label: string, events: number): RunFigures {
    const seconds = Number(process.hrtime.bigint() - this.startNs) / 1e9;
    const cpu = process.cpuUsage(this.startCpu ?? undefined);
    return {
      label,
      events,
      seconds,
      eventsPerSecond: events / seconds,
      cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  }
}

/** Child processes print one line `FIGURES <json>` for the orchestrator to read. */
export const FIGURES_PREFIX = 'FIGURES ';
