/**
 * `custos demo`: the main job, end to end, on this machine's real Kafka and
 * ClickHouse. A small simulated shop (two weeks of benign reads plus one
 * injected bulk export by a role that may not export) is produced to Kafka;
 * custos consumes it, stores it in ClickHouse and posts the alert to a local
 * webhook receiver, which verifies the signature; then the alert and the
 * queries an analyst would run are shown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Kafka, logLevel } from 'kafkajs';
import { Monitor } from '../../runtime/app/monitor.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../observability/log.js';
import { Metrics } from '../../observability/metrics.js';
import { createSimulation } from '../sim/simulator.js';
import { produceToKafka } from '../sim/kafka.js';
import type { WireEvent } from '../sim/wire.js';
import { printQuery, section } from './print.js';
import { WebhookReceiver, type ReceivedWebhook } from './webhook-receiver.js';
import { startDemoConsole, type DemoLogin } from './demo-console.js';
import { dropSchema } from '../../runtime/outputs/clickhouse/ensure-schema.js';

export interface DemoOptions {
  readonly brokers: string;
  readonly clickhouseUrl: string;
  readonly clickhouseUsername: string;
  readonly clickhousePassword: string;
  readonly seed: number;
  readonly workDir: string;
  /** End after the queries instead of leaving the console running (scripts, CI). */
  readonly noConsole?: boolean;
  readonly consolePort?: number;
}

const DATABASE = 'custos_demo';

export async function runDemo(o: DemoOptions): Promise<number> {
  const started = Date.now();
  const stamp = started.toString(36);
  const topic = `custos-demo-${stamp}`;
  mkdirSync(o.workDir, { recursive: true });

  section('1. A simulated shop');
  // 17 days: 14 of benign history (baselines), then the evaluation days with the incident.
  // Two incidents: a policy alert (the export) and a rate alert against the actor's own baseline (the console's chart).
  const sim = createSimulation({ seed: o.seed, actors: 60, days: 17, historyDays: 14, incidents: [{ type: 'bulk_export_forbidden_role' }, { type: 'burst_over_baseline' }], lookalikes: false });
  const directoryFile = join(o.workDir, 'actors.csv');
  writeFileSync(directoryFile, sim.directoryCsv);
  const stream = sim.stream();
  const events: WireEvent[] = [...stream];
  const incident = stream.labels().incidents[0];
  console.log(`${sim.actors.length} actors (directory: ${directoryFile}), ${events.length.toLocaleString('en-US')} events over ${sim.config.days} days`);
  for (const i of stream.labels().incidents) console.log(`injected: ${i.type} by ${i.actor_id} (${i.actor_role}) at ${new Date(i.start_ms).toISOString()}`);

  section('2. Kafka');
  const kafka = new Kafka({ clientId: 'custos-demo', brokers: o.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const produced = await produceToKafka({ brokers: o.brokers.split(','), topic, events });
  console.log(`produced ${produced.sent.toLocaleString('en-US')} events to topic ${topic} in ${(produced.elapsedMs / 1000).toFixed(1)} s`);

  section('3. custos');
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const receiver = new WebhookReceiver(secret);
  const webhookUrl = await receiver.start();
  const ch = createClient({ url: o.clickhouseUrl, username: o.clickhouseUsername, password: o.clickhousePassword, log: { level: ClickHouseLogLevel.OFF } });
  await dropSchema(ch, DATABASE);
  const pseudonymKey = randomBytes(32).toString('hex');
  const config = loadConfig({
    env: {
      CUSTOS_KAFKA_BROKERS: o.brokers,
      CUSTOS_KAFKA_TOPIC: topic,
      CUSTOS_KAFKA_GROUP_ID: `custos-demo-${stamp}`,
      CUSTOS_KAFKA_DEAD_LETTER_TOPIC: `${topic}.dead-letter`,
      CUSTOS_CLICKHOUSE_URL: o.clickhouseUrl,
      CUSTOS_CLICKHOUSE_USERNAME: o.clickhouseUsername,
      CUSTOS_CLICKHOUSE_PASSWORD: o.clickhousePassword,
      CUSTOS_CLICKHOUSE_DATABASE: DATABASE,
      CUSTOS_PSEUDONYM_KEY: pseudonymKey,
      CUSTOS_DIRECTORY_FILE: directoryFile,
      CUSTOS_WEBHOOK_URLS: webhookUrl,
      CUSTOS_WEBHOOK_SECRET: secret,
      CUSTOS_METRICS_PORT: '0',
    },
  });
  const metrics = new Metrics(false);
  const monitor = await Monitor.start({ config, logger: createLogger('warn'), metrics });
  console.log(`consuming ${topic}; storing to ClickHouse database ${DATABASE}; webhooks to ${webhookUrl}`);
  let handled = 0;
  while (handled < events.length) {
    await new Promise((r) => setTimeout(r, 250));
    handled = (await metrics.messagesConsumed.get()).values[0]?.value ?? 0;
  }
  console.log(`processed ${handled.toLocaleString('en-US')} events`);
  const isIncidentAlert = (w: ReceivedWebhook) => incident !== undefined && w.body.data.actor_id === incident.actor_id;
  await receiver.waitFor((r) => r.some(isIncidentAlert), 60_000);

  section('4. The alert, as the webhook receiver got it');
  // The incident usually fires several rules; show the most severe opening message.
  const rank = (w: ReceivedWebhook) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(String(w.body.data.severity)) * 2 + (w.body.type.endsWith('opened') ? 1 : 0);
  const hook = receiver.received.filter(isIncidentAlert).sort((a, b) => rank(b) - rank(a))[0];
  if (hook) {
    const a = hook.body.data;
    console.log(`webhook-id: ${hook.id}   signature: ${hook.signatureValid ? 'valid (Standard Webhooks, HMAC-SHA256)' : 'INVALID'}`);
    console.log(`type: ${hook.body.type}`);
    console.log(`${String(a.severity).toUpperCase()}  ${String(a.rule_id)} (v${String(a.rule_version)})`);
    console.log(`summary: ${String(a.summary)}`);
    console.log(`actor: ${String(a.actor_id)} (${String(a.actor_role)}, ${String(a.employment_status)})  observed: ${String(a.observed)}  baseline: ${String(a.baseline)} (${String(a.baseline_source)})`);
    console.log(`events: ${(a.event_ids as string[]).slice(0, 5).join(', ')}`);
  }
  console.log(`\n${receiver.received.length} webhook message(s) received in all.`);

  section('5. What an analyst runs in ClickHouse');
  await printQuery(ch, 'Open alerts, latest revision (deduplicated view):', `SELECT severity, rule_id, actor_id, observed, substring(summary, 1, 100) AS summary FROM ${DATABASE}.alerts_latest ORDER BY first_event_ts DESC LIMIT 10`);
  if (incident) {
    await printQuery(
      ch,
      `Who read the most customer records on the incident day (deduplicated events):`,
      `SELECT actor_id, actor_role, sum(record_count) AS records, count() AS events, groupUniqArray(action) AS actions
       FROM ${DATABASE}.access_events_dedup WHERE toDate(ts) = toDate(${Math.floor(incident.start_ms / 1000)})
       GROUP BY actor_id, actor_role ORDER BY records DESC LIMIT 5`,
    );
  }
  if (hook) await printQuery(ch, 'The events behind the alert (the query the alert carries):', String(hook.body.data.query));
  console.log(`\nTry it yourself: clickhouse-client --query "SELECT * FROM ${DATABASE}.alerts_latest FORMAT Vertical"`);
  console.log(`demo finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await receiver.stop();
  const alertCount = Number((await (await ch.query({ query: `SELECT count() AS n FROM ${DATABASE}.alerts_latest`, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n ?? 0);
  await ch.close();
  if (o.noConsole === true) {
    await monitor.stop();
    return hook ? 0 : 1;
  }

  section("6. The analysts' console");
  // The monitor keeps running beside it, so an exception made in the console is applied (within 30 s).
  const { console: running, logins } = await startDemoConsole({
    workDir: o.workDir,
    clickhouseUrl: o.clickhouseUrl,
    clickhouseUsername: o.clickhouseUsername,
    clickhousePassword: o.clickhousePassword,
    database: DATABASE,
    pseudonymKey,
    port: o.consolePort ?? 9480,
    logger: createLogger('warn'),
  });
  const analyst = logins[0] as DemoLogin;
  console.log(`${alertCount} alerts are in the queue.`);
  console.log(`Also: ${logins.slice(1).map((l) => `${l.username} / ${l.password} (${l.role})`).join(', ')}; users in ${o.workDir}/console-users.yaml.`);
  console.log(`The console reads ClickHouse as ${o.clickhouseUsername} here; a deployment gives it its own reader and writer (custos db grants, docs/security.md).`);
  console.log('Ctrl-C stops the console and the monitor.\n');
  console.log(`Console: ${running.url}/   sign in as ${analyst.username} / ${analyst.password}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  await monitor.stop();
  return hook ? 0 : 1;
}
