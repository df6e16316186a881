/**
 * The composition root of the live monitor: builds every stage from the
 * validated configuration, restores engine history, wires
 * Kafka source → decode → enrich → evaluate → sinks (ClickHouse, dead letters,
 * webhooks), and stops them in order.
 */
import type { Clock } from '../../clock.js';
import { systemClock } from '../../clock.js';
import { redactedConfig } from '../../config/load.js';
import type { Settings } from '../../config/settings.js';
import { createDecoder } from '../decode/decoder.js';
import { createEngine, loadRuleSet, type DetectionEngine } from '../engine/index.js';
import { createEnricher, type Enricher } from '../enrich/enricher.js';
import { loadEnrichmentTables, type EnrichmentFiles } from '../enrich/tables.js';
import type { Logger } from '../../observability/log.js';
import { Metrics } from '../../observability/metrics.js';
import { createBatchHandler } from '../pipeline/batch-handler.js';
import { BatchProcessor } from '../pipeline/batch-processor.js';
import { CarryOver } from '../pipeline/carry-over.js';
import { SinkHealth } from '../pipeline/sink-health.js';
import { ClickHouseStore } from '../outputs/clickhouse/index.js';
import { KafkaDeadLetterSink } from '../outputs/dead-letters/dead-letter-producer.js';
import { ensureTopic } from '../outputs/dead-letters/ensure-topic.js';
import { WebhookDispatcher, endpointsFromUrls } from '../outputs/webhook/index.js';
import { createKafka } from '../source/kafka-client.js';
import { KafkaSource } from '../source/kafka-source.js';
import { InvalidSourceError } from '../../util/source-error.js';
import { Reloader } from './reloader.js';
import { startTicker, type Ticker } from './ticker.js';
import { startHistoryRefresh, type HistoryRefresh } from './history-refresh.js';
import { retryStartup } from './startup-retry.js';
import { StopOnce } from './stop-once.js';
import { PartitionRestorer } from './partition-restore.js';
import { PartitionAlignment } from '../pipeline/partition-alignment.js';
import { loadConsoleExceptions } from '../outputs/clickhouse/console-exceptions.js';
import { startExceptionsRefresh, type ExceptionsRefresh } from './exceptions-refresh.js';
import { loadRulesWithConsoleExceptions } from './rules-with-exceptions.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface MonitorDeps {
  readonly config: Settings;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  /** How often processing time is advanced without events (closing buckets and idle alerts). */
  readonly tickIntervalMs?: number;
  /** Aborted when a stop is requested during start: waits for services end (StartAborted). */
  readonly signal?: AbortSignal;
}

export class Monitor {
  private readonly lifecycle: StopOnce;

  private constructor(
    private readonly logger: Logger,
    readonly metrics: Metrics,
    readonly engine: DetectionEngine,
    private readonly source: KafkaSource,
    private readonly deadLetters: KafkaDeadLetterSink,
    readonly store: ClickHouseStore,
    readonly dispatcher: WebhookDispatcher,
    readonly reloader: Reloader,
    private readonly ticker: Ticker,
    private readonly refresher: HistoryRefresh,
    private readonly sinkHealth: SinkHealth,
    private readonly restorer: PartitionRestorer,
    readonly exceptions: ExceptionsRefresh,
  ) {
    this.lifecycle = new StopOnce(() => this.stopStages());
  }

  /** Settles when the monitor stops: resolves after stop(), rejects on a fatal consumer error. */
  get finished(): Promise<void> {
    return this.lifecycle.finished;
  }

  get running(): boolean {
    return this.source.isRunning;
  }

  /** Consuming, and the sinks have not been failing for long (what /healthz reports). */
  get healthy(): boolean {
    return this.source.isRunning && this.sinkHealth.healthy;
  }

  static async start(deps: MonitorDeps): Promise<Monitor> {
    // What started so far, closed in reverse order if a later step fails.
    const cleanup: (() => Promise<unknown>)[] = [];
    try {
      return await Monitor.startWith(deps, cleanup);
    } catch (err) {
      for (const close of cleanup.reverse()) await close().catch(() => undefined);
      throw err;
    }
  }

  private static async startWith(deps: MonitorDeps, cleanup: (() => Promise<unknown>)[]): Promise<Monitor> {
    const { config, logger } = deps;
    const clock = deps.clock ?? systemClock;
    logger.info({ config: redactedConfig(config) }, 'starting');
    const metrics = deps.metrics ?? new Metrics();

    // Rules and enrichment first: a bad file stops the start before any connection.
    const rulesDir = config.rules_dir;
    const enrichmentFiles: EnrichmentFiles = {
      directoryFile: config['enrichment.directory_file'],
      zonesFile: config['enrichment.zones_file'],
      fieldsFile: config['enrichment.fields_file'],
      calendarFile: config['enrichment.calendar_file'],
      defaultTimezone: config['enrichment.default_timezone'],
    };
    const ruleSet = loadRuleSet(rulesDir);
    let currentRules = ruleSet;
    let enricher: Enricher = createEnricher(loadEnrichmentTables(enrichmentFiles));
    const engine = createEngine({
      rules: ruleSet,
      clock,
      database: config['clickhouse.database'],
      maxActors: config['engine.max_actors'],
      maxOpenAlerts: config['engine.max_open_alerts'],
      maxHistoryActors: config['engine.max_history_actors'],
    });

    const store = await retryStartup('clickhouse', logger, () =>
      ClickHouseStore.open({
        url: config['clickhouse.url'],
        username: config['clickhouse.username'],
        password: config['clickhouse.password'],
        database: config['clickhouse.database'],
        retentionDays: config['clickhouse.retention_days'],
        requestTimeoutMs: config['clickhouse.request_timeout_ms'],
      }),
      undefined,
      deps.signal,
    );
    cleanup.push(() => store.close());
    logger.info({ database: store.database, schema: store.schema }, 'clickhouse ready');

    // Exceptions made in the analysts' console: compiled with the rules folder, loaded now
    // (before the first batch) and every interval after (src/runtime/app/exceptions-refresh.ts).
    const exceptions = startExceptionsRefresh({
      // Expired ones still matter for late events within the lateness allowance (judged on event time).
      load: () => loadConsoleExceptions(store.client, store.database, { expiredBeforeMs: clock.now() - DAY }),
      apply: (list) => {
        const { result, dropped } = loadRulesWithConsoleExceptions(rulesDir, list, clock.now());
        for (const d of dropped) logger.warn({ exceptionId: d.exceptionId, reason: d.reason }, 'console exception left out: the current rules cannot take it');
        if (!result.ok) {
          logger.warn({ problems: result.problems.length }, 'rules folder invalid: console exceptions wait for a valid rules reload');
          return 0;
        }
        engine.replaceRules(result.ruleSet);
        currentRules = result.ruleSet;
        metrics.consoleExceptions.set(list.length - dropped.length);
        return list.length - dropped.length;
      },
      logger: logger.child({ component: 'exceptions' }),
      intervalMs: config['exceptions.refresh_interval_ms'],
    });
    cleanup.push(() => exceptions.stop());
    await exceptions.refreshNow();

    // Baselines (every actor's) now; windows and open alerts per partition,
    // when the group assigns it (src/runtime/app/partition-restore.ts).
    const historyQuery = () => {
      const windowMs = engine.historyWindowMs();
      return {
        // Events up to clock_skew ahead of this host's clock were accepted by decode: reload them too.
        now: clock.now() + currentRules.settings.clock_skew,
        activityLookbackMs: config['history.lookback_days'] * DAY,
        recentWindowMs: windowMs,
        openAlertMaxAgeMs: windowMs,
        maxRecentEvents: config['history.max_recent_events'],
      };
    };
    const baselines = await store.loadHistory({ ...historyQuery(), include: { activity: true, alerts: false, events: false }, topic: config['kafka.topic'] });
    engine.restore(baselines);
    logger.info(
      {
        activityRows: baselines.activity.length,
        // Lookbacks run back from here; far behind now means a long outage's backlog is waiting.
        historyFrom: new Date(baselines.anchorMs).toISOString(),
      },
      'baselines restored',
    );
    const restorer = new PartitionRestorer(config['kafka.topic'], {
      load: async (topic, partition) => {
        // As of the offset consumption resumes at: what lies beyond it is replayed and evaluated again.
        const resume = await source.resumePoint(partition);
        const resumesAt = resume.committed;
        const state = await store.loadHistory({
          ...historyQuery(),
          include: { activity: false, alerts: true, events: true },
          partition: { topic, partition, committedOffset: resumesAt },
        });
        const summary = {
          partition,
          resumesAt,
          alerts: state.alerts.length,
          recentEvents: state.recentEvents.length,
          historyFrom: new Date(state.anchorMs).toISOString(),
        };
        logger.info(summary, 'partition window state loaded');
        // Everything up to its newest stored event was evaluated: where the partition stands in event time.
        alignment?.restored(partition, state.anchored ? state.anchorMs : null, resume.caughtUp);
        if (state.recentEventsCapped) {
          logger.warn({ partition, cap: config['history.max_recent_events'] }, 'recent events over the cap: windows restored partially');
        }
        return { ...state, resumesAt };
      },
      engine: {
        restore: (state) => engine.restore(state),
        // An actor evicted under the cap is still this partition's: forgotten (marks, waiting buckets) on revoke.
        holds: (actorId) => engine.holds(actorId) || (engine.evictedAmong?.([actorId]).length ?? 0) > 0,
        // Another instance owns these actors now: drop their windows, open alerts and unstored output.
        forget: (actorIds) => {
          const ids = new Set(actorIds);
          engine.forget(ids);
          carryOver.dropActors(ids);
        },
      },
      logger: logger.child({ component: 'restore' }),
    });
    cleanup.push(async () => restorer.stop());

    const kafka = createKafka(
      {
        brokers: config['kafka.brokers'],
        clientId: config['kafka.client_id'],
        ssl: config['kafka.ssl'],
        saslMechanism: config['kafka.sasl_mechanism'],
        saslUsername: config['kafka.sasl_username'],
        saslPassword: config['kafka.sasl_password'],
      },
      logger,
    );
    await retryStartup('kafka', logger, () => ensureTopic(kafka, config['kafka.dead_letter_topic'], logger), undefined, deps.signal);
    const deadLetters = new KafkaDeadLetterSink(kafka, config['kafka.dead_letter_topic']);
    await retryStartup('kafka', logger, () => deadLetters.connect(), undefined, deps.signal);
    cleanup.push(() => deadLetters.disconnect());

    const dispatcher = new WebhookDispatcher({
      endpoints: endpointsFromUrls(config['webhook.urls'], config['webhook.secret'] === '' ? null : config['webhook.secret']),
      outbox: store.deliveryOutbox(),
      logger: logger.child({ component: 'webhook' }),
      requestTimeoutMs: config['webhook.timeout_ms'],
      retry: { maxAgeMs: config['webhook.max_age_ms'] },
    });
    await dispatcher.start();
    cleanup.push(() => dispatcher.stop());
    if (config['webhook.urls'].length === 0) logger.warn('no webhook URLs configured: alerts are stored in ClickHouse only');

    // Partitions this instance owns are kept within the peer-baseline margin of each other in
    // event time, so the alerts do not depend on how they interleave (src/runtime/pipeline/partition-alignment.ts).
    const alignment = config['kafka.align_partitions']
      ? new PartitionAlignment(() => Math.max(1, currentRules.settings.group_baseline_margin - currentRules.settings.lateness), () => clock.now())
      : undefined;
    const processor = new BatchProcessor({
      ...(alignment !== undefined && { alignment }),
      decode: createDecoder({
        pseudonymKey: config.pseudonym_key,
        maxMessageBytes: config.max_message_bytes,
        // The rule set's clock_skew bounds future timestamps here too, so that
        // every event decode accepts is one the engine evaluates.
        future: { now: () => clock.now(), maxFutureSkewMs: () => currentRules.settings.clock_skew },
      }),
      enricher: () => enricher,
      engine,
      clock,
    });
    const carryOver = new CarryOver();
    // Unhealthy after 5 minutes of failing stores without a success.
    const sinkHealth = new SinkHealth(() => clock.now(), 5 * 60_000);
    const handler = createBatchHandler({
      processor,
      carryOver,
      health: sinkHealth,
      deadLetters,
      store,
      notifier: dispatcher,
      metrics,
      logger: logger.child({ component: 'pipeline' }),
      partitionState: restorer,
      caps: () => engine.capCounts?.(),
      evictedActors: {
        among: (actorIds) => engine.evictedAmong?.(actorIds) ?? [],
        rebuild: async (actorIds) => {
          const q = historyQuery();
          const state = await store.loadActorState({
            actorIds,
            now: q.now,
            // A day more than the windows hold: the replay then gives the open day bucket's
            // events the full windows they were judged with (its peaks come out the same).
            recentWindowMs: q.recentWindowMs + DAY,
            activityLookbackMs: q.activityLookbackMs,
            maxRecentEvents: q.maxRecentEvents,
          });
          engine.restore(state);
          metrics.actorsRebuilt.inc(actorIds.length);
        },
      },
    });

    const reloader = new Reloader(
      [
        {
          name: 'rules',
          paths: [rulesDir],
          reload: () => {
            const { result } = loadRulesWithConsoleExceptions(rulesDir, exceptions.current(), clock.now());
            if (!result.ok) throw new InvalidSourceError(result.problems);
            engine.replaceRules(result.ruleSet);
            currentRules = result.ruleSet;
          },
        },
        {
          name: 'enrichment',
          paths: [
            enrichmentFiles.directoryFile,
            enrichmentFiles.zonesFile,
            enrichmentFiles.fieldsFile,
            enrichmentFiles.calendarFile,
          ],
          reload: () => {
            enricher = createEnricher(loadEnrichmentTables(enrichmentFiles));
          },
        },
      ],
      logger.child({ component: 'reload' }),
      metrics,
    );
    reloader.start(config.reload_interval_ms);
    cleanup.push(async () => reloader.stop());

    const refresher = startHistoryRefresh({
      engine,
      load: (since) => store.loadActivityStoredSince(since),
      clock,
      logger: logger.child({ component: 'history' }),
      intervalMs: config['history.refresh_interval_ms'],
    });
    cleanup.push(() => refresher.stop());

    const ticker = startTicker({
      engine,
      store,
      carryOver,
      notifier: dispatcher,
      metrics,
      logger: logger.child({ component: 'ticker' }),
      intervalMs: deps.tickIntervalMs ?? 15_000,
      shouldTick: () => sinkHealth.failingForMs() === 0,
      // Before prune: an actor the tick just expired still has its partition's position.
      positionOf: (actorId) => restorer.positionOf(actorId),
      // An actor whose partition still has events waiting is not idle, only not read yet.
      ...(alignment !== undefined && {
        idle: (actorId: string) => {
          const p = restorer.partitionOf(actorId);
          return p === undefined || !alignment.hasBacklog(p);
        },
      }),
      afterTick: () => restorer.prune(),
    });
    cleanup.push(() => ticker.stop());

    const source = new KafkaSource(
      kafka,
      {
        topic: config['kafka.topic'],
        groupId: config['kafka.group_id'],
        fromBeginning: config['kafka.from_beginning'],
        sessionTimeoutMs: config['kafka.session_timeout_ms'],
        onAssignment: (partitions, fresh) => {
          alignment?.assign(partitions);
          restorer.assign(partitions, fresh);
        },
        ...(alignment !== undefined && { alignment }),
      },
      logger.child({ component: 'source' }),
    );
    const monitor = new Monitor(logger, metrics, engine, source, deadLetters, store, dispatcher, reloader, ticker, refresher, sinkHealth, restorer, exceptions);
    cleanup.push(() => source.stop());
    await retryStartup('kafka consumer', logger, () => source.start(handler, (err) => monitor.onFatal(err)), undefined, deps.signal);
    logger.info({ topic: config['kafka.topic'], groupId: config['kafka.group_id'] }, 'consuming');
    return monitor;
  }

  private onFatal(err: Error): void {
    this.logger.fatal({ err: { message: err.message, name: err.name } }, 'consumer failed and will not restart');
    void this.lifecycle.fail(err);
  }

  /**
   * Graceful stop: stop fetching and finish the batch in flight (its offsets
   * commit), flush what the engine closed, deliver or park webhooks, close.
   */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /**
   * Every step runs even if an earlier one failed (a consumer that cannot
   * disconnect from a lost broker must not keep the last tick from being
   * stored or webhooks from being parked); the first failure is rethrown.
   */
  private async stopStages(): Promise<void> {
    const steps: (() => unknown)[] = [
      () => this.restorer.stop(),
      () => this.reloader.stop(),
      () => this.refresher.stop(),
      () => this.exceptions.stop(),
      () => this.source.stop(),
      () => this.ticker.stop(),
      () => this.dispatcher.stop(),
      () => this.deadLetters.disconnect().catch(() => undefined),
      () => this.store.close(),
    ];
    let firstFailure: unknown = null;
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.logger.error({ err: { message: (err as Error).message, name: (err as Error).name } }, 'a stage failed to stop cleanly');
        firstFailure ??= err;
      }
    }
    if (firstFailure !== null) throw firstFailure;
  }
}

