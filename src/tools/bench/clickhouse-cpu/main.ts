/**
 * Where ClickHouse's CPU per stored event goes (issue 13: goal ≤ 5 µs). The
 * benchmark's simulated events go through the real decode, enrich and engine
 * (BatchProcessor, no Kafka) and are stored with ClickHouseStore.writeBatch
 * in batches of about a drain's size (3 partitions, --batch events each).
 *
 * Two figures, because they are paid at different times:
 *  - the CPU of each query custos sends, per table, from system.query_log
 *    (UserTimeMicroseconds + SystemTimeMicroseconds; this tool's clients set
 *    log_queries=1): parsing, sorting, writing the new parts, the views;
 *  - the merge threads' CPU (BackgrProcPool, /proc/<pid>/task/<tid>/stat)
 *    while the inserts ran and after them, until the database's merges
 *    settled. bench throughput counts only what happens while it watches.
 *
 * Then the same access_events rows go, as RowBinary, into bare tables: the
 * table as custos defines it, a plain MergeTree (no partitions, no sorting
 * key), a Log table (no parts, no merges) and, with --columns, one MergeTree
 * per column; so each part of the figure is measured on the server, not guessed.
 *
 *   npm run build && node dist/tools/bench/clickhouse-cpu/main.js [--events 100000] [--batch 6000] [--columns]
 *
 * ClickHouse URL from CUSTOS_CLICKHOUSE_URL (default http://127.0.0.1:8123). Needs /proc of the
 * server's process (same host). On a shared server others' merges count in the merge figure.
 */
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { ManualClock } from '../../../clock.js';
import { createDecoder } from '../../../runtime/decode/decoder.js';
import { createEngine, loadRuleSet } from '../../../runtime/engine/index.js';
import { createEnricher } from '../../../runtime/enrich/enricher.js';
import { enrichmentFilesInFolder, loadEnrichmentTables } from '../../../runtime/enrich/tables.js';
import { createOptionalFieldMinimiser, DEFAULT_MINIMISATION } from '../../../privacy/minimise.js';
import { BatchProcessor } from '../../../runtime/pipeline/batch-processor.js';
import type { BatchOutput, InboundMessage } from '../../../model/batch.js';
import { ClickHouseStore } from '../../../runtime/outputs/clickhouse/store.js';
import { ACCESS_EVENTS } from '../../../runtime/outputs/clickhouse/columns/access-events.js';
import { defineColumnTable, writeRows } from '../../../runtime/outputs/clickhouse/columns/column-table.js';
import { rowBinaryEncoder } from '../../../runtime/outputs/clickhouse/columns/rowbinary.js';
import { insertRowBinary } from '../../../runtime/outputs/clickhouse/connection.js';
import { quoteIdentifier, qualifiedTable } from '../../../runtime/outputs/clickhouse/escape.js';
import { consoleDatabaseOf } from '../../../runtime/outputs/clickhouse/ddl.js';
import { createSimulation } from '../../sim/simulator.js';
import { ENRICHMENT_SOURCES } from '../../../runtime/enrich/sources/index.js';
import { pidListeningOn, portOf, statCpuMicros } from '../throughput/service-cpu.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '100000' }, batch: { type: 'string', default: '6000' }, columns: { type: 'boolean', default: false } },
});
const EVENTS = Number(args.events);
const BATCH = Number(args.batch);
const URL_ = process.env.CUSTOS_CLICKHOUSE_URL || 'http://127.0.0.1:8123';
const KEY = 'benchmark-pseudonym-key-not-a-secret-0000';
const PARTITIONS = 3;

/** CPU µs per thread name of the server (all its threads, summed by name). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(name, (out.get(name) ?? 0) + statCpuMicros(stat));
    } catch {
      // thread ended meanwhile
    }
  }
  return out;
}

function since(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const d = new Map<string, number>();
  for (const [k, v] of after) d.set(k, v - (before.get(k) ?? 0));
  return d;
}

async function scalar(ch: ClickHouseClient, sql: string): Promise<number> {
  const r = await ch.query({ query: sql, format: 'JSONEachRow' });
  const rows = await r.json<{ v: number | string }>();
  return Number(rows[0]?.v ?? 0);
}

/** Waits until no merge of this database runs for a second (and its active part count stops changing). */
async function mergesSettled(ch: ClickHouseClient, database: string): Promise<void> {
  const db = `'${database}'`;
  let quiet = 0;
  let parts = -1;
  for (let i = 0; i < 600 && quiet < 4; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const running = await scalar(ch, `SELECT count() AS v FROM system.merges WHERE database = ${db}`);
    const now = await scalar(ch, `SELECT count() AS v FROM system.parts WHERE database = ${db} AND active`);
    quiet = running === 0 && now === parts ? quiet + 1 : 0;
    parts = now;
  }
}

interface Phase {
  readonly label: string;
  readonly rows: number;
  /** CPU of this phase's own queries (query_log: UserTimeMicroseconds + SystemTimeMicroseconds), per table. */
  readonly queries: Map<string, { readonly us: number; readonly count: number }>;
  /** The merge threads' CPU while the inserts ran and after them, until the database's merges settled (others' merges count too). */
  readonly mergeDuring: number;
  readonly mergeAfter: number;
  readonly parts: number;
}

function show(p: Phase): void {
  const per = (us: number | undefined) => ((us ?? 0) / p.rows).toFixed(2);
  const queries = [...p.queries.values()].reduce((a, q) => a + q.us, 0);
  const tables = [...p.queries].map(([t, q]) => `${t} ${per(q.us)} (${q.count})`).join(', ');
  process.stdout.write(
    `${p.label}\n    queries ${per(queries)} µs/event [${tables}]; merges during ${per(p.mergeDuring)}, after ${per(p.mergeAfter)}; ` +
      `sum ${per(queries + p.mergeDuring + p.mergeAfter)} µs/event; active parts after: ${p.parts}\n`,
  );
}

/** Per table, the CPU of the finished queries that name this database (log_queries is on for the clients here). */
async function queryCpu(ch: ClickHouseClient, database: string, fromTime: number): Promise<Map<string, { us: number; count: number }>> {
  await ch.command({ query: 'SYSTEM FLUSH LOGS' });
  const r = await ch.query({
    query:
      `SELECT if((extract(query, '\`${database}\`\\\\.\`([a-z_]+)\`') AS x) = '', substring(query, 1, 40), x) AS t, count() AS n, ` +
      `sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')] + ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')]) AS us ` +
      // The probes of mergesSettled are left out: they are this tool's, not custos's.
      `FROM system.query_log WHERE type = 2 AND event_time >= toDateTime(${fromTime}) AND position(query, '${database}') > 0 ` +
      `AND query NOT LIKE 'SELECT count() AS v FROM system.%' GROUP BY t ORDER BY us DESC`,
    format: 'JSONEachRow',
  });
  const rows = await r.json<{ t: string; n: number | string; us: number | string }>();
  return new Map(rows.map((row) => [row.t === '' ? '(other)' : row.t, { us: Number(row.us), count: Number(row.n) }]));
}

async function measure(ch: ClickHouseClient, pid: number, label: string, database: string, rows: number, run: () => Promise<void>): Promise<Phase> {
  await mergesSettled(ch, database);
  const from = Math.floor(Date.now() / 1000) - 1;
  const t0 = threadCpu(pid);
  await run();
  const t1 = threadCpu(pid);
  await mergesSettled(ch, database);
  const t2 = threadCpu(pid);
  const parts = await scalar(ch, `SELECT count() AS v FROM system.parts WHERE database = '${database}' AND active`);
  const merges = (a: Map<string, number>, b: Map<string, number>) => since(a, b).get('BackgrProcPool') ?? 0;
  const phase = { label, rows, queries: await queryCpu(ch, database, from), mergeDuring: merges(t0, t1), mergeAfter: merges(t1, t2), parts };
  show(phase);
  return phase;
}

function batches(): { outputs: BatchOutput[]; events: number } {
  const dir = mkdtempSync(join(tmpdir(), 'custos-chcpu-'));
  try {
    const sim = createSimulation({ seed: 7, actors: 300, days: 60, incidents: 'default' });
    const directoryFile = join(dir, 'actors.csv');
    writeFileSync(directoryFile, sim.directoryCsv);
    // Each actor's events to one partition (as keyed by actor_id), then cut into batches per partition.
    const perPartition: InboundMessage[][] = Array.from({ length: PARTITIONS }, () => []);
    let n = 0;
    for (const e of sim.stream()) {
      if (n++ >= EVENTS) break;
      let h = 0;
      for (let i = 0; i < e.actor_id.length; i++) h = (h * 31 + e.actor_id.charCodeAt(i)) | 0;
      const p = perPartition[Math.abs(h) % PARTITIONS] ?? [];
      p.push({ key: Buffer.from(e.actor_id), value: Buffer.from(JSON.stringify(e)), offset: String(p.length) });
    }
    const tables = loadEnrichmentTables(enrichmentFilesInFolder('rules/enrichment', { directoryFile, defaultTimezone: 'UTC' }));
    const latest = Date.now();
    const processor = new BatchProcessor({
      decode: createDecoder({ pseudonymKey: KEY, maxMessageBytes: 1 << 20 }),
      enricher: () => createEnricher(tables, createOptionalFieldMinimiser(DEFAULT_MINIMISATION, KEY)),
      engine: createEngine({ rules: loadRuleSet('rules'), clock: new ManualClock(latest) }),
      clock: new ManualClock(latest),
    });
    const outputs: BatchOutput[] = [];
    // Round robin over the partitions, as a drain interleaves them.
    for (let start = 0; perPartition.some((p) => p.length > start); start += BATCH) {
      perPartition.forEach((p, partition) => {
        const slice = p.slice(start, start + BATCH);
        if (slice.length > 0) outputs.push(processor.process('chcpu', partition, slice));
      });
    }
    return { outputs, events: Math.min(n, EVENTS) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const pid = pidListeningOn(portOf(URL_, 8123));
  if (pid === null) throw new Error('no ClickHouse process found listening on the URL port (need /proc access)');
  const { outputs, events } = batches();
  const count = (f: (b: BatchOutput) => number) => outputs.reduce((a, b) => a + f(b), 0);
  process.stdout.write(
    `${events.toLocaleString('en-US')} events in ${outputs.length} batches of up to ${BATCH}: alerts ${count((b) => b.alerts.length)}, activity rows ${count((b) => b.activity.length)}, rejected ${count((b) => b.rejected.length)}\n`,
  );
  const stamp = Date.now();
  const db = `chcpu_${stamp}`;
  const ch = createClient({ url: URL_, clickhouse_settings: { log_queries: 1 } });
  const dbs = [db, consoleDatabaseOf(db), `${db}_bare`];
  try {
    const store = await ClickHouseStore.open({ url: URL_, settings: { log_queries: 1 }, database: db, retentionDays: 0, insertFormat: 'rowbinary' });
    const stored = events;
    await measure(ch, pid, 'custos writeBatch, every table', db, stored, async () => {
      for (const b of outputs) await store.writeBatch(b);
    });
    await store.close();

    // The same access_events rows alone, into bare tables.
    const bare = `${db}_bare`;
    await ch.command({ query: `CREATE DATABASE ${quoteIdentifier(bare)}` });
    const ddlType = (t: string) => (t === 'LC' ? 'String' : t === 'LC?' ? 'Nullable(String)' : t);
    const encodeBodies = (table: ReturnType<typeof defineColumnTable<never, never, never, never>> | typeof ACCESS_EVENTS) => {
      const encoder = rowBinaryEncoder(table as typeof ACCESS_EVENTS, table.ddlColumns.map(([name, type]) => ({ name, type: ddlType(type) })));
      if (encoder === null) throw new Error('no encoder');
      const ingestedAt = Math.floor(stamp / 1000);
      return {
        columnList: encoder.columnList,
        bodies: outputs.map((b) => writeRows(b.events, (p, out) => encoder.encode(p.event, { position: p.position, ingestedAt }, out))),
      };
    };
    const bareTable = async (label: string, name: string, table: typeof ACCESS_EVENTS, engine: string) => {
      const cols = table.ddlColumns.map(([n, t]) => `${n} ${ddlType(t)}`).join(', ');
      await ch.command({ query: `CREATE TABLE ${qualifiedTable(bare, name)} (${cols}) ENGINE = ${engine}` });
      const { columnList, bodies } = encodeBodies(table);
      const bytes = bodies.reduce((a, b) => a + b.length, 0);
      const phase = await measure(ch, pid, label, bare, stored, async () => {
        for (const body of bodies) await insertRowBinary(ch, bare, name, columnList, body);
      });
      return { phase, bytes };
    };
    const full = await bareTable('access_events as custos makes it', 'ae_custos', ACCESS_EVENTS, 'ReplacingMergeTree(ingested_at) PARTITION BY toYYYYMM(ts) ORDER BY (actor_id, ts, event_id)');
    process.stdout.write(`  RowBinary ${(full.bytes / stored).toFixed(0)} bytes/row\n`);
    await bareTable('plain MergeTree, no partition, ORDER BY tuple()', 'ae_plain', ACCESS_EVENTS, 'MergeTree() ORDER BY tuple()');
    await bareTable('Log engine (no sort, no parts)', 'ae_log', ACCESS_EVENTS, 'Log');
    // What the enrichment sources' columns cost: the same table without them.
    const enrichment = new Set(ENRICHMENT_SOURCES.flatMap((s) => s.columns.map((c) => c.name)));
    const own = defineColumnTable({ name: 'own', columns: ACCESS_EVENTS.columns.filter((c) => !enrichment.has(c.name)), draft: () => ({}) as never, finish: () => ({}) });
    const lean = await bareTable(
      `access_events as custos makes it, without the ${enrichment.size} enrichment columns`,
      'ae_own',
      own as unknown as typeof ACCESS_EVENTS,
      'ReplacingMergeTree(ingested_at) PARTITION BY toYYYYMM(ts) ORDER BY (actor_id, ts, event_id)',
    );
    process.stdout.write(`  RowBinary ${(lean.bytes / stored).toFixed(0)} bytes/row\n`);
    if (args.columns) {
      for (const column of ACCESS_EVENTS.columns) {
        const one = defineColumnTable({ name: column.name, columns: [column], draft: () => ({}) as never, finish: () => ({}) }) as unknown as typeof ACCESS_EVENTS;
        const r = await bareTable(`column ${column.name} ${column.type}`, `c_${column.name}`, one, 'MergeTree() ORDER BY tuple()');
        process.stdout.write(`  ${(r.bytes / stored).toFixed(1)} bytes/row\n`);
      }
    }
  } finally {
    for (const d of dbs) await dropSchema(ch, d).catch(() => undefined);
    await ch.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
