/**
 * Throughput benchmark: a topic preloaded with simulated events is drained by
 * a bare kafkajs consumer that only JSON.parses each message (the baseline),
 * and by custos' full pipeline, one after the other in the same run, each in
 * its own process. Prints events/s, Node CPU µs per event and peak RSS, and
 * custos' ratio to the baseline, how many messages kafkajs delivered per event
 * in each run (count-delivered.ts) and a fingerprint of what each custos run
 * stored (stored-rows.ts). Never asserted in a test: speed is measured.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { consoleDatabaseOf } from '../../../runtime/outputs/clickhouse/ddl.js';
import { Kafka, logLevel } from 'kafkajs';
import { createSimulation } from '../../sim/simulator.js';
import { produceToKafka } from '../../sim/kafka.js';
import type { WireEvent } from '../../sim/wire.js';
import { FIGURES_PREFIX, type RunFigures } from './measure.js';
import { DELIVERED_PREFIX, type DeliveredCounts } from './delivery-tally.js';
import { describeStored, storedRows, type TableFingerprint } from './stored-rows.js';
import { measureStages } from './stages.js';
import { table } from '../../../util/text-table.js';
import { ServiceCpu, pidListeningOn, portOf } from './service-cpu.js';
import { PIPELINE_STAGES, type PipelineStage } from '../../../observability/stage-cpu.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

export interface ThroughputOptions {
  readonly events: number;
  readonly actors: number;
  readonly partitions: number;
  readonly rounds: number;
  readonly brokers: string;
  readonly clickhouseUrl: string;
  /** Extra Node flags for this build's custos runner (e.g. `--cpu-prof --cpu-prof-dir=DIR`, `--max-semi-space-size=64`). */
  readonly nodeArgs?: readonly string[];
  /**
   * Another build's dist folder: its custos runner drains the same topic right after this
   * build's in every round, so a before/after comparison shares the run's machine load.
   */
  readonly compareDist?: string;
  /** Extra Node flags for the compared runner (the same dist with other flags compares GC settings). */
  readonly compareNodeArgs?: readonly string[];
  /**
   * The rules folder of the compared runner (default: the same as this build's): another
   * checkout's rules, when its build could not load this one's (a measure it does not have).
   */
  readonly compareRules?: string;
  /**
   * Events of each drain before its warm figures start (default: a third of `events`): the
   * first batches of a process pay for compiling its code and growing its heap, which a
   * long-running monitor pays once. Both the whole drain and the part after are printed.
   */
  readonly warmupEvents?: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** Every runner (the compared build's too) counts what kafkajs delivered with this build's counter. */
const COUNT_DELIVERED = join(here, 'count-delivered.js');

interface ChildFigures extends RunFigures {
  readonly delivered: DeliveredCounts | null;
}

function runChild(script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = []): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', COUNT_DELIVERED, ...nodeArgs, script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('exit', (code) => {
      const lines = out.split('\n');
      const line = lines.find((l) => l.startsWith(FIGURES_PREFIX));
      const delivered = lines.find((l) => l.startsWith(DELIVERED_PREFIX));
      if (code !== 0 || !line) reject(new Error(`${script} exited ${code}`));
      else
        resolve({
          ...(JSON.parse(line.slice(FIGURES_PREFIX.length)) as RunFigures),
          delivered: delivered === undefined ? null : (JSON.parse(delivered.slice(DELIVERED_PREFIX.length)) as DeliveredCounts),
        });
    });
  });
}

function* firstN(events: Iterable<WireEvent>, n: number): Generator<WireEvent> {
  let i = 0;
  for (const e of events) {
    if (i++ >= n) return;
    yield e;
  }
}

export async function runThroughputBenchmark(o: ThroughputOptions): Promise<void> {
  if (o.warmupEvents !== undefined && !(Number.isInteger(o.warmupEvents) && o.warmupEvents >= 0 && o.warmupEvents < o.events)) {
    throw new Error(`--warmup must be a whole number from 0 to below --events (${o.events}), got ${o.warmupEvents}`);
  }
  const stamp = Date.now();
  const topic = `bench-throughput-${stamp}`;
  const database = `custos_bench_${stamp}`;
  const kafka = new Kafka({ clientId: 'bench', brokers: o.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: o.partitions }], waitForLeaders: true });
  await admin.disconnect();

  const groupPrefix = `bench-custos-${stamp}`;
  const sides = custosSides(o);
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-'));
  try {
    // Simulated traffic: enough days of the default organisation to yield N events.
    const sim = createSimulation({ seed: 7, actors: o.actors, days: 60, incidents: 'default' });
    const directoryFile = join(dir, 'actors.csv');
    writeFileSync(directoryFile, sim.directoryCsv);
    process.stdout.write(`preloading ${o.events.toLocaleString('en-US')} simulated events into ${topic} (${o.partitions} partitions)...\n`);
    const produced = await produceToKafka({ brokers: o.brokers.split(','), topic, events: firstN(sim.stream(), o.events) });
    process.stdout.write(`  produced ${produced.sent.toLocaleString('en-US')} in ${(produced.elapsedMs / 1000).toFixed(1)} s\n`);
    if (produced.sent < o.events) throw new Error(`the simulation yielded only ${produced.sent} events`);

    const services = new ServiceCpu({
      broker: pidListeningOn(portOf(o.brokers.split(',')[0] ?? '', 9092)),
      clickhouse: pidListeningOn(portOf(o.clickhouseUrl, 8123)),
    });
    const measured = async (run: Promise<ChildFigures>): Promise<MeasuredRun> => {
      const before = services.sample();
      const figures = await run;
      const used = ServiceCpu.since(before, services.sample());
      const perEvent = (us: number | null | undefined) => (us === null || us === undefined ? null : us / figures.events);
      return { ...figures, brokerMicrosPerEvent: perEvent(used.broker), clickhouseMicrosPerEvent: perEvent(used.clickhouse) };
    };
    const custosEnv = (db: string, groupId: string): NodeJS.ProcessEnv => ({
      ...process.env,
      CUSTOS_KAFKA_BROKERS: o.brokers,
      CUSTOS_CLICKHOUSE_URL: o.clickhouseUrl,
      CUSTOS_CLICKHOUSE_DATABASE: db,
      CUSTOS_KAFKA_TOPIC: topic,
      CUSTOS_KAFKA_GROUP_ID: groupId,
      CUSTOS_KAFKA_DEAD_LETTER_TOPIC: `${topic}.dead-letter`,
      CUSTOS_PSEUDONYM_KEY: process.env.CUSTOS_PSEUDONYM_KEY ?? 'benchmark-pseudonym-key-not-a-secret-0000',
      CUSTOS_DIRECTORY_FILE: directoryFile,
      CUSTOS_WEBHOOK_URLS: '',
      CUSTOS_METRICS_PORT: '0',
      CUSTOS_LOG_LEVEL: 'warn',
    });
    const warmup = { BENCH_WARMUP_EVENTS: String(o.warmupEvents ?? Math.floor(o.events / 3)) };
    const results: MeasuredRun[] = [];
    const ch = createClient({ url: o.clickhouseUrl });
    try {
      for (let round = 1; round <= o.rounds; round++) {
        process.stdout.write(`round ${round}/${o.rounds}: bare consumer...\n`);
        results.push(await measured(runChild(join(here, 'bare-consumer.js'), [o.brokers, topic, String(o.events)], { ...process.env, ...warmup })));
        for (const side of sides) {
          process.stdout.write(`round ${round}/${o.rounds}: ${side.label}...\n`);
          const db = `${database}_${round}${side.suffix}`;
          const figures = await measured(runChild(side.runner, [String(o.events)], { ...custosEnv(db, `${groupPrefix}-${round}${side.suffix}`), ...warmup, ...side.env }, side.nodeArgs));
          // Read back after the run (outside the measured span).
          results.push({ ...figures, label: side.label, stored: await storedRows(ch, db) });
        }
      }
    } finally {
      await ch.close();
    }
    printTable(results);
    printWarm(results, Number(warmup.BENCH_WARMUP_EVENTS));
    printStagesInRun(custosGroups(results));
    printStored(results, o.compareRules !== undefined);

    // The same events, stage by stage, in this process (no I/O).
    const sample = Math.min(o.events, 100_000);
    const values: Buffer[] = [];
    for (const e of firstN(createSimulation({ seed: 7, actors: o.actors, days: 60, incidents: 'default' }).stream(), sample)) {
      values.push(Buffer.from(JSON.stringify(e), 'utf8'));
    }
    process.stdout.write(`\nCPU per stage, in process, ${sample.toLocaleString('en-US')} of the same events:\n`);
    for (const f of measureStages(values, directoryFile)) process.stdout.write(`  ${f.microsPerEvent.toFixed(1).padStart(6)} µs/event  ${f.stage}\n`);
  } finally {
    // Nothing of the run stays behind: databases, the preloaded topic, the directory file.
    const ch = createClient({ url: o.clickhouseUrl });
    const runs = Array.from({ length: o.rounds }, (_, i) => sides.map((side) => `${i + 1}${side.suffix}`)).flat();
    for (const run of runs) {
      // Each run's database and the console's database beside it (ddl.ts consoleDatabaseOf).
      for (const db of [`${database}_${run}`, consoleDatabaseOf(`${database}_${run}`)]) {
        await dropSchema(ch, db).catch(() => undefined);
      }
    }
    await ch.close();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, `${topic}.dead-letter`] }).catch(() => undefined);
    await admin.deleteGroups(runs.map((run) => `${groupPrefix}-${run}`)).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The custos runners of a round: this build's, then the compared one's (if any). */
interface CustosSide {
  readonly label: string;
  readonly runner: string;
  readonly nodeArgs: readonly string[];
  /** Appended to the round's database and consumer group. */
  readonly suffix: string;
  /** Settings of this side only (its rules folder). */
  readonly env: Readonly<Record<string, string>>;
}

function custosSides(o: ThroughputOptions): CustosSide[] {
  const flags = (args: readonly string[] | undefined) => (args && args.length > 0 ? ` ${args.join(' ')}` : '');
  const sides: CustosSide[] = [{ label: `custos (full pipeline)${flags(o.nodeArgs)}`, runner: join(here, 'custos-runner.js'), nodeArgs: o.nodeArgs ?? [], suffix: '', env: {} }];
  if (o.compareDist !== undefined || (o.compareNodeArgs?.length ?? 0) > 0 || o.compareRules !== undefined) {
    const dist = o.compareDist === undefined ? join(here, '..', '..', '..') : resolve(o.compareDist);
    const rules = o.compareRules === undefined ? '' : ` rules ${o.compareRules}`;
    sides.push({
      label: `custos ${o.compareDist === undefined ? '(this build)' : `(${o.compareDist})`}${flags(o.compareNodeArgs)}${rules}`,
      runner: join(dist, 'tools', 'bench', 'throughput', 'custos-runner.js'),
      nodeArgs: o.compareNodeArgs ?? [],
      suffix: '_b',
      env: o.compareRules === undefined ? {} : { CUSTOS_RULES_DIR: resolve(o.compareRules) },
    });
  }
  return sides;
}

interface MeasuredRun extends ChildFigures {
  /** CPU of the broker and of ClickHouse during the run, per event (null: not readable here). */
  readonly brokerMicrosPerEvent: number | null;
  readonly clickhouseMicrosPerEvent: number | null;
  /** What a custos runner stored (none for the bare consumer). */
  readonly stored?: readonly TableFingerprint[];
}

/** Messages kafkajs delivered per event (1.00: each fetched once), as `1.41 (again 41,000)`. */
function deliveredText(r: MeasuredRun): string {
  if (r.delivered === null) return 'n/a';
  return `${(r.delivered.messages / r.events).toFixed(2)} (again ${r.delivered.again.toLocaleString('en-US')})`;
}

/** Each custos run's stored rows, and whether all runs stored the same. */
function printStored(results: readonly MeasuredRun[], otherRules: boolean): void {
  const runs = results.filter((r) => r.stored !== undefined);
  if (runs.length === 0) return;
  process.stdout.write('\nStored rows (sorted, without write times; see stored-rows.ts):\n');
  for (const r of runs) process.stdout.write(`  ${r.label}: ${describeStored(r.stored ?? [])}\n`);
  const first = describeStored(runs[0]?.stored ?? []);
  const same = runs.every((r) => describeStored(r.stored ?? []) === first);
  // Other rules may rightly store other alerts: say so, rather than let a difference read as a fault.
  const note = !same && otherRules ? ' (the compared runner reads other rules: its alerts may differ)' : '';
  process.stdout.write(`stored rows identical in all ${runs.length} custos runs: ${same ? 'yes' : 'NO'}${note}\n`);
}

const f1 = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(1));

function range(values: readonly (number | null)[], digits = 1): string {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return 'n/a';
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

/** One group per custos runner (this build's, and the compared one's if any), in the order they ran. */
function custosGroups(results: readonly MeasuredRun[]): { label: string; runs: MeasuredRun[] }[] {
  const labels = [...new Set(results.filter((r) => r.label.startsWith('custos')).map((r) => r.label))];
  return labels.map((label) => ({ label, runs: results.filter((r) => r.label === label) }));
}

function printTable(results: readonly MeasuredRun[]): void {
  const total = (r: MeasuredRun) =>
    r.label.startsWith('custos') && r.brokerMicrosPerEvent !== null && r.clickhouseMicrosPerEvent !== null
      ? r.cpuMicrosPerEvent + r.brokerMicrosPerEvent + r.clickhouseMicrosPerEvent
      : null;
  const rows = results.map((r) => [
    r.label,
    Math.round(r.eventsPerSecond).toLocaleString('en-US'),
    r.cpuMicrosPerEvent.toFixed(1),
    r.peakRssMb.toFixed(0),
    f1(r.brokerMicrosPerEvent),
    r.label.startsWith('custos') ? f1(r.clickhouseMicrosPerEvent) : '-',
    r.label.startsWith('custos') ? f1(total(r)) : '-',
    `${r.gcYoungMs.toFixed(0)} / ${r.gcOldMs.toFixed(0)}`,
    deliveredText(r),
  ]);
  const headers = ['run', 'events/s', 'Node CPU µs/ev', 'peak RSS MB', 'broker µs/ev', 'ClickHouse µs/ev', 'total µs/ev', 'GC young/old ms', 'kafkajs delivered/ev'];
  process.stdout.write(`\n${table(headers, rows)}\n`);

  const bare = results.filter((r) => r.label.startsWith('bare'));
  // One group per custos runner (this build's, and the compared one's if any), in the order they ran.
  const groups = custosGroups(results);
  const side = (label: string, rs: readonly MeasuredRun[], withStore: boolean) => [
    label,
    range(rs.map((r) => r.eventsPerSecond), 0),
    range(rs.map((r) => r.cpuMicrosPerEvent)),
    range(rs.map((r) => r.peakRssMb), 0),
    range(rs.map((r) => r.brokerMicrosPerEvent)),
    withStore ? range(rs.map((r) => r.clickhouseMicrosPerEvent)) : '-',
    withStore ? range(rs.map(total)) : '-',
    `${range(rs.map((r) => r.gcYoungMs), 0)} / ${range(rs.map((r) => r.gcOldMs), 0)}`,
    range(rs.map((r) => (r.delivered === null ? null : r.delivered.messages / r.events)), 2),
  ];
  process.stdout.write(
    `\nRanges over ${bare.length} alternating rounds (the services are shared: their CPU includes others' work):\n` +
      `${table(headers, [side('bare kafkajs + JSON.parse', bare, false), ...groups.map((g) => side(g.label, g.runs, true))])}\n`,
  );
  for (const g of groups) {
    const ratios = g.runs.map((c, i) => {
      const b = bare[i];
      return b ? c.cpuMicrosPerEvent / b.cpuMicrosPerEvent : null;
    });
    const name = groups.length > 1 ? ` [${g.label}]` : '';
    process.stdout.write(`\ncustos / bare consumer, Node CPU per event, same round${name}: ${range(ratios, 2)}× (goal ≤ 3×)\n`);
    process.stdout.write(`custos total CPU per event (custos + ClickHouse + broker)${name}: ${range(g.runs.map(total))} µs (goal ≤ 25 µs)\n`);
  }
}

/**
 * Where each custos runner's Node CPU went in its own drain, from the stage counters the
 * monitor keeps (observability/stage-cpu.ts): measured in the run, over the whole drain and
 * after its warm-up, beside the CPU the process spent outside the stages.
 */
function printStagesInRun(groups: readonly { label: string; runs: readonly MeasuredRun[] }[]): void {
  type Part = { readonly cpuMicrosPerEvent: number; readonly stageMicrosPerEvent?: Readonly<Record<string, number>> };
  const stage = (p: Part, name: PipelineStage) => p.stageMicrosPerEvent?.[name] ?? 0;
  const outside = (p: Part) => p.cpuMicrosPerEvent - PIPELINE_STAGES.reduce((sum, name) => sum + stage(p, name), 0);
  for (const g of groups) {
    const whole: Part[] = g.runs.filter((r) => r.stageMicrosPerEvent !== undefined);
    if (whole.length === 0) continue;
    const warm: Part[] = g.runs.flatMap((r) => (r.warm?.stageMicrosPerEvent === undefined ? [] : [r.warm]));
    const column = (parts: readonly Part[], f: (p: Part) => number) => (parts.length === 0 ? 'n/a' : range(parts.map(f)));
    const rows = [
      ...PIPELINE_STAGES.map((name) => [name, column(whole, (p) => stage(p, name)), column(warm, (p) => stage(p, name))]),
      ['outside the stages (kafkajs fetching and decoding, HTTP, offset commits, timers, GC between stages)', column(whole, outside), column(warm, outside)],
      ['Node CPU of the process', column(whole, (p) => p.cpuMicrosPerEvent), column(warm, (p) => p.cpuMicrosPerEvent)],
    ];
    process.stdout.write(`\nNode CPU µs per event inside ${g.label}'s own runs, by stage (${whole.length} rounds):\n`);
    process.stdout.write(`${table(['stage', 'whole drain', 'after the warm-up'], rows)}\n`);
  }
}

/** The drains after their warm-up: events/s, Node CPU per event, GC, and custos's ratio to the bare consumer in the same round. */
function printWarm(results: readonly MeasuredRun[], warmupEvents: number): void {
  const warm = results.filter((r) => r.warm !== undefined);
  if (warm.length === 0) return;
  const labels = [...new Set(warm.map((r) => r.label))];
  const rows = labels.map((label) => {
    const ws = warm.filter((r) => r.label === label).map((r) => r.warm!);
    return [label, range(ws.map((w) => w.eventsPerSecond), 0), range(ws.map((w) => w.cpuMicrosPerEvent)), `${range(ws.map((w) => w.gcYoungMs), 0)} / ${range(ws.map((w) => w.gcOldMs), 0)}`];
  });
  process.stdout.write(
    `\nAfter the warm-up (each drain's first ${warmupEvents.toLocaleString('en-US')} events not counted; ranges over the rounds):\n` +
      `${table(['run', 'events/s', 'Node CPU µs/ev', 'GC young/old ms'], rows)}\n`,
  );
  const bare = results.filter((r) => r.label.startsWith('bare'));
  const groups = custosGroups(results);
  for (const g of groups) {
    const ratios = g.runs.map((c, i) => {
      const b = bare[i]?.warm;
      return b !== undefined && c.warm !== undefined ? c.warm.cpuMicrosPerEvent / b.cpuMicrosPerEvent : null;
    });
    process.stdout.write(`custos / bare consumer after the warm-up, same round${groups.length > 1 ? ` [${g.label}]` : ''}: ${range(ratios, 2)}× (goal ≤ 3×)\n`);
  }
}

