/**
 * Determinism check (issue 7, finding 5): one topic preloaded with simulated
 * events, drained N times by the real monitor (the throughput benchmark's
 * custos runner, each run in its own process, fresh database and consumer
 * group), plus the same events replayed in process (EngineReplay, as
 * `bench detection` and `backtest` do). Writes every run's final alert
 * revisions and activity rows under --out and prints the differences.
 *
 *   node dist/tools/bench/determinism/main.js --events 300000 --runs 3 --out /tmp/det [--keep] [--topic kept-topic]
 *
 * What makes the alerts a function of the input: ARCHITECTURE.md, "Determinism".
 *
 * Environment: CUSTOS_KAFKA_BROKERS, CUSTOS_CLICKHOUSE_URL (defaults: the local
 * services). Extra CUSTOS_* variables are passed to the monitor runs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { Kafka, logLevel } from 'kafkajs';
import { ManualClock } from '../../../clock.js';
import { createEngine, loadRuleSet, type ActorActivityRow } from '../../../runtime/engine/index.js';
import { enrichmentFilesInFolder, loadEnrichmentTables } from '../../../runtime/enrich/tables.js';
import type { Alert, AlertRevision } from '../../../model/alert.js';
import { EngineReplay, createWireEventReader } from '../../replay/index.js';
import { produceToKafka } from '../../sim/kafka.js';
import { createSimulation } from '../../sim/simulator.js';
import type { WireEvent } from '../../sim/wire.js';
import { quoteIdentifier } from '../../../runtime/outputs/clickhouse/escape.js';
import { ALERT_READ_COLUMNS, alertFromRow, type AlertRow } from '../../../runtime/outputs/clickhouse/rows/alert-row.js';
import { compareRuns, normaliseAlert, type RunAlerts } from './compare.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const PSEUDONYM_KEY = 'determinism-pseudonym-key-not-a-secret-00';
const HOUR = 3_600_000;

interface Options {
  events: number;
  actors: number;
  partitions: number;
  runs: number;
  out: string;
  keep: boolean;
  /** Reuse an already preloaded topic (with --directory). */
  topic: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { events: 300_000, actors: 300, partitions: 3, runs: 3, out: '/tmp/custos-determinism', keep: false, topic: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--keep') o.keep = true;
    else if (a === '--events' && v) (o.events = Number(v)), i++;
    else if (a === '--actors' && v) (o.actors = Number(v)), i++;
    else if (a === '--partitions' && v) (o.partitions = Number(v)), i++;
    else if (a === '--runs' && v) (o.runs = Number(v)), i++;
    else if (a === '--out' && v) (o.out = resolve(v)), i++;
    else if (a === '--topic' && v) (o.topic = v), i++;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function* firstN(events: Iterable<WireEvent>, n: number): Generator<WireEvent> {
  let i = 0;
  for (const e of events) {
    if (i++ >= n) return;
    yield e;
  }
}

function runMonitor(events: number, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(here, '../throughput/custos-runner.js'), String(events)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`custos-runner exited ${code}`))));
  });
}

async function readRun(url: string, database: string): Promise<RunAlerts> {
  const ch = createClient({ url });
  try {
    const db = quoteIdentifier(database);
    const rows = await (await ch.query({ query: `SELECT ${ALERT_READ_COLUMNS} FROM ${db}.alerts ORDER BY alert_id, revision`, format: 'JSONEachRow' })).json<AlertRow>();
    const latest = new Map<string, Alert>();
    for (const r of rows) {
      const a = alertFromRow(r);
      if (a === null) continue;
      const held = latest.get(a.alert_id);
      if (held === undefined || held.revision < a.revision) latest.set(a.alert_id, a);
    }
    const activity = await (
      await ch.query({
        query: `SELECT actor_id, granularity, toUInt64(bucket_start_ms) AS bucket_start, events, distinct_records, peak_5m_distinct, peak_1h_distinct FROM ${db}.actor_activity FINAL ORDER BY actor_id, granularity, bucket_start`,
        format: 'JSONEachRow',
      })
    ).json<Record<string, unknown>>();
    return { label: database, revisionRows: rows.length, alerts: [...latest.values()].map((a) => normaliseAlert(a, database)), activity: activity.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'actor_id' || k === 'granularity' ? v : Number(v)])))) };
  } finally {
    await ch.close();
  }
}

function replayInProcess(o: Options, directoryFile: string): RunAlerts {
  const sim = createSimulation({ seed: 7, actors: o.actors, days: 60, incidents: 'default' });
  const tables = loadEnrichmentTables(enrichmentFilesInFolder('rules/enrichment', { directoryFile, defaultTimezone: 'UTC' }));
  const clock = new ManualClock(sim.config.startMs);
  const engine = createEngine({ rules: loadRuleSet('rules'), clock });
  const reader = createWireEventReader({ pseudonymKey: PSEUDONYM_KEY, tables });
  const latest = new Map<string, AlertRevision>();
  const activity: ActorActivityRow[] = [];
  const replay = new EngineReplay({
    engine,
    clock,
    startMs: sim.config.startMs,
    onOutput: (out) => {
      activity.push(...out.activity);
      for (const u of out.alerts) latest.set(u.alert.alert_id, u.alert);
    },
  });
  let last = 0;
  for (const w of firstN(sim.stream(), o.events)) {
    const ev = reader.read(Buffer.from(JSON.stringify(w), 'utf8'));
    if (ev === null) continue;
    replay.evaluate(ev);
    last = Math.max(last, ev.ts);
  }
  // Unlike the monitor's runs, the replay lets time run out: alerts close. Compared without status.
  replay.finish(last + 26 * HOUR);
  return {
    label: 'in-process replay',
    revisionRows: -1,
    alerts: [...latest.values()].map((a) => normaliseAlert(a, 'replay')),
    activity: activity.map((r) =>
      JSON.stringify({ actor_id: r.actor_id, granularity: r.granularity, bucket_start: r.bucket_start, events: r.events, distinct_records: r.distinct_records, peak_5m_distinct: r.peak_5m_distinct, peak_1h_distinct: r.peak_1h_distinct }),
    ),
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const brokers = process.env.CUSTOS_KAFKA_BROKERS ?? '127.0.0.1:9092';
  const url = process.env.CUSTOS_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
  mkdirSync(o.out, { recursive: true });
  const stamp = Date.now();
  const topic = o.topic ?? `determinism-${stamp}`;
  const sim = createSimulation({ seed: 7, actors: o.actors, days: 60, incidents: 'default' });
  const directoryFile = join(o.out, 'actors.csv');
  writeFileSync(directoryFile, sim.directoryCsv);
  const kafka = new Kafka({ clientId: 'determinism', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  if (o.topic === null) {
    await admin.createTopics({ topics: [{ topic, numPartitions: o.partitions }], waitForLeaders: true });
    process.stdout.write(`preloading ${o.events} events into ${topic} (${o.partitions} partitions)\n`);
    const produced = await produceToKafka({ brokers: brokers.split(','), topic, events: firstN(sim.stream(), o.events) });
    if (produced.sent < o.events) throw new Error(`the simulation yielded only ${produced.sent} events`);
  }
  const runs: RunAlerts[] = [];
  const databases: string[] = [];
  const groups: string[] = [];
  try {
    process.stdout.write('in-process replay...\n');
    runs.push(replayInProcess(o, directoryFile));
    for (let i = 1; i <= o.runs; i++) {
      const database = `custos_det_${stamp}_${i}`;
      const group = `determinism-${stamp}-${i}`;
      databases.push(database);
      groups.push(group);
      process.stdout.write(`monitor run ${i}/${o.runs} → ${database}\n`);
      const t0 = Date.now();
      await runMonitor(o.events, {
        ...process.env,
        CUSTOS_KAFKA_BROKERS: brokers,
        CUSTOS_CLICKHOUSE_URL: url,
        CUSTOS_CLICKHOUSE_DATABASE: database,
        CUSTOS_KAFKA_TOPIC: topic,
        CUSTOS_KAFKA_GROUP_ID: group,
        CUSTOS_KAFKA_DEAD_LETTER_TOPIC: `${topic}.dead-letter`,
        CUSTOS_PSEUDONYM_KEY: PSEUDONYM_KEY,
        CUSTOS_DIRECTORY_FILE: directoryFile,
        CUSTOS_WEBHOOK_URLS: '',
        CUSTOS_METRICS_PORT: '0',
        CUSTOS_LOG_LEVEL: process.env.CUSTOS_LOG_LEVEL ?? 'warn',
      });
      process.stdout.write(`  drained in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      runs.push(await readRun(url, database));
    }
    for (const [i, r] of runs.entries()) writeFileSync(join(o.out, `run-${i}.json`), JSON.stringify(r, null, 1));
    process.stdout.write(compareRuns(runs));
  } finally {
    if (!o.keep) {
      const ch = createClient({ url });
      for (const d of databases) await dropSchema(ch, d).catch(() => undefined);
      await ch.close();
      if (o.topic === null) await admin.deleteTopics({ topics: [topic, `${topic}.dead-letter`] }).catch(() => undefined);
      await admin.deleteGroups(groups).catch(() => undefined);
    } else process.stdout.write(`kept: topic ${topic}, databases ${databases.join(', ')}\n`);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
