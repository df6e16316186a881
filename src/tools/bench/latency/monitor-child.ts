/**
 * The measured side of `custos bench latency`: the real monitor (the same
 * Monitor `custos run` starts: Kafka source, decode, enrich, rules,
 * ClickHouse, dead letters, webhook destination), in its own process, with
 * the CUSTOS_* environment the orchestrator gives it. Reports when the
 * preloaded topic is drained (the capacity), then answers `mark` with its
 * CPU, consumed count and batch-time histogram until told to stop.
 *
 *   node dist/tools/bench/latency/monitor-child.js <preloaded events>
 */
import { PerformanceObserver, constants as perfConstants, monitorEventLoopDelay } from 'node:perf_hooks';
import { BatchProcessor } from '../../../runtime/pipeline/batch-processor.js';
import { Monitor } from '../../../runtime/app/monitor.js';
import { loadConfig } from '../../../config/load.js';
import { createLogger } from '../../../observability/log.js';
import { Metrics } from '../../../observability/metrics.js';
import type { BatchHistogram, MonitorToParent, ParentToMonitor } from './protocol.js';

const send = (m: MonitorToParent): void => {
  process.send?.(m);
};

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function consumed(metrics: Metrics): Promise<number> {
  return (await metrics.messagesConsumed.get()).values[0]?.value ?? 0;
}

async function batches(metrics: Metrics): Promise<BatchHistogram> {
  const values = (await metrics.batchSeconds.get()).values;
  let count = 0;
  let sumSeconds = 0;
  const buckets: [number, number][] = [];
  for (const v of values) {
    const name = (v as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_count')) count = v.value;
    else if (name.endsWith('_sum')) sumSeconds = v.value;
    else if (name.endsWith('_bucket')) {
      const le = v.labels.le;
      buckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), v.value]);
    }
  }
  return { count, sumSeconds, buckets };
}

async function main(): Promise<void> {
  const preloaded = Number(process.argv[2] ?? '0');
  const config = loadConfig({ env: process.env });
  const metrics = new Metrics(false);
  const monitor = await Monitor.start({ config, logger: createLogger(config['log.level']), metrics });
  // Measurement only: how long each store write (a batch's inserts) takes, each table's insert
  // in it, and the serialisation before the first insert is sent; the write itself is unchanged.
  const store = monitor.store;
  const writeBatch = store.writeBatch.bind(store);
  let writeMs: number[] = [];
  let insertMs: Record<string, number[]> = {};
  let syncMs = { prepare: [] as number[], evaluate: [] as number[], serialize: [] as number[] };
  let writeStartedAt: number | null = null;
  // The write whose inserts are being started (they all start synchronously inside writeBatch).
  let current: { alertsDoneAt: number | null } | null = null;
  let alertsAheadMs: number[] = [];
  store.writeBatch = (batch) => {
    const t = performance.now();
    writeStartedAt = t;
    const write = { alertsDoneAt: null as number | null };
    current = write;
    let pending;
    try {
      pending = writeBatch(batch);
    } finally {
      current = null;
    }
    const done = () => {
      const end = performance.now();
      writeMs.push(end - t);
      // How long the batch's other inserts kept its alerts (and their webhooks) waiting.
      if (write.alertsDoneAt !== null) alertsAheadMs.push(end - write.alertsDoneAt);
    };
    return pending.finally(done);
  };
  const exec = store.client.exec.bind(store.client);
  store.client.exec = async (params) => {
    const table = /^INSERT INTO (?:`?[\w]+`?\.)?`?(\w+)`?/.exec(params.query)?.[1];
    if (table === undefined) return exec(params);
    const write = current;
    const t = performance.now();
    if (writeStartedAt !== null) {
      // The first insert of a batch: everything since writeBatch began was synchronous serialisation.
      syncMs.serialize.push(t - writeStartedAt);
      writeStartedAt = null;
    }
    const result = await exec(params);
    // The insert is done once its (empty) response stream ends.
    result.stream.once('end', () => {
      const end = performance.now();
      (insertMs[table] ??= []).push(end - t);
      if (table === 'alerts' && write !== null) write.alertsDoneAt = end;
    });
    return result;
  };
  const timed = <K extends 'prepare' | 'evaluate'>(name: K) => {
    const original = BatchProcessor.prototype[name] as (...args: unknown[]) => unknown;
    (BatchProcessor.prototype as unknown as Record<K, (...args: unknown[]) => unknown>)[name] = function (this: BatchProcessor, ...args: unknown[]) {
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        syncMs[name].push(performance.now() - t);
      }
    };
  };
  timed('prepare');
  timed('evaluate');
  let gcMs: Record<string, number[]> = {};
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      const name = kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : 'other';
      (gcMs[name] ??= []).push(entry.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  send({ type: 'started' });
  let stopping = false;
  process.on('message', (m: ParentToMonitor) => {
    if (m.type === 'mark') {
      const writes = writeMs;
      writeMs = [];
      const inserts = insertMs;
      insertMs = {};
      const sync = syncMs;
      syncMs = { prepare: [], evaluate: [], serialize: [] };
      const gcs = gcMs;
      gcMs = {};
      const ahead = alertsAheadMs;
      alertsAheadMs = [];
      const loopDelayMs = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
      loop.reset();
      void Promise.all([consumed(metrics), batches(metrics)]).then(([n, b]) =>
        send({ type: 'mark', mark: { atMs: Date.now(), cpuMicros: cpuNow(), consumed: n, batches: b, rssMb: process.memoryUsage().rss / 1024 / 1024, writeMs: writes, loopDelayMs, insertMs: inserts, syncMs: sync, gcMs: gcs, alertsAheadMs: ahead } }),
      );
    } else if (m.type === 'memory') {
      // Unlike a mark, resets nothing: samples may be taken between the marks.
      void Promise.all([consumed(metrics), metrics.engineStateBytes.get()]).then(([n, state]) => {
        const { rss, heapUsed } = process.memoryUsage();
        const mb = (bytes: number) => bytes / 1024 / 1024;
        send({ type: 'memory', sample: { atMs: Date.now(), consumed: n, rssMb: mb(rss), heapUsedMb: mb(heapUsed), engineStateMb: mb(state.values[0]?.value ?? 0) } });
      });
    } else if (m.type === 'stop' && !stopping) {
      stopping = true;
      void monitor
        .stop()
        .then(() => monitor.finished)
        .then(
          () => send({ type: 'stopped' }),
          (err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }),
        )
        .finally(() => process.disconnect?.());
    }
  });
  monitor.finished.catch((err: unknown) => {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
  if (preloaded > 0) {
    // Polled every 2 ms: the first stored batch starts the clock (as in bench throughput).
    let startNs = 0n;
    let startCpu = 0;
    let handled = 0;
    while (handled < preloaded) {
      await new Promise((r) => setTimeout(r, 2));
      handled = await consumed(metrics);
      if (handled > 0 && startNs === 0n) {
        startNs = process.hrtime.bigint();
        startCpu = cpuNow();
      }
    }
    send({ type: 'capacity', events: handled, seconds: Number(process.hrtime.bigint() - startNs) / 1e9, cpuMicros: cpuNow() - startCpu });
  }
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
