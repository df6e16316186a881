/**
 * Alert latency benchmark (`custos bench latency`, issue 13): the real
 * monitor in its own process (monitor-child.ts: the Monitor `custos run`
 * starts, storing into ClickHouse and delivering to a local webhook receiver
 * through the webhook destination) consumes a topic this process produces to
 * at a steady rate, while incidents the shipped policy rules alert on at once
 * are injected at known times (traffic.ts). For every incident it prints
 * produce → alert stored in ClickHouse and produce → webhook received, as
 * p50/p95/p99 and counts per round and over all rounds, beside the stages in
 * between: the broker's acknowledgement, a bare kafkajs consumer with the
 * monitor's fetch settings (bare-child.ts: what Kafka alone takes), and the
 * instant custos began storing the batch holding the incident (stored_at_ms).
 *
 * The rate is a share (default 50 %) of a capacity measured first in the
 * same run: the monitor drains a preloaded topic of the same background
 * traffic. Topic, consumer groups and database are unique to the run and
 * removed afterwards. Times, never asserted in a test.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { SETTINGS } from '../../../config/settings.js';
import { loadRuleSet } from '../../../runtime/engine/index.js';
import { TABLES, consoleDatabaseOf } from '../../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable, quoteString } from '../../../runtime/outputs/clickhouse/escape.js';
import { DEFAULT_FLUSH_DELAYS } from '../../../runtime/outputs/alerts/delivery-state-buffer.js';
import { FETCH_SETTINGS, PARTITIONS_CONSUMED_CONCURRENTLY } from '../../../runtime/source/kafka-source.js';
import { table } from '../../../util/text-table.js';
import { WebhookReceiver } from '../../demo/webhook-receiver.js';
import { createSimProducer, produceToKafka } from '../../sim/kafka.js';
import type { WireEvent } from '../../sim/wire.js';
import { ServiceCpu, pidListeningOn, portOf } from '../throughput/service-cpu.js';
import { evenlyPicked, memoryTrend, type MemoryTrend } from './memory-trend.js';
import type { BareToParent, BatchHistogram, MemorySample, MonitorMark, MonitorToParent } from './protocol.js';
import { incidentSchedule, messagesDue, productionEndMs, type IncidentSlot } from './schedule.js';
import { latencySummary, rangeText, type LatencySummary } from './summary.js';
import { BackgroundTraffic, INCIDENT_PREFIX, directoryCsv, incidentActor, incidentEvent, incidentKind } from './traffic.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

export interface LatencyOptions {
  readonly brokers: string;
  readonly clickhouseUrl: string;
  readonly clickhouseUsername: string;
  readonly clickhousePassword: string;
  /** Background events preloaded and drained to measure the capacity (0 with `rate`: no measurement). */
  readonly capacityEvents: number;
  /** Events/s to produce; default `loadPercent` of the measured capacity. */
  readonly rate?: number;
  readonly loadPercent: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly incidentsPerRound: number;
  readonly warmupSeconds: number;
  /** Background actors. */
  readonly actors: number;
  readonly partitions: number;
  /** How often ClickHouse is read for the incidents' alerts. */
  readonly pollMs: number;
  /** The producer sends what is due every lingerMs. */
  readonly lingerMs: number;
  /** After production stops, how long to wait for incidents not yet stored or delivered. */
  readonly drainSeconds: number;
  readonly rulesDir: string;
  readonly json?: string;
  readonly out?: (text: string) => void;
}

/** One incident's instants (Date.now() ms; null: never seen). */
export interface IncidentTimes {
  readonly index: number;
  readonly round: number;
  readonly kind: string;
  readonly producedAtMs: number | null;
  readonly ackedAtMs: number | null;
  readonly bareAtMs: number | null;
  readonly writeStartedAtMs: number | null;
  readonly storedSeenAtMs: number | null;
  readonly webhookAtMs: number | null;
}

export interface StageSummaries {
  readonly brokerAck: LatencySummary;
  readonly bareConsumer: LatencySummary;
  readonly custosWriteStarted: LatencySummary;
  readonly stored: LatencySummary;
  readonly webhook: LatencySummary;
}

export interface LatencyResult {
  readonly topic: string;
  readonly database: string;
  readonly capacity: { readonly events: number; readonly eventsPerSecond: number; readonly cpuMicrosPerEvent: number } | null;
  readonly rate: number;
  readonly producedEvents: number;
  readonly incidents: number;
  readonly perRound: readonly (StageSummaries & { readonly round: number })[];
  readonly all: StageSummaries;
  /** Alerts of actors other than the incidents' (background traffic that alerted; 0 expected). */
  readonly otherAlerts: number;
  readonly monitor: {
    readonly eventsPerSecond: number;
    readonly cpuMicrosPerEvent: number;
    readonly batches: number;
    readonly meanBatchMs: number;
    readonly meanEventsPerBatch: number;
    readonly batchMsQuantiles: { readonly p50: number | null; readonly p99: number | null };
    /** The store's writeBatch (a batch's inserts, in parallel) over the rounds, ms. */
    readonly storeWrite: LatencySummary;
    /** Event-loop delay over the rounds, ms. */
    readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
    /** Each table's insert over the rounds, ms (the store write is the slowest of them). */
    readonly insertMs: Readonly<Record<string, LatencySummary>>;
    /** The synchronous stages per batch over the rounds, ms: decode + enrich, evaluate, row serialisation. */
    readonly syncMs: { readonly prepare: LatencySummary; readonly evaluate: LatencySummary; readonly serialize: LatencySummary };
    /** Writes holding alerts: from the alerts insert done to the whole write done, ms (what the webhook waits for the other tables). */
    readonly alertsAheadMs: LatencySummary;
    /** Garbage collection over the rounds by kind: total and longest pause, ms. */
    readonly gc: Readonly<Record<string, { readonly count: number; readonly totalMs: number; readonly maxMs: number }>>;
    readonly backlogAtEnd: number;
    readonly rssMb: number;
    /** Memory at the start of every round and when production stopped. */
    readonly memory: readonly MemorySample[];
    readonly memoryTrend: MemoryTrend | null;
  };
  readonly services: { readonly brokerMicrosPerEvent: number | null; readonly clickhouseMicrosPerEvent: number | null; readonly benchMicrosPerEvent: number };
  /** The bare consumer's whole-life CPU per message it consumed (the baseline). */
  readonly bareMicrosPerEvent: number;
  /** The machine's 1-minute load average when production started and stopped (the services and the cores are shared). */
  readonly loadAverage: readonly [number, number];
  readonly incidentTimes: readonly IncidentTimes[];
}

const here = fileURLToPath(new URL('.', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const PSEUDONYM_KEY = 'custos-bench-latency-pseudonym-key-not-secret';
/** Messages per producer send (a catch-up after a stall stays well under the broker's 1 MiB batch limit). */
const MAX_SEND = 2000;

/** Waits for the first message of this type from a child (rejects if it fails, exits or the time runs out). */
function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type'], timeoutMs: number): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' from ${child.spawnfile} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const onMessage = (m: T & { message?: string }) => {
      if (m.type === type) done(null, m);
      else if (m.type === 'failed') done(new Error(`monitor failed: ${m.message ?? ''}`));
    };
    const onExit = (code: number | null) => done(new Error(`child exited (${code}) before '${type}'`));
    function done(err: Error | null, m?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolvePromise(m as T);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** The child's environment: ours without any CUSTOS_* (the monitor refuses names it does not know), plus its settings. */
function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CUSTOS_')) env[k] = v;
  return { ...env, ...settings };
}

function* backgroundEvents(traffic: BackgroundTraffic, n: number): Generator<WireEvent> {
  for (let i = 0; i < n; i++) yield traffic.next(Date.now());
}

const diff = (to: number | null, from: number | null): number => (to === null || from === null ? Number.NaN : to - from);

function stages(times: readonly IncidentTimes[]): StageSummaries {
  return {
    brokerAck: latencySummary(times.map((t) => diff(t.ackedAtMs, t.producedAtMs))),
    bareConsumer: latencySummary(times.map((t) => diff(t.bareAtMs, t.producedAtMs))),
    custosWriteStarted: latencySummary(times.map((t) => diff(t.writeStartedAtMs, t.producedAtMs))),
    stored: latencySummary(times.map((t) => diff(t.storedSeenAtMs, t.producedAtMs))),
    webhook: latencySummary(times.map((t) => diff(t.webhookAtMs, t.producedAtMs))),
  };
}

/** Batches of at most `le` seconds between two cumulative histograms → the q-quantile's bucket bound (ms). */
function histogramQuantileMs(before: BatchHistogram, after: BatchHistogram, q: number): number | null {
  const total = after.count - before.count;
  if (total <= 0) return null;
  const prior = new Map(before.buckets.map(([le, n]) => [le, n]));
  for (const [le, n] of after.buckets) {
    if (n - (prior.get(le) ?? 0) >= q * total) return le * 1000;
  }
  return null;
}

export async function runLatencyBenchmark(o: LatencyOptions): Promise<LatencyResult> {
  const out = o.out ?? ((text: string) => process.stdout.write(text));
  const rulesDir = resolve(o.rulesDir);
  const slots = incidentSchedule({ warmupMs: o.warmupSeconds * 1000, rounds: o.rounds, roundMs: o.roundSeconds * 1000, perRound: o.incidentsPerRound });
  // Each incident opens its own alert; past the alert-storm guard's count they would fold into one.
  const storm = loadRuleSet(rulesDir).settings.alert_storm;
  const perKind = Math.ceil(slots.length / 2);
  if (perKind > storm.actors) {
    throw new RangeError(`${slots.length} incidents put ${perKind} alerts on one rule, more than the alert-storm guard's ${storm.actors} (rules settings alert_storm): use fewer rounds or incidents per round`);
  }
  const stamp = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const topic = `custos-bench-latency-${stamp}`;
  const database = `custos_bench_latency_${stamp}`;
  const groupId = `custos-bench-latency-${stamp}`;
  const bareGroupId = `${groupId}-bare`;
  const brokers = o.brokers.split(',');
  const kafka = new Kafka({ clientId: 'custos-bench-latency', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const ch = createClient({ url: o.clickhouseUrl, username: o.clickhouseUsername, password: o.clickhousePassword, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 120_000 });
  const tmp = mkdtempSync(join(tmpdir(), 'custos-bench-latency-'));
  const receiver = new WebhookReceiver();
  let monitor: ChildProcess | null = null;
  let bare: ChildProcess | null = null;
  try {
    const directoryFile = join(tmp, 'actors.csv');
    writeFileSync(directoryFile, directoryCsv(o.actors, slots.length));
    const webhookUrl = await receiver.start();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: o.partitions }], waitForLeaders: true });
    const traffic = new BackgroundTraffic(o.actors, stamp);
    // The shipped default unless the caller set one (a user's monitor runs with it too).
    const insertFormat = process.env.CUSTOS_CLICKHOUSE_INSERT_FORMAT ?? String(SETTINGS['clickhouse.insert_format'].default);

    out(
      `custos bench latency: topic ${topic} (${o.partitions} partitions), database ${database}, ${o.actors.toLocaleString('en-US')} background actors\n` +
        `settings (custos's shipped defaults, not tuned for this run):\n` +
        `  consumer fetch: returns once 1 byte is there (kafkajs minBytes) or after maxWaitTimeInMs ${FETCH_SETTINGS.maxWaitTimeInMs}; maxBytes ${FETCH_SETTINGS.maxBytes / 1024 / 1024} MiB, ${FETCH_SETTINGS.maxBytesPerPartition / 1024 / 1024} MiB per partition; ${PARTITIONS_CONSUMED_CONCURRENTLY} partitions handled at once\n` +
        `  ClickHouse: one synchronous insert per table per batch (insert format ${insertFormat}); offsets commit after\n` +
        `  webhook: sent once the batch is stored; delivery-state rows flushed ${DEFAULT_FLUSH_DELAYS.finalMs} ms after a delivery\n` +
        `  this benchmark's producer: a send of what is due every ${o.lingerMs} ms (acks all, one request in flight); ClickHouse read for the alerts every ${o.pollMs} ms (stored figures are late by up to that)\n`,
    );

    if (o.capacityEvents > 0) {
      out(`preloading ${o.capacityEvents.toLocaleString('en-US')} background events to measure the capacity...\n`);
      await produceToKafka({ brokers, topic, events: backgroundEvents(traffic, o.capacityEvents), clientId: 'custos-bench-latency-preload' });
    }
    monitor = fork(join(here, 'monitor-child.js'), [String(o.capacityEvents)], {
      env: childEnv({
        CUSTOS_KAFKA_BROKERS: o.brokers,
        CUSTOS_KAFKA_TOPIC: topic,
        CUSTOS_KAFKA_GROUP_ID: groupId,
        CUSTOS_KAFKA_DEAD_LETTER_TOPIC: `${topic}.dead-letter`,
        CUSTOS_CLICKHOUSE_URL: o.clickhouseUrl,
        CUSTOS_CLICKHOUSE_USERNAME: o.clickhouseUsername,
        CUSTOS_CLICKHOUSE_PASSWORD: o.clickhousePassword,
        CUSTOS_CLICKHOUSE_DATABASE: database,
        CUSTOS_CLICKHOUSE_INSERT_FORMAT: insertFormat,
        CUSTOS_PSEUDONYM_KEY: PSEUDONYM_KEY,
        CUSTOS_RULES_DIR: rulesDir,
        CUSTOS_DIRECTORY_FILE: directoryFile,
        CUSTOS_ZONES_FILE: join(rulesDir, 'enrichment', 'zones.yaml'),
        CUSTOS_FIELDS_FILE: join(rulesDir, 'enrichment', 'fields.yaml'),
        CUSTOS_CALENDAR_FILE: join(rulesDir, 'enrichment', 'calendar.yaml'),
        CUSTOS_WEBHOOK_URLS: webhookUrl,
        CUSTOS_METRICS_PORT: '0',
        CUSTOS_LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const monitorChild = monitor;
    await nextMessage<MonitorToParent>(monitorChild, 'started', 300_000);
    let capacity: LatencyResult['capacity'] = null;
    if (o.capacityEvents > 0) {
      const c = await nextMessage<Extract<MonitorToParent, { type: 'capacity' }>>(monitorChild, 'capacity', 600_000);
      capacity = { events: c.events, eventsPerSecond: c.events / c.seconds, cpuMicrosPerEvent: c.cpuMicros / c.events };
      out(`capacity: the monitor drained ${c.events.toLocaleString('en-US')} preloaded events at ${Math.round(capacity.eventsPerSecond).toLocaleString('en-US')} events/s (Node CPU ${capacity.cpuMicrosPerEvent.toFixed(1)} µs/event)\n`);
    }
    const rate = o.rate ?? (capacity ? (capacity.eventsPerSecond * o.loadPercent) / 100 : Number.NaN);
    if (!(rate > 0)) throw new RangeError('no rate: give --rate or measure the capacity (--capacity-events > 0)');
    out(
      `rate: ${Math.round(rate).toLocaleString('en-US')} events/s${o.rate === undefined ? ` (${o.loadPercent} % of the capacity)` : ''}; ` +
        `${o.warmupSeconds} s warm-up, then ${o.rounds} rounds of ${o.roundSeconds} s with ${o.incidentsPerRound} incidents each\n`,
    );

    // The baseline: what Kafka alone takes to hand an incident's message to a consumer with the same fetch settings.
    bare = fork(join(here, 'bare-child.js'), [o.brokers, topic, bareGroupId, INCIDENT_PREFIX], { env: childEnv({}), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const bareChild = bare;
    const bareSeen = new Map<string, number>();
    bareChild.on('message', (m: BareToParent) => {
      if (m.type === 'seen') for (const k of m.keys) if (!bareSeen.has(k)) bareSeen.set(k, m.atMs);
    });
    await nextMessage<BareToParent>(bareChild, 'ready', 120_000);

    const marks: MonitorMark[] = [];
    const requestMark = (): Promise<MonitorMark> => {
      const p = nextMessage<Extract<MonitorToParent, { type: 'mark' }>>(monitorChild, 'mark', 60_000).then((m) => m.mark);
      monitorChild.send({ type: 'mark' });
      return p;
    };
    // Memory samples, one request at a time (a reply is matched by its type alone).
    const memory: MemorySample[] = [];
    let sampling: Promise<void> = Promise.resolve();
    const sampleMemory = (): void => {
      sampling = sampling.then(async () => {
        const p = nextMessage<Extract<MonitorToParent, { type: 'memory' }>>(monitorChild, 'memory', 60_000);
        monitorChild.send({ type: 'memory' });
        memory.push((await p).sample);
      });
    };

    // Alerts as ClickHouse holds them, read every pollMs: the first poll that sees an incident's alert.
    const storedSeen = new Map<string, { atMs: number; writeStartedAtMs: number }>();
    let polling = true;
    const alertsTable = qualifiedTable(database, TABLES.alerts);
    const poller = (async () => {
      while (polling) {
        const at = Date.now();
        try {
          const rs = await ch.query({
            query: `SELECT actor_id, min(stored_at_ms) AS s FROM ${alertsTable} WHERE actor_id LIKE ${quoteString(`${INCIDENT_PREFIX}%`)} GROUP BY actor_id`,
            format: 'JSONEachRow',
          });
          for (const r of await rs.json<{ actor_id: string; s: string | number }>()) {
            if (!storedSeen.has(r.actor_id)) storedSeen.set(r.actor_id, { atMs: at, writeStartedAtMs: Number(r.s) });
          }
        } catch {
          // A failed read is retried at the next poll.
        }
        await sleep(Math.max(1, o.pollMs - (Date.now() - at)));
      }
    })();

    const services = new ServiceCpu({ broker: pidListeningOn(portOf(brokers[0] ?? '', 9092)), clickhouse: pidListeningOn(portOf(o.clickhouseUrl, 8123)) });
    const producer = createSimProducer(brokers, 'custos-bench-latency');
    await producer.connect();
    const produced = new Map<number, { at: number; acked: number | null }>();
    const sched = { warmupMs: o.warmupSeconds * 1000, rounds: o.rounds, roundMs: o.roundSeconds * 1000, perRound: o.incidentsPerRound };
    const endMs = productionEndMs(sched);
    let sent = 0;
    let next = 0;
    let startMark: Promise<MonitorMark> | null = null;
    let startServices: Record<string, number | null> = {};
    let startBenchCpu = 0;
    let startSent = 0;
    let nextMemorySampleAt = sched.warmupMs;
    const loadAtStart = loadavg()[0] ?? Number.NaN;
    out(`producing...\n`);
    const t0 = performance.now();
    for (;;) {
      const tick = performance.now();
      const elapsed = tick - t0;
      if (elapsed >= endMs) break;
      if (startMark === null && elapsed >= sched.warmupMs) {
        // The measured span: from the first round on.
        startMark = requestMark();
        startServices = services.sample();
        const u = process.cpuUsage();
        startBenchCpu = u.user + u.system;
        startSent = sent;
      }
      if (elapsed >= nextMemorySampleAt) {
        sampleMemory();
        nextMemorySampleAt += sched.roundMs;
      }
      const messages: Message[] = [];
      const now = Date.now();
      const incidentsNow: IncidentSlot[] = [];
      while (next < slots.length && (slots[next] as IncidentSlot).atMs <= elapsed) {
        const slot = slots[next++] as IncidentSlot;
        const e = incidentEvent(slot.index, now, stamp);
        messages.push({ key: e.actor_id, value: JSON.stringify(e) });
        incidentsNow.push(slot);
      }
      const due = Math.min(MAX_SEND, messagesDue(rate, elapsed) - sent);
      for (let i = 0; i < due; i++) {
        const e = traffic.next(now);
        messages.push({ key: e.actor_id, value: JSON.stringify(e) });
      }
      if (messages.length > 0) {
        const at = Date.now();
        for (const s of incidentsNow) produced.set(s.index, { at, acked: null });
        await producer.send({ topic, acks: -1, messages });
        const acked = Date.now();
        for (const s of incidentsNow) (produced.get(s.index) as { acked: number | null }).acked = acked;
        sent += due;
      }
      const wait = o.lingerMs - (performance.now() - tick);
      if (wait > 0) await sleep(wait);
    }
    const endMark = requestMark();
    sampleMemory();
    const loadAtEnd = loadavg()[0] ?? Number.NaN;
    const endServices = services.sample();
    const u = process.cpuUsage();
    const benchCpu = u.user + u.system - startBenchCpu;
    const measuredSent = sent - startSent;
    await producer.disconnect();
    marks.push(await (startMark ?? requestMark()), await endMark);
    await sampling;
    out(`produced ${(sent + o.capacityEvents).toLocaleString('en-US')} events (${sent.toLocaleString('en-US')} at the steady rate) and ${produced.size} incidents; waiting for the last alerts...\n`);

    // Incidents not yet stored or delivered get drainSeconds more.
    const complete = () =>
      slots.every((s) => {
        const actor = incidentActor(s.index);
        return storedSeen.has(actor) && bareSeen.has(actor) && receiver.received.some((w) => w.body.data.actor_id === actor);
      });
    const drainDeadline = Date.now() + o.drainSeconds * 1000;
    while (!complete() && Date.now() < drainDeadline) await sleep(50);
    polling = false;
    await poller;

    const webhookAt = new Map<string, number>();
    for (const w of receiver.received) {
      const actor = String(w.body.data.actor_id ?? '');
      if (actor.startsWith(INCIDENT_PREFIX) && !webhookAt.has(actor)) webhookAt.set(actor, w.receivedAtMs);
    }
    const incidentTimes: IncidentTimes[] = slots.map((s) => {
      const actor = incidentActor(s.index);
      const p = produced.get(s.index);
      const stored = storedSeen.get(actor);
      return {
        index: s.index,
        round: s.round,
        kind: incidentKind(s.index),
        producedAtMs: p?.at ?? null,
        ackedAtMs: p?.acked ?? null,
        bareAtMs: bareSeen.get(actor) ?? null,
        writeStartedAtMs: stored?.writeStartedAtMs ?? null,
        storedSeenAtMs: stored?.atMs ?? null,
        webhookAtMs: webhookAt.get(actor) ?? null,
      };
    });
    const otherRows = await (
      await ch.query({ query: `SELECT uniqExact(alert_id) AS n FROM ${alertsTable} WHERE actor_id NOT LIKE ${quoteString(`${INCIDENT_PREFIX}%`)}`, format: 'JSONEachRow' })
    ).json<{ n: string | number }>();
    const otherAlerts = Number(otherRows[0]?.n ?? 0);

    const stopped = nextMessage<MonitorToParent>(monitorChild, 'stopped', 120_000);
    monitorChild.send({ type: 'stop' });
    await stopped;
    const bareStopped = nextMessage<Extract<BareToParent, { type: 'stopped' }>>(bareChild, 'stopped', 60_000);
    bareChild.send({ type: 'stop' });
    const bareEnd = await bareStopped;

    const [m0, m1] = marks as [MonitorMark, MonitorMark];
    const consumedSpan = m1.consumed - m0.consumed;
    const spanS = (m1.atMs - m0.atMs) / 1000;
    const batchCount = m1.batches.count - m0.batches.count;
    const used = ServiceCpu.since(startServices, endServices);
    const perEvent = (us: number | null | undefined) => (us === null || us === undefined || measuredSent <= 0 ? null : us / measuredSent);
    const result: LatencyResult = {
      topic,
      database,
      capacity,
      rate,
      producedEvents: sent + o.capacityEvents + produced.size,
      incidents: produced.size,
      perRound: Array.from({ length: o.rounds }, (_, r) => ({ round: r + 1, ...stages(incidentTimes.filter((t) => t.round === r + 1)) })),
      all: stages(incidentTimes),
      otherAlerts,
      monitor: {
        eventsPerSecond: consumedSpan / spanS,
        cpuMicrosPerEvent: consumedSpan > 0 ? (m1.cpuMicros - m0.cpuMicros) / consumedSpan : Number.NaN,
        batches: batchCount,
        meanBatchMs: batchCount > 0 ? ((m1.batches.sumSeconds - m0.batches.sumSeconds) * 1000) / batchCount : Number.NaN,
        meanEventsPerBatch: batchCount > 0 ? consumedSpan / batchCount : Number.NaN,
        batchMsQuantiles: { p50: histogramQuantileMs(m0.batches, m1.batches, 0.5), p99: histogramQuantileMs(m0.batches, m1.batches, 0.99) },
        storeWrite: latencySummary(m1.writeMs),
        loopDelayMs: m1.loopDelayMs,
        insertMs: Object.fromEntries(Object.entries(m1.insertMs).map(([t, xs]) => [t, latencySummary(xs)])),
        syncMs: { prepare: latencySummary(m1.syncMs.prepare), evaluate: latencySummary(m1.syncMs.evaluate), serialize: latencySummary(m1.syncMs.serialize) },
        alertsAheadMs: latencySummary(m1.alertsAheadMs),
        gc: Object.fromEntries(Object.entries(m1.gcMs).map(([k, xs]) => [k, { count: xs.length, totalMs: xs.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...xs) }])),
        backlogAtEnd: o.capacityEvents + sent + produced.size - m1.consumed,
        rssMb: m1.rssMb,
        memory,
        memoryTrend: memoryTrend(memory),
      },
      services: { brokerMicrosPerEvent: perEvent(used.broker), clickhouseMicrosPerEvent: perEvent(used.clickhouse), benchMicrosPerEvent: measuredSent > 0 ? benchCpu / measuredSent : Number.NaN },
      bareMicrosPerEvent: bareEnd.consumed > 0 ? bareEnd.cpuMicros / bareEnd.consumed : Number.NaN,
      loadAverage: [loadAtStart, loadAtEnd],
      incidentTimes,
    };
    out(report(result, o));
    if (o.json) writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    monitor?.kill('SIGKILL');
    bare?.kill('SIGKILL');
    await receiver.stop().catch(() => undefined);
    await dropAll(ch, database);
    await ch.close();
    await admin.connect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, `${topic}.dead-letter`] }).catch(() => undefined);
    await admin.deleteGroups([groupId, bareGroupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function dropAll(ch: ClickHouseClient, database: string): Promise<void> {
  // The monitor's database and its console database (<db>_console). Retried, with a long timeout:
  // right after a burst of inserts a drop can take a while on a loaded machine.
  for (const db of [database, consoleDatabaseOf(database)]) {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await dropSchema(ch, db);
        break;
      } catch (err) {
        if (attempt === 3) process.stderr.write(`could not drop the benchmark database ${db}: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}

const ms = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(0));
const triple = (s: LatencySummary): string => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
const cells = (s: LatencySummary): string[] => [String(s.count), ms(s.p50), ms(s.p95), ms(s.p99)];

function report(r: LatencyResult, o: LatencyOptions): string {
  const lines: string[] = [];
  const roundRows = r.perRound.map((p) => [String(p.round), ...cells(p.stored), ...cells(p.webhook), `${ms(p.bareConsumer.p50)} / ${ms(p.bareConsumer.p99)}`]);
  lines.push(
    `\nPer round, ms from produce (${o.incidentsPerRound} incidents each):`,
    table(['round', 'stored n', 'p50', 'p95', 'p99', 'webhook n', 'p50', 'p95', 'p99', 'Kafka alone p50 / p99'], roundRows),
    `\nEvery stage, all ${r.incidents} incidents (ms from produce):`,
    table(
      ['stage', 'n', 'p50', 'p95', 'p99', 'max'],
      (
        [
          ['broker acknowledged the send', r.all.brokerAck],
          ['bare kafkajs consumer had it (Kafka alone)', r.all.bareConsumer],
          ['custos began storing its batch (stored_at_ms)', r.all.custosWriteStarted],
          ['alert stored in ClickHouse (seen by a poll)', r.all.stored],
          ['webhook received', r.all.webhook],
        ] as const
      ).map(([label, s]) => [label, ...cells(s), ms(s.max)]),
    ),
    `\nRanges over ${r.perRound.length} rounds: stored p99 ${rangeText(r.perRound.map((p) => p.stored.p99))} ms, webhook p99 ${rangeText(r.perRound.map((p) => p.webhook.p99))} ms, ` +
      `webhook p50 ${rangeText(r.perRound.map((p) => p.webhook.p50))} ms`,
    `produce → webhook received, p99 over all rounds: ${ms(r.all.webhook.p99)} ms (goal ≤ 1000 ms at 50 % load); produce → alert stored p99: ${ms(r.all.stored.p99)} ms`,
    `\nThe monitor over the rounds: ${Math.round(r.monitor.eventsPerSecond).toLocaleString('en-US')} events/s consumed, Node CPU ${r.monitor.cpuMicrosPerEvent.toFixed(1)} µs/event, ` +
      `RSS ${r.monitor.rssMb.toFixed(0)} MB; ${r.monitor.batches.toLocaleString('en-US')} batches of ${r.monitor.meanEventsPerBatch.toFixed(0)} events on average, ` +
      `received → stored ${r.monitor.meanBatchMs.toFixed(0)} ms mean (histogram p50 ≤ ${ms(r.monitor.batchMsQuantiles.p50)} ms, p99 ≤ ${ms(r.monitor.batchMsQuantiles.p99)} ms); ` +
      `${r.monitor.backlogAtEnd.toLocaleString('en-US')} events not yet consumed when production stopped`,
    `  its store writes (a batch's inserts, in parallel): ${r.monitor.storeWrite.count} writes, p50 ${ms(r.monitor.storeWrite.p50)} ms, p95 ${ms(r.monitor.storeWrite.p95)} ms, p99 ${ms(r.monitor.storeWrite.p99)} ms; ` +
      `its event-loop delay p50 ${r.monitor.loopDelayMs.p50.toFixed(0)} ms, p99 ${r.monitor.loopDelayMs.p99.toFixed(0)} ms, max ${r.monitor.loopDelayMs.max.toFixed(0)} ms`,
    `  each table's insert (ms, p50 / p99 / max): ${Object.entries(r.monitor.insertMs).map(([t, s]) => `${t} ${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`).join('; ')}`,
    `  writes holding alerts: the other tables' inserts finished ${triple(r.monitor.alertsAheadMs)} ms (p50 / p99 / max) after the alerts insert (the webhook waits for all of them)`,
    `  synchronous stages per batch (ms, p50 / p99 / max): decode + enrich ${triple(r.monitor.syncMs.prepare)}; evaluate ${triple(r.monitor.syncMs.evaluate)}; row serialisation ${triple(r.monitor.syncMs.serialize)}`,
    `  garbage collection over the rounds: ${Object.entries(r.monitor.gc).map(([k, g]) => `${k} ${g.count} pauses, ${g.totalMs.toFixed(0)} ms in all, longest ${g.maxMs.toFixed(0)} ms`).join('; ') || 'none'}`,
    ...memoryLines(r.monitor.memory, r.monitor.memoryTrend),
    `CPU per produced event over the rounds: broker ${r.services.brokerMicrosPerEvent?.toFixed(1) ?? 'n/a'} µs, ClickHouse ${r.services.clickhouseMicrosPerEvent?.toFixed(1) ?? 'n/a'} µs, ` +
      `this process (producer, receiver, polls) ${r.services.benchMicrosPerEvent.toFixed(1)} µs; the bare consumer ${r.bareMicrosPerEvent.toFixed(1)} µs per message (shared services: others' work counts too)`,
    `machine load average (1 min, ${cpus().length} cores) when production started / stopped: ${r.loadAverage.map((l) => l.toFixed(1)).join(' / ')}`,
    `alerts of other actors (background traffic; 0 expected): ${r.otherAlerts}`,
    '',
  );
  return lines.join('\n');
}

/** The monitor's memory over the run: a table of (at most 16 of) the samples, then the trend. */
function memoryLines(samples: readonly MemorySample[], trend: MemoryTrend | null): string[] {
  if (trend === null) return [];
  const slope = (x: number | null) => (x === null ? 'n/a (fewer than 3 samples)' : `${x >= 0 ? '+' : ''}${x.toFixed(2)} MB/min`);
  return [
    `\nThe monitor's memory at the start of each round and when production stopped (RSS; V8 heap in use, garbage included; the engine's estimate of its window state):`,
    table(
      ['minute', 'consumed', 'RSS MB', 'heap used MB', 'window state MB'],
      evenlyPicked(samples, 16).map((x) => [
        ((x.atMs - trend.first.atMs) / 60_000).toFixed(1),
        x.consumed.toLocaleString('en-US'),
        x.rssMb.toFixed(0),
        x.heapUsedMb.toFixed(0),
        x.engineStateMb.toFixed(1),
      ]),
    ),
    `RSS ${trend.first.rssMb.toFixed(0)} → ${trend.last.rssMb.toFixed(0)} MB over ${trend.minutes.toFixed(1)} min (peak ${trend.peakRssMb.toFixed(0)}); ` +
      `over the last third of the run RSS ${slope(trend.lastThirdRssMbPerMinute)}, window state ${slope(trend.lastThirdStateMbPerMinute)} (a fitted line)`,
  ];
}

