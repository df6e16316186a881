/** What `custos bench restore` hands its child processes and what they report. */
/**
 * streamed: the monitor's partition restore (store.openPartitionHistory, the
 * events replayed chunk by chunk as they are read); whole: the same rows read
 * whole first, then engine.restore (how the monitor restored before
 * 2026-12-06); bare: the rows streamed and discarded (the baseline).
 */
export type RestoreMode = 'streamed' | 'whole' | 'bare';

export interface RestoreChildArgs {
  readonly mode: RestoreMode;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly topic: string;
  readonly partition: number;
  /** The offset consumption resumes at (every seeded event is below it). */
  readonly committedOffset: string;
  readonly rulesDir: string;
  readonly maxRecentEvents: number;
  readonly activityLookbackMs: number;
  /** The monitor's ClickHouse request timeout (CUSTOS_CLICKHOUSE_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
}

export interface RestoreFigures {
  readonly mode: RestoreMode;
  readonly events: number;
  /** The read: loadHistory (query, parse, rows to events), the stream's opening (anchor, alerts, count) or the bare stream. */
  readonly loadMs: number;
  readonly loadCpuMs: number;
  /** engine.restore (windows rebuilt from the events), or the streamed read and replay; 0 for the bare read. */
  readonly restoreMs: number;
  readonly restoreCpuMs: number;
  readonly clickhouseCpuMs: number | null;
  readonly bytes: number;
  readonly peakRssMb: number;
  readonly heapAfterMb: number;
  readonly capped: boolean;
}

export const FIGURES_PREFIX = 'FIGURES ';

