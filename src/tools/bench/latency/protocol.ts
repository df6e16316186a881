/** Messages between `custos bench latency` and its child processes (Node IPC). */

/** The custos_batch_seconds histogram as the monitor's registry holds it (cumulative buckets). */
export interface BatchHistogram {
  readonly count: number;
  readonly sumSeconds: number;
  /** Upper bound (seconds, Infinity last) → batches at most that long. */
  readonly buckets: readonly (readonly [number, number])[];
}

/** A snapshot of the monitor process, taken when the orchestrator asks (`mark`). */
export interface MonitorMark {
  readonly atMs: number;
  /** process.cpuUsage() user + system, µs. */
  readonly cpuMicros: number;
  readonly consumed: number;
  readonly batches: BatchHistogram;
  readonly rssMb: number;
  /** Durations (ms) of the store's writeBatch (every insert of one batch, in parallel) since the previous mark. */
  readonly writeMs: readonly number[];
  /** The monitor's event-loop delay since the previous mark (ms): how long ready work waited for the thread. */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Each table's insert durations (ms) since the previous mark: where a batch's store write waits. */
  readonly insertMs: Readonly<Record<string, readonly number[]>>;
  /** Per batch since the previous mark (ms): decode + enrich (prepare), evaluate, and the row serialisation before the inserts are sent: the synchronous stages. */
  readonly syncMs: { readonly prepare: readonly number[]; readonly evaluate: readonly number[]; readonly serialize: readonly number[] };
  /** Garbage collection since the previous mark: pauses (ms) by kind (minor: scavenge; major: mark-sweep-compact; other). */
  readonly gcMs: Readonly<Record<string, readonly number[]>>;
  /** Per write holding alerts since the previous mark (ms): from its alerts insert done (the outbox durable) to the whole write done (when the webhook may go). */
  readonly alertsAheadMs: readonly number[];
}

/** The monitor process's memory, sampled when the orchestrator asks (`memory`): for "flat under steady load". */
export interface MemorySample {
  readonly atMs: number;
  readonly consumed: number;
  readonly rssMb: number;
  /** V8 heap in use (garbage not yet collected included). */
  readonly heapUsedMb: number;
  /** The engine's own estimate of its window state (custos_engine_state_bytes). */
  readonly engineStateMb: number;
}

export type MonitorToParent =
  | { readonly type: 'started' }
  /** The preloaded topic drained: from the first batch stored to the last. */
  | { readonly type: 'capacity'; readonly events: number; readonly seconds: number; readonly cpuMicros: number }
  | { readonly type: 'mark'; readonly mark: MonitorMark }
  | { readonly type: 'memory'; readonly sample: MemorySample }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };

export type ParentToMonitor = { readonly type: 'mark' } | { readonly type: 'memory' } | { readonly type: 'stop' };

export type BareToParent =
  | { readonly type: 'ready' }
  /** Incident messages (by key) and when this consumer had them. */
  | { readonly type: 'seen'; readonly keys: readonly string[]; readonly atMs: number }
  | { readonly type: 'stopped'; readonly cpuMicros: number; readonly consumed: number };

export type ParentToBare = { readonly type: 'stop' };
