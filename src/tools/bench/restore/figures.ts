/** What `custos bench restore` hands its child processes and what they report. */
export interface RestoreChildArgs {
  readonly mode: 'restore' | 'bare';
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
  readonly mode: 'restore' | 'bare';
  readonly events: number;
  /** The read: loadHistory (query, parse, rows to events) or the bare stream. */
  readonly loadMs: number;
  readonly loadCpuMs: number;
  /** engine.restore (windows rebuilt from the events); 0 for the bare read. */
  readonly restoreMs: number;
  readonly restoreCpuMs: number;
  readonly clickhouseCpuMs: number | null;
  readonly bytes: number;
  readonly peakRssMb: number;
  readonly heapAfterMb: number;
  readonly capped: boolean;
}

export const FIGURES_PREFIX = 'FIGURES ';

