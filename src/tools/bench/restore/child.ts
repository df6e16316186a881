/**
 * One measurement of `custos bench restore`, in a fresh process (its own heap
 * and peak RSS): the restore the monitor runs when it is assigned a partition
 * (store.openPartitionHistory, each chunk of events replayed as it is read),
 * the same rows read whole and then restored at once (the monitor's way
 * before 2026-12-06), or the baseline, a bare read of the same partition's
 * rows streamed and discarded (what ClickHouse and the transfer take without
 * custos parsing anything).
 *
 *   node dist/tools/bench/restore/child.js '<json RestoreChildArgs>'
 */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { systemClock } from '../../../clock.js';
import { createEngine, loadRuleSet } from '../../../runtime/engine/index.js';
import { ClickHouseStore } from '../../../runtime/outputs/clickhouse/store.js';
import { TABLES } from '../../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable, quoteString } from '../../../runtime/outputs/clickhouse/escape.js';
import { ACCESS_EVENT_READ_COLUMNS } from '../../../runtime/outputs/clickhouse/rows/access-event-row.js';
import { ServiceCpu, pidListeningOn, portOf } from '../throughput/service-cpu.js';

import { FIGURES_PREFIX, type RestoreChildArgs, type RestoreFigures } from './figures.js';

const msOrNull = (us: number | null | undefined): number | null => (us === null || us === undefined ? null : us / 1000);

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Mark {
  readonly wallMs: number;
  readonly cpuMs: number;
}
const mark = (): Mark => ({ wallMs: performance.now(), cpuMs: cpuMs() });

/** One run's figures: the load from `start` to `loaded`, the restore from `loaded` to `restored`. */
function figuresOf(
  mode: RestoreFigures['mode'],
  read: { readonly events: number; readonly capped: boolean; readonly bytes: number },
  start: Mark,
  loaded: Mark,
  restored: Mark,
  clickhouseCpuMs: number | null,
): RestoreFigures {
  return {
    mode,
    events: read.events,
    loadMs: loaded.wallMs - start.wallMs,
    loadCpuMs: loaded.cpuMs - start.cpuMs,
    restoreMs: restored.wallMs - loaded.wallMs,
    restoreCpuMs: restored.cpuMs - loaded.cpuMs,
    clickhouseCpuMs,
    bytes: read.bytes,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterMb: process.memoryUsage().heapUsed / 1024 / 1024,
    capped: read.capped,
  };
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as RestoreChildArgs;
  const services = new ServiceCpu({ clickhouse: pidListeningOn(portOf(a.url, 8123)) });
  const rules = loadRuleSet(a.rulesDir);
  const engine = createEngine({ rules, clock: systemClock });
  const windowMs = engine.historyWindowMs();
  const now = systemClock.now() + rules.settings.clock_skew;
  const query = {
    now,
    activityLookbackMs: a.activityLookbackMs,
    recentWindowMs: windowMs,
    openAlertMaxAgeMs: windowMs,
    maxRecentEvents: a.maxRecentEvents,
    include: { activity: false, alerts: true, events: true },
    partition: { topic: a.topic, partition: a.partition, committedOffset: a.committedOffset },
  };
  const openStore = () =>
    ClickHouseStore.open({ url: a.url, username: a.username, password: a.password, database: a.database, retentionDays: 0, manageSchema: false, requestTimeoutMs: a.requestTimeoutMs });
  let figures: RestoreFigures;
  if (a.mode === 'streamed') {
    const store = await openStore();
    const ch0 = services.sample();
    const start = mark();
    // What the monitor's partition restorer runs (src/runtime/app/partition-restore.ts).
    const opened = await store.openPartitionHistory(query);
    const loaded = mark();
    const restore = engine.beginRestore(opened);
    let events = 0;
    for await (const chunk of opened.recentEvents) {
      restore.replay(chunk);
      events += chunk.length;
    }
    restore.finish();
    const restored = mark();
    const clickhouseCpuMs = msOrNull(ServiceCpu.since(ch0, services.sample()).clickhouse);
    await store.close();
    figures = figuresOf('streamed', { events, capped: opened.recentEventsCapped, bytes: 0 }, start, loaded, restored, clickhouseCpuMs);
  } else if (a.mode === 'whole') {
    const store = await openStore();
    const ch0 = services.sample();
    const start = mark();
    const state = await store.loadHistory(query);
    const loaded = mark();
    const clickhouseCpuMs = msOrNull(ServiceCpu.since(ch0, services.sample()).clickhouse);
    engine.restore(state);
    const restored = mark();
    await store.close();
    figures = figuresOf('whole', { events: state.recentEvents.length, capped: state.recentEventsCapped, bytes: 0 }, start, loaded, restored, clickhouseCpuMs);
  } else {
    const client = createClient({ url: a.url, username: a.username, password: a.password, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 600_000 });
    const ch0 = services.sample();
    const start = mark();
    const rs = await client.query({
      query: `SELECT ${ACCESS_EVENT_READ_COLUMNS} FROM ${qualifiedTable(a.database, TABLES.accessEvents)} WHERE source_topic = ${quoteString(a.topic)} AND source_partition = ${a.partition}`,
      format: 'JSONEachRow',
    });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of rs.stream()) {
      for (const row of chunk as { text: string }[]) {
        bytes += row.text.length;
        lines++;
      }
    }
    const loaded = mark();
    const clickhouseCpuMs = msOrNull(ServiceCpu.since(ch0, services.sample()).clickhouse);
    await client.close();
    figures = figuresOf('bare', { events: lines, capped: false, bytes }, start, loaded, loaded, clickhouseCpuMs);
  }
  process.stdout.write(`${FIGURES_PREFIX}${JSON.stringify(figures)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
