/**
 * The chaos run: the same stream of events with known incidents is consumed
 * twice, each time by real `custos run` processes into a database of their
 * own: once cleanly, once under faults (SIGKILLs at random points, one while
 * partitions are being restored, one while a lagging partition catches up;
 * optionally ClickHouse frozen and down, the broker restarted, the webhook
 * receiver down). Then both are compared as analysts and receivers see them:
 * every event exactly once, the same alerts with the same final revisions,
 * every notification delivered, in order per alert.
 *
 * The fault schedule comes from a seeded generator: a failing run is repeated
 * by its seed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { WebhookReceiver } from '../demo/webhook-receiver.js';
import { Rng } from '../sim/rng.js';
import { alertsEqual, checkDeliveries, diffAlerts, judgeDifference, type AlertDiff, type Delivery, type DeliveryCheck, type LagContext } from './compare.js';
import { wireTs } from '../sim/wire.js';
import { loadRuleSet } from '../../runtime/engine/index.js';
import { MonitorProcess } from './monitor-process.js';
import { finalAlerts, groupCaughtUp, notifyRevisions, storedCounts, storedInPartition } from './observe.js';
import { buildStream, produceEvents, type ChaosStream } from './scenario.js';
import { startStallProxy, type StallProxy } from './stall-proxy.js';
import { dropSchema } from '../../runtime/outputs/clickhouse/ensure-schema.js';

export interface ChaosEndpoints {
  readonly brokers: string;
  readonly clickhouseUrl: string;
  readonly clickhouseUsername: string;
  readonly clickhousePassword: string;
}

export interface ChaosOptions {
  readonly seed: number;
  readonly actors: number;
  readonly days: number;
  readonly partitions: number;
  /** SIGKILLs at random points of the consumption, beyond the one mid-restore and the one during catch-up. */
  readonly randomKills: number;
  /** The longer version's faults (not in CI). */
  readonly extended?: {
    readonly clickhouseFrozenMs: number;
    readonly clickhouseDownMs: number;
    readonly receiverDownMs: number;
    /** Restarts the Kafka broker (stop, then start, waiting until it answers); absent when the broker is not ours to restart. */
    readonly restartBroker?: () => Promise<void>;
  };
  readonly rulesDir?: string;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  readonly faults: readonly string[];
  readonly events: number;
  readonly clean: RunOutcome;
  readonly chaos: RunOutcome;
  readonly alerts: AlertDiff;
  readonly alertsEqual: boolean;
  /**
   * Each differing alert's verdict (compare.ts judgeDifference): the documented limit (judged against
   * the organisation-wide prior while the late partition's later events were not produced yet), or
   * not (a defect to look into), with why either way.
   */
  readonly verdicts: readonly { readonly alertId: string; readonly documented: boolean; readonly reason: string }[];
  /** Notify revisions of the two runs that differ (`alert#revision`). */
  readonly notifyDiff: { readonly missing: readonly string[]; readonly extra: readonly string[] };
}

export interface RunOutcome {
  /** Events the deduplicating view shows (should be `events`). */
  readonly visible: number;
  /** Distinct event ids stored; events - distinct were lost. */
  readonly distinct: number;
  readonly lost: number;
  /** Rows the view shows beyond one per event id. */
  readonly duplicatesVisible: number;
  readonly alerts: number;
  readonly deliveries: DeliveryCheck;
}

const PSEUDONYM_KEY = 'custos-chaos-run-pseudonym-key-0123456789';
const WAIT_MS = 180_000;

export async function runChaos(options: ChaosOptions, endpoints: ChaosEndpoints): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const rng = Rng.derive(options.seed, 'chaos-faults');
  const random = () => rng.float();
  const stream = buildStream(options);
  const stamp = `${options.seed}_${Date.now().toString(36)}`;
  const topic = `custos-chaos-${stamp}`;
  const tmp = mkdtempSync(join(tmpdir(), 'custos-chaos-'));
  const directoryFile = join(tmp, 'actors.csv');
  writeFileSync(directoryFile, stream.directoryCsv);
  const kafka = new Kafka({ clientId: 'custos-chaos', brokers: endpoints.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const ch = createClient({ url: endpoints.clickhouseUrl, username: endpoints.clickhouseUsername, password: endpoints.clickhousePassword, log: { level: ClickHouseLogLevel.OFF } });
  const runs = { clean: runNames('clean', stamp), chaos: runNames('chaos', stamp) };
  const receivers = { clean: new WebhookReceiver(), chaos: new WebhookReceiver() };
  let proxy: StallProxy | null = null;
  let current: MonitorProcess | null = null;
  const faults: string[] = [];
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: options.partitions }], waitForLeaders: true });
    proxy = await startStallProxy(endpoints.clickhouseUrl);
    const hooks = { clean: await receivers.clean.start(), chaos: await receivers.chaos.start() };
    const envOf = (run: 'clean' | 'chaos') =>
      monitorEnv({
        endpoints,
        clickhouseUrl: run === 'chaos' ? (proxy as StallProxy).url : endpoints.clickhouseUrl,
        topic,
        database: runs[run].database,
        groupId: runs[run].groupId,
        webhookUrl: hooks[run],
        rulesDir: resolve(options.rulesDir ?? 'rules'),
        directoryFile,
      });
    const start = (): MonitorProcess => {
      const m = new MonitorProcess(envOf('chaos'));
      current = m;
      return m;
    };
    const killWhen = async (m: MonitorProcess, what: string, reached: () => Promise<boolean>) => {
      const hit = await until(async () => !m.running || (await reached()), WAIT_MS);
      if (!hit) throw new Error(`chaos: ${what} was not reached within ${WAIT_MS / 1000} s: ${lastLines(m)}`);
      if (!m.running) throw new Error(`chaos: the monitor exited on its own before ${what}: ${lastLines(m)}`);
      await m.kill();
      faults.push(`SIGKILL ${what}`);
      log(`  SIGKILL ${what}`);
    };
    // Distinct events stored: replayed batches do not move a kill point forward.
    const stored = async () => (await storedCounts(ch, runs.chaos.database).catch(() => ({ distinct: 0 }))).distinct;

    // The busiest partition lags: 40 % of it now, the rest once the others are consumed.
    const sizes = stream.byPartition.map((ix) => ix.length);
    const lagging = sizes.indexOf(Math.max(...sizes));
    const lagIndices = stream.byPartition[lagging] ?? [];
    const lagHead = Math.floor(lagIndices.length * 0.4);
    const firstStage = stream.byPartition.flatMap((ix, p) => (p === lagging ? ix.slice(0, lagHead) : ix)).sort((a, b) => a - b);
    await produceEvents(kafka, topic, stream, firstStage);
    log(`produced ${firstStage.length} of ${stream.events.length} events (partition ${lagging} held back at 40 %)`);

    // Kills at random points of the first stage, one of them as soon as the partitions are assigned (restore in flight).
    const killPoints = Array.from({ length: options.randomKills }, () => 0.1 + 0.8 * random()).sort((a, b) => a - b);
    for (const [i, point] of killPoints.entries()) {
      const target = Math.floor(point * firstStage.length);
      await killWhen(start(), `after ${target} stored events`, async () => (await stored()) >= target);
      if (i === 0) {
        const m = start();
        const line = await m.waitForLine((l) => l.msg === 'partitions assigned', WAIT_MS);
        if (line === null) throw new Error(`chaos: no partition assignment: ${lastLines(m)}`);
        await m.kill();
        faults.push('SIGKILL at partition assignment (restore in flight)');
        log('  SIGKILL at partition assignment (restore in flight)');
      }
    }

    if (options.extended) {
      const x = options.extended;
      const m = start();
      await until(async () => (await stored()) >= firstStage.length * 0.9, WAIT_MS);
      proxy.freeze();
      faults.push(`ClickHouse frozen ${x.clickhouseFrozenMs / 1000} s`);
      log(`  ClickHouse frozen for ${x.clickhouseFrozenMs / 1000} s`);
      await delay(x.clickhouseFrozenMs);
      proxy.thaw();
      proxy.down();
      faults.push(`ClickHouse down ${x.clickhouseDownMs / 1000} s`);
      log(`  ClickHouse down for ${x.clickhouseDownMs / 1000} s`);
      await delay(x.clickhouseDownMs);
      proxy.up();
      receivers.chaos.script = () => 503;
      faults.push(`receiver down ${x.receiverDownMs / 1000} s`);
      log(`  webhook receiver answering 503 for ${x.receiverDownMs / 1000} s`);
      if (x.restartBroker) {
        await x.restartBroker();
        faults.push('broker restarted');
        log('  broker restarted');
      }
      await delay(x.receiverDownMs);
      receivers.chaos.script = () => 200;
      await m.kill();
      faults.push('SIGKILL after the outages');
    }

    // The lagging partition's backlog arrives; killed in the middle of catching up.
    await produceEvents(kafka, topic, stream, lagIndices.slice(lagHead));
    log(`produced the remaining ${lagIndices.length - lagHead} events of partition ${lagging}`);
    const catchingUp = start();
    const lagTarget = lagHead + Math.floor((0.2 + 0.6 * random()) * (lagIndices.length - lagHead));
    await killWhen(catchingUp, `during partition ${lagging}'s catch-up (${lagTarget} of ${lagIndices.length} stored)`, async () => (await storedInPartition(ch, runs.chaos.database, lagging).catch(() => 0)) >= lagTarget);

    // The last instance runs to the end.
    await finish(start(), runs.chaos, receivers.chaos);
    log('chaos run complete');

    const clean = new MonitorProcess(envOf('clean'));
    current = clean;
    await finish(clean, runs.clean, receivers.clean);
    log('clean run complete');

    const outcome = async (run: 'clean' | 'chaos'): Promise<RunOutcome> => {
      const counts = await storedCounts(ch, runs[run].database);
      const alerts = await finalAlerts(ch, runs[run].database);
      return {
        visible: counts.visible,
        distinct: counts.distinct,
        lost: stream.events.length - counts.distinct,
        duplicatesVisible: counts.visible - counts.distinct,
        alerts: alerts.size,
        deliveries: checkDeliveries(arrivals(receivers[run]), await notifyRevisions(ch, runs[run].database)),
      };
    };
    const [cleanAlerts, chaosAlerts] = [await finalAlerts(ch, runs.clean.database), await finalAlerts(ch, runs.chaos.database)];
    const alerts = diffAlerts(cleanAlerts, chaosAlerts);
    const heldFirst = stream.events[lagIndices[lagHead] ?? -1];
    const lag: LagContext = {
      lagging,
      heldFromTs: heldFirst === undefined ? Number.POSITIVE_INFINITY : wireTs(heldFirst),
      partitionOf: (a) => stream.partitionOfActor.get(a),
      groupMarginMs: loadRuleSet(resolve(options.rulesDir ?? 'rules')).settings.group_baseline_margin,
    };
    const verdicts = alerts.differing.map((d) => ({ alertId: d.alertId, ...judgeDifference(cleanAlerts.get(d.alertId) ?? {}, chaosAlerts.get(d.alertId) ?? {}, lag) }));
    const [cleanNotify, chaosNotify] = [await notifyRevisions(ch, runs.clean.database), await notifyRevisions(ch, runs.chaos.database)];
    return {
      seed: options.seed,
      faults,
      events: stream.events.length,
      clean: await outcome('clean'),
      chaos: await outcome('chaos'),
      alerts,
      alertsEqual: alertsEqual(alerts),
      verdicts,
      notifyDiff: {
        missing: [...cleanNotify].filter((k) => !chaosNotify.has(k)).sort(),
        extra: [...chaosNotify].filter((k) => !cleanNotify.has(k)).sort(),
      },
    };

    /** Runs the monitor until the group committed everything and the receiver got every notification, then stops it gracefully. */
    async function finish(m: MonitorProcess, run: RunNames, receiver: WebhookReceiver): Promise<void> {
      // Consuming first: a monitor that finds everything committed already must still start (and restore) before it is stopped.
      if ((await m.waitForLine((l) => l.msg === 'consuming', WAIT_MS)) === null) throw new Error(`chaos: the ${run.name} run's monitor did not start: ${lastLines(m)}`);
      const done = await until(
        async () => !m.running || ((await storedCounts(ch, run.database).catch(() => ({ visible: 0 }))).visible >= stream.events.length && (await groupCaughtUp(admin, run.groupId, topic))),
        WAIT_MS,
      );
      if (!done || !m.running) throw new Error(`chaos: the ${run.name} run did not catch up: ${lastLines(m)}`);
      await until(async () => {
        const expected = await notifyRevisions(ch, run.database);
        return checkDeliveries(arrivals(receiver), expected).undelivered.length === 0;
      }, 60_000);
      const code = await m.stop();
      if (code !== 0) throw new Error(`chaos: the ${run.name} run's monitor exited ${code} on SIGTERM: ${lastLines(m)}`);
    }
  } finally {
    const last = current as MonitorProcess | null;
    if (last?.running) await last.kill();
    await Promise.all([receivers.clean.stop(), receivers.chaos.stop()]);
    await proxy?.close();
    if (process.env.CUSTOS_CHAOS_KEEP === '1') log(`kept: topic ${topic}, databases ${runs.clean.database} ${runs.chaos.database}`);
    else await cleanUp(ch, admin, topic, Object.values(runs));
    await admin.disconnect().catch(() => undefined);
    await ch.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface RunNames {
  readonly name: string;
  readonly database: string;
  readonly groupId: string;
}

function runNames(name: string, stamp: string): RunNames {
  return { name, database: `custos_chaos_${name}_${stamp}`, groupId: `custos-chaos-${name}-${stamp}` };
}

function monitorEnv(o: {
  endpoints: ChaosEndpoints;
  clickhouseUrl: string;
  topic: string;
  database: string;
  groupId: string;
  webhookUrl: string;
  rulesDir: string;
  directoryFile: string;
}): Record<string, string> {
  const enrichment = join(o.rulesDir, 'enrichment');
  return {
    CUSTOS_KAFKA_BROKERS: o.endpoints.brokers,
    CUSTOS_KAFKA_TOPIC: o.topic,
    CUSTOS_KAFKA_DEAD_LETTER_TOPIC: `${o.topic}.dead-letter`,
    CUSTOS_KAFKA_GROUP_ID: o.groupId,
    CUSTOS_CLICKHOUSE_URL: o.clickhouseUrl,
    CUSTOS_CLICKHOUSE_USERNAME: o.endpoints.clickhouseUsername,
    CUSTOS_CLICKHOUSE_PASSWORD: o.endpoints.clickhousePassword,
    CUSTOS_CLICKHOUSE_DATABASE: o.database,
    CUSTOS_PSEUDONYM_KEY: PSEUDONYM_KEY,
    CUSTOS_WEBHOOK_URLS: o.webhookUrl,
    CUSTOS_RULES_DIR: o.rulesDir,
    CUSTOS_DIRECTORY_FILE: o.directoryFile,
    CUSTOS_ZONES_FILE: join(enrichment, 'zones.yaml'),
    CUSTOS_FIELDS_FILE: join(enrichment, 'fields.yaml'),
    CUSTOS_CALENDAR_FILE: join(enrichment, 'calendar.yaml'),
    CUSTOS_METRICS_PORT: '0',
    CUSTOS_LOG_LEVEL: process.env.CUSTOS_CHAOS_LOG_LEVEL ?? 'info',
    CUSTOS_RELOAD_INTERVAL_MS: '0',
  };
}

function arrivals(receiver: WebhookReceiver): Delivery[] {
  return receiver.received.map((r) => ({ alertId: String(r.body.data.alert_id), revision: Number(r.body.data.revision), webhookId: r.id }));
}

async function cleanUp(ch: ClickHouseClient, admin: Admin, topic: string, runs: readonly RunNames[]): Promise<void> {
  for (const r of runs) await dropSchema(ch, r.database).catch(() => undefined);
  await admin.deleteGroups(runs.map((r) => r.groupId)).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic, `${topic}.dead-letter`] }).catch(() => undefined);
}

function lastLines(m: MonitorProcess): string {
  return m.lines
    .slice(-5)
    .map((l) => JSON.stringify(l))
    .join('\n');
}

/** Polls `condition` every 100 ms; false when `timeoutMs` passes first. */
async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await delay(100);
  }
  return false;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export type { ChaosStream };
