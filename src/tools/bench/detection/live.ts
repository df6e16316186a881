/**
 * One detection-quality run through the live pipeline: the simulator feeds a
 * fresh Kafka topic, the monitor (the same composition root as `custos run`)
 * consumes it on the wall clock and stores into a fresh ClickHouse database,
 * and the alert revisions read back from ClickHouse are scored exactly like
 * the in-process run (src/tools/bench/detection/run.ts). Differences between the two
 * are what Kafka partitioning, batching and processing time change.
 *
 * What is read back: every notifying revision (alert_notifications keeps them
 * all) plus whatever revisions `alerts` still holds (its replacing merges may
 * already have folded older non-notifying ones away, so the merge counts can
 * come out lower than in process; recall, precision and time to detect do not
 * depend on them). An update's time is its latest event's `ts`, which is what
 * the virtual clock reads when the in-process engine emits it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel } from 'kafkajs';
import { Monitor } from '../../../runtime/app/monitor.js';
import { loadConfig } from '../../../config/load.js';
import { createLogger } from '../../../observability/log.js';
import { Metrics } from '../../../observability/metrics.js';
import { produceToKafka } from '../../sim/kafka.js';
import { createSimulation } from '../../sim/simulator.js';
import { TABLES } from '../../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable } from '../../../runtime/outputs/clickhouse/escape.js';
import type { DetectionRunOptions, DetectionRunResult } from './run.js';
import type { ObservedUpdate } from './scoring.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

export interface LiveEndpoints {
  readonly brokers: string;
  readonly clickhouseUrl: string;
  readonly clickhouseUsername: string;
  readonly clickhousePassword: string;
  /** Keep the topic and database afterwards (to query them). */
  readonly keep?: boolean;
  /** Give up when the monitor has consumed nothing new for this long (default 120 s). */
  readonly stallMs?: number;
}

const PSEUDONYM_KEY = 'custos-bench-detection-live-pseudonym-key-01';

interface AlertRevisionRow {
  alert_id: string;
  revision: number | string;
  rule_id: string;
  actor_id: string;
  notify: number | string;
  tier: number | string;
  severity: string;
  window_label: string;
  first_event_ts_ms: number | string;
  last_event_ts_ms: number | string;
  summary: string;
  status: string;
}

export async function runDetectionLive(opts: DetectionRunOptions, live: LiveEndpoints): Promise<DetectionRunResult> {
  const t0 = performance.now();
  const rulesDir = resolve(opts.rulesDir ?? 'rules');
  const enrichmentDir = resolve(opts.enrichmentDir ?? join(rulesDir, 'enrichment'));
  const sim = createSimulation(opts);
  // Names valid for Kafka and ClickHouse whatever the seed (a negative seed has a '-').
  const stamp = `${sim.config.seed < 0 ? 'm' : ''}${Math.abs(sim.config.seed)}_${Date.now().toString(36)}`;
  const topic = `custos-bench-live-${stamp}`;
  const groupId = `custos-bench-live-${stamp}`;
  const database = `custos_bench_live_${stamp}`;
  const tmp = mkdtempSync(join(tmpdir(), 'custos-bench-live-'));
  const directoryFile = join(tmp, 'actors.csv');
  writeFileSync(directoryFile, sim.directoryCsv);

  const kafka = new Kafka({ clientId: 'custos-bench-live', brokers: live.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const ch = createClient({ url: live.clickhouseUrl, username: live.clickhouseUsername, password: live.clickhousePassword, log: { level: ClickHouseLogLevel.OFF } });
  let monitor: Monitor | null = null;
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const stream = sim.stream();
    const produced = await produceToKafka({ brokers: live.brokers.split(','), topic, events: stream });

    const metrics = new Metrics(false);
    const config = loadConfig({
      env: {
        CUSTOS_KAFKA_BROKERS: live.brokers,
        CUSTOS_KAFKA_TOPIC: topic,
        CUSTOS_KAFKA_GROUP_ID: groupId,
        CUSTOS_KAFKA_DEAD_LETTER_TOPIC: `${topic}.dead-letter`,
        CUSTOS_CLICKHOUSE_URL: live.clickhouseUrl,
        CUSTOS_CLICKHOUSE_USERNAME: live.clickhouseUsername,
        CUSTOS_CLICKHOUSE_PASSWORD: live.clickhousePassword,
        CUSTOS_CLICKHOUSE_DATABASE: database,
        CUSTOS_PSEUDONYM_KEY: PSEUDONYM_KEY,
        CUSTOS_RULES_DIR: rulesDir,
        CUSTOS_DIRECTORY_FILE: directoryFile,
        CUSTOS_ZONES_FILE: join(enrichmentDir, 'zones.yaml'),
        CUSTOS_FIELDS_FILE: join(enrichmentDir, 'fields.yaml'),
        CUSTOS_CALENDAR_FILE: join(enrichmentDir, 'calendar.yaml'),
        CUSTOS_METRICS_PORT: '0',
      },
    });
    const consumeStart = performance.now();
    monitor = await Monitor.start({ config, logger: createLogger('error'), metrics });
    // A monitor that dies (fatal consumer error) ends the wait at once, with its error.
    await Promise.race([waitConsumed(metrics, produced.sent, live.stallMs ?? 120_000, opts.onProgress), monitor.finished]);
    const pipelineMs = performance.now() - consumeStart;
    const engineStats = monitor.engine.stats();
    await monitor.stop();
    // Rejects if the last tick could not be stored: the figures would be incomplete.
    await monitor.finished;
    monitor = null;

    const updates = await readUpdates(ch, database);
    const rejected = await count(ch, database, TABLES.rejectedEvents);
    return {
      seed: sim.config.seed,
      labels: stream.labels(),
      updates,
      events: produced.sent,
      rejected,
      rejectionSample: [],
      activityRows: await count(ch, database, TABLES.actorActivity),
      totalMs: performance.now() - t0,
      pipelineMs,
      pipelineLabel: 'consumed from Kafka and stored in ClickHouse',
      engineStats,
      actors: new Map(sim.actors.map((a) => [a.actor_id, { role: a.role, status: a.employment_status }])),
    };
  } finally {
    await monitor?.stop();
    if (!live.keep) {
      await dropSchema(ch, database).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic, `${topic}.dead-letter`] }).catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    await admin.disconnect().catch(() => undefined);
    await ch.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Until every produced message is handled (stored or dead-lettered); fails after `stallMs` without progress. */
async function waitConsumed(metrics: Metrics, total: number, stallMs: number, onProgress?: (n: number) => void): Promise<void> {
  let handled = 0;
  let lastProgress = performance.now();
  while (handled < total) {
    await new Promise((r) => setTimeout(r, 250));
    const now = (await metrics.messagesConsumed.get()).values[0]?.value ?? 0;
    if (now > handled) {
      handled = now;
      lastProgress = performance.now();
      onProgress?.(handled);
    } else if (performance.now() - lastProgress > stallMs) {
      throw new Error(`the monitor handled ${handled} of ${total} messages and made no progress for ${Math.round(stallMs / 1000)} s`);
    }
  }
}

async function readUpdates(ch: ClickHouseClient, database: string): Promise<ObservedUpdate[]> {
  const columns = 'alert_id, revision, rule_id, actor_id, notify, tier, severity, window_label, first_event_ts_ms, last_event_ts_ms, summary, status';
  const result = await ch.query({
    query:
      `SELECT ${columns} FROM ${qualifiedTable(database, TABLES.alerts)}\n` +
      `UNION ALL SELECT ${columns} FROM ${qualifiedTable(database, TABLES.alertNotifications)}`,
    format: 'JSONEachRow',
  });
  const byRevision = new Map<string, ObservedUpdate>();
  for (const r of await result.json<AlertRevisionRow>()) {
    byRevision.set(`${r.alert_id}/${r.revision}`, {
      alert_id: r.alert_id,
      rule_id: r.rule_id,
      actor_id: r.actor_id,
      notify: Number(r.notify) === 1,
      revision: Number(r.revision),
      tier: Number(r.tier),
      severity: r.severity,
      window_label: r.window_label,
      at: Number(r.last_event_ts_ms),
      first_event_ts: Number(r.first_event_ts_ms),
      summary: r.summary,
      ...(r.status === 'closed' ? { status: 'closed' as const } : { status: 'open' as const }),
    });
  }
  // Scoring reads each alert's updates in emission order.
  return [...byRevision.values()].sort((a, b) => a.at - b.at || a.revision - b.revision);
}

async function count(ch: ClickHouseClient, database: string, table: string): Promise<number> {
  const result = await ch.query({ query: `SELECT count() AS n FROM ${qualifiedTable(database, table)}`, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string | number }>();
  return Number(row?.n ?? 0);
}
