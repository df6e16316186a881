/**
 * The composition root of the live monitor: builds every part from the
 * validated configuration and wires Kafka source → decode → enrich → evaluate
 * → outputs (src/runtime/outputs/index.ts: dead letters, ClickHouse, alert
 * destinations), as stages of one Lifecycle: started in order, stopped in
 * reverse (src/runtime/app/lifecycle.ts).
 */
import type { Clock } from '../../clock.js';
import { systemClock } from '../../clock.js';
import { redactedConfig } from '../../config/load.js';
import type { Settings } from '../../config/settings.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import { createDecoder } from '../decode/decoder.js';
import { createEngine, loadRuleSet, type DetectionEngine } from '../engine/index.js';
import { createEnricher, type Enricher } from '../enrich/enricher.js';
import { createOptionalFieldMinimiser } from '../../privacy/minimise.js';
import { loadTlsMaterial } from '../../config/tls-files.js';
import { keyringFromSettings } from '../../config/keyring-settings.js';
import { enrichmentFilePaths, enrichmentFilesFromSettings, loadEnrichmentTables, type EnrichmentFiles } from '../enrich/tables.js';
import type { Logger } from '../../observability/log.js';
import { Metrics } from '../../observability/metrics.js';
import { createBatchHandler } from '../pipeline/batch-handler.js';
import { BatchProcessor } from '../pipeline/batch-processor.js';
import { CarryOver } from '../pipeline/carry-over.js';
import { SinkHealth } from '../pipeline/sink-health.js';
import { ClickHouseStore } from '../outputs/clickhouse/index.js';
import { KafkaDeadLetterSink } from '../outputs/dead-letters/dead-letter-producer.js';
import { ensureTopic } from '../outputs/dead-letters/ensure-topic.js';
import { AlertDispatcher, buildDestinations, defaultUserAgent } from '../outputs/alerts/index.js';
import { OUTPUTS } from '../outputs/index.js';
import { OutputWriter } from '../pipeline/output-writer.js';
import { checkKafkaLogin, createKafka, kafkaClientOptions, type KafkaClientOptions } from '../source/kafka-client.js';
import { KafkaSource } from '../source/kafka-source.js';
import { InvalidSourceError } from '../../util/source-error.js';
import { Reloader } from './reloader.js';
import { startTicker, type Ticker } from './ticker.js';
import { startHistoryRefresh, type HistoryRefresh } from './history-refresh.js';
import { retryStartup } from './startup-retry.js';
import { StopOnce } from './stop-once.js';
import { Lifecycle } from './lifecycle.js';
import { PartitionRestorer } from './partition-restore.js';
import { PartitionAlignment } from '../pipeline/partition-alignment.js';
import { loadConsoleExceptions } from '../outputs/clickhouse/console-exceptions.js';
import { startExceptionsRefresh, type ExceptionsRefresh } from './exceptions-refresh.js';
import { loadRulesWithConsoleExceptions } from './rules-with-exceptions.js';
import { startRetentionSchedule, type RetentionSchedule } from './retention-schedule.js';
import { clickHouseStoreOptions } from './store-options.js';

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
  private readonly stopping: StopOnce;

  private constructor(
    private readonly logger: Logger,
    readonly metrics: Metrics,
    readonly engine: DetectionEngine,
    private readonly source: KafkaSource,
    readonly store: ClickHouseStore,
    readonly dispatcher: AlertDispatcher,
    readonly reloader: Reloader,
    private readonly sinkHealth: SinkHealth,
    lifecycle: Lifecycle,
  ) {
    this.stopping = new StopOnce(() => lifecycle.stop());
  }

  /** Settles when the monitor stops: resolves after stop(), rejects on a fatal consumer error. */
  get finished(): Promise<void> {
    return this.stopping.finished;
  }

  get running(): boolean {
    return this.source.isRunning;
  }

  /** Consuming, and the outputs have not been failing for long (what /healthz reports). */
  get healthy(): boolean {
    return this.source.isRunning && this.sinkHealth.healthy;
  }

  static async start(deps: MonitorDeps): Promise<Monitor> {
    const { config, logger } = deps;
    const clock = deps.clock ?? systemClock;
    logger.info({ config: redactedConfig(config) }, 'starting');
    const metrics = deps.metrics ?? new Metrics();

    // Rules, enrichment and destinations first: a bad file or setting stops the start before any connection.
    const rulesDir = config.rules_dir;
    const enrichmentFiles: EnrichmentFiles = enrichmentFilesFromSettings(config);
    // TLS files are read and checked now: a bad one is a configuration error naming its setting.
    const tls = loadTlsMaterial(config);
    // The keyring is checked now too (old keys' ids and lengths); decode writes under the current key only.
    const keyring = keyringFromSettings(config);
    const ruleSet = loadRuleSet(rulesDir);
    let currentRules = ruleSet;
    // Minimisation of the optional fields happens in enrich, before anything is evaluated or stored.
    const minimise = createOptionalFieldMinimiser(
      { source_ip: config['minimise.source_ip'], user_agent: config['minimise.user_agent'], session_id: config['minimise.session_id'] },
      keyring.current.secret,
      keyring.current.id,
    );
    let enricher: Enricher = createEnricher(loadEnrichmentTables(enrichmentFiles), minimise);
    const engine = createEngine({
      rules: ruleSet,
      clock,
      maxActors: config['engine.max_actors'],
      maxOpenAlerts: config['engine.max_open_alerts'],
      maxHistoryActors: config['engine.max_history_actors'],
    });
    const kafkaOptions: KafkaClientOptions = kafkaClientOptions(config, tls.kafka);
    const kafka = createKafka(kafkaOptions, logger);
    const destinations = buildDestinations(config, { logger: logger.child({ component: 'alerts' }), userAgent: defaultUserAgent(), fetch: (url, init) => fetch(url, init), kafka });

    const historyQuery = () => {
      const windowMs = engine.historyWindowMs();
      return {
        // Events up to clock_skew ahead of this host's clock were accepted by decode: reload them too.
        now: clock.now() + currentRules.settings.clock_skew,
        activityLookbackMs: config['history.lookback_days'] * DAY,
        recentWindowMs: windowMs,
        // A day more than a window can still re-open: a closed alert whose quiet time (up to the
        // longest window) reaches into a bucket the restore rebuilds marks it under_alert.
        openAlertMaxAgeMs: windowMs + DAY,
        maxRecentEvents: config['history.max_recent_events'],
      };
    };
    // Partitions this instance owns are kept within the peer-baseline margin of each other in
    // event time, so the alerts do not depend on how they interleave (src/runtime/pipeline/partition-alignment.ts).
    const alignment = config['kafka.align_partitions']
      ? new PartitionAlignment(() => Math.max(1, currentRules.settings.group_baseline_margin - currentRules.settings.lateness), () => clock.now())
      : undefined;
    const carryOver = new CarryOver();
    // Unhealthy after 5 minutes of failing writes without a success.
    const sinkHealth = new SinkHealth(() => clock.now(), 5 * 60_000);
    const source = new KafkaSource(
      kafka,
      {
        topic: config['kafka.topic'],
        groupId: config['kafka.group_id'],
        fromBeginning: config['kafka.from_beginning'],
        sessionTimeoutMs: config['kafka.session_timeout_ms'],
        // The source tells the alignment itself (before this), keeping kafkajs' paused partitions in step with it.
        onAssignment: (partitions, fresh) => restorer.assign(partitions, fresh),
        ...(alignment !== undefined && { alignment }),
      },
      logger.child({ component: 'source' }),
    );
    const deadLetters = new KafkaDeadLetterSink(kafka, config['kafka.dead_letter_topic']);
    const reloader = new Reloader(
      [
        {
          name: 'rules',
          paths: [rulesDir],
          reload: () => {
            const { result } = loadRulesWithConsoleExceptions(rulesDir, exceptions?.current() ?? [], clock.now());
            if (!result.ok) throw new InvalidSourceError(result.problems);
            engine.replaceRules(result.ruleSet);
            currentRules = result.ruleSet;
          },
        },
        {
          name: 'enrichment',
          paths: enrichmentFilePaths(enrichmentFiles),
          reload: () => {
            enricher = createEnricher(loadEnrichmentTables(enrichmentFiles), minimise);
          },
        },
      ],
      logger.child({ component: 'reload' }),
      metrics,
    );

    // Built by the stages below, in this order; each stage's stop undoes its start.
    let store!: ClickHouseStore;
    let exceptions: ExceptionsRefresh | null = null;
    let retention: RetentionSchedule | null = null;
    let dispatcher!: AlertDispatcher;
    let writer!: OutputWriter;
    let restorer!: PartitionRestorer;
    let ticker: Ticker | null = null;
    let refresher: HistoryRefresh | null = null;
    let monitor!: Monitor;
    const lifecycle = new Lifecycle(logger);
    await lifecycle.start([
      {
        name: 'clickhouse',
        start: async () => {
          store = await retryStartup(
            'clickhouse',
            logger,
            () =>
              ClickHouseStore.open({
                ...clickHouseStoreOptions(config, tls.clickhouse, config['clickhouse.manage_schema']),
                insertFormat: config['clickhouse.insert_format'],
                insertMaxRows: config['clickhouse.insert_max_rows'],
                stageCpu: metrics.stageCpu,
              }),
            undefined,
            deps.signal,
          );
          logger.info({ database: store.database, schema: store.schema }, 'clickhouse ready');
        },
        stop: () => store.close(),
      },
      {
        // Where the server has no TTL, custos drops what is past retention itself, at start and on a schedule.
        name: 'retention',
        start: () => {
          // A least-privilege writer may not ALTER: there retention is `custos db retention`'s, run by an administrator.
          if (!config['clickhouse.manage_schema'] && !store.schema.features.ttl) {
            logger.info('retention on this server is left to `custos db retention` (CUSTOS_CLICKHOUSE_MANAGE_SCHEMA is false)');
            return;
          }
          retention = startRetentionSchedule({
            enforce: () => store.enforceRetention(),
            ttl: store.schema.features.ttl,
            intervalMs: config['retention.interval_ms'],
            logger: logger.child({ component: 'retention' }),
          });
        },
        stop: () => retention?.stop(),
      },
      {
        // Exceptions made in the analysts' console: compiled with the rules folder, loaded now
        // (before the first batch) and every interval after (src/runtime/app/exceptions-refresh.ts).
        name: 'console exceptions',
        start: async () => {
          const refresh = startExceptionsRefresh({
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
          exceptions = refresh;
          await refresh.refreshNow();
        },
        stop: () => exceptions?.stop(),
      },
      {
        // Baselines (every actor's) now; windows and alerts per partition, when the group assigns it.
        name: 'baselines',
        start: async () => {
          const baselines = await store.loadHistory({ ...historyQuery(), include: { activity: true, alerts: false, events: false }, topic: config['kafka.topic'] });
          engine.restore(baselines);
          // Look-backs run back from historyFrom; far behind now means a long outage's backlog is waiting.
          logger.info({ activityRows: baselines.activity.length, historyFrom: new Date(baselines.anchorMs).toISOString() }, 'baselines restored');
        },
      },
      {
        name: 'dead letters',
        start: async () => {
          // The first contact with Kafka: TLS and SASL are checked here, once, before any client retries on its own.
          await retryStartup('kafka', logger, () => checkKafkaLogin(kafkaOptions, logger), undefined, deps.signal);
          await retryStartup('kafka', logger, () => ensureTopic(kafka, config['kafka.dead_letter_topic'], logger), undefined, deps.signal);
          await retryStartup('kafka', logger, () => deadLetters.connect(), undefined, deps.signal);
        },
        stop: () => deadLetters.disconnect().catch(() => undefined),
      },
      {
        name: 'alert destinations',
        start: async () => {
          dispatcher = new AlertDispatcher({
            destinations,
            outbox: store.deliveryOutbox(),
            logger: logger.child({ component: 'alerts' }),
            requestTimeoutMs: config['webhook.timeout_ms'],
            retry: { maxAgeMs: config['webhook.max_age_ms'] },
          });
          await dispatcher.start();
          if (destinations.length === 0) logger.warn('no alert destinations configured: alerts are stored in ClickHouse only');
          writer = new OutputWriter({
            outputs: OUTPUTS.map((build) => build({ store, deadLetters, dispatcher })),
            metrics,
            logger: logger.child({ component: 'pipeline' }),
            health: sinkHealth,
            now: () => clock.now(),
          });
        },
        stop: () => dispatcher.stop(),
      },
      {
        name: 'ticker',
        start: () => {
          ticker = startTicker({
            engine,
            writer,
            carryOver,
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
        },
        // A last tick, stored: after the source stopped (stages stop in reverse).
        stop: () => ticker?.stop(),
      },
      {
        name: 'history refresh',
        start: () => {
          refresher = startHistoryRefresh({
            engine,
            load: (since) => store.loadActivityStoredSince(since),
            clock,
            logger: logger.child({ component: 'history' }),
            intervalMs: config['history.refresh_interval_ms'],
          });
        },
        stop: () => refresher?.stop(),
      },
      { name: 'reload', start: () => reloader.start(config.reload_interval_ms), stop: () => reloader.stop() },
      {
        name: 'partition restores',
        start: () => {
          restorer = new PartitionRestorer(config['kafka.topic'], {
            load: async (topic, partition) => {
              // As of the offset consumption resumes at: what lies beyond it is replayed and evaluated again.
              const resume = await source.resumePoint(partition);
              const resumesAt = resume.committed;
              const state = await store.openPartitionHistory({
                ...historyQuery(),
                include: { activity: false, alerts: true, events: true },
                partition: { topic, partition, committedOffset: resumesAt },
              });
              if (state.recentEventsCapped) logger.warn({ partition, cap: config['history.max_recent_events'] }, 'recent events over the cap: windows restored partially');
              const historyFrom = new Date(state.anchorMs).toISOString();
              // Counted as the restorer reads them; logged once all are read.
              async function* counted(): AsyncGenerator<EnrichedEvent[]> {
                let recentEvents = 0;
                for await (const chunk of state.recentEvents) {
                  recentEvents += chunk.length;
                  yield chunk;
                }
                logger.info({ partition, resumesAt, alerts: state.alerts.length, recentEvents, skippedRows: state.skippedRows(), historyFrom }, 'partition window state loaded');
              }
              return {
                alerts: state.alerts,
                activity: state.activity,
                recentEvents: counted(),
                resumesAt,
                // Everything up to its newest stored event was evaluated: where the partition stands in
                // event time (told to the alignment by the restorer, only if the partition is still ours).
                position: { anchorMs: state.anchored ? state.anchorMs : null, caughtUp: resume.caughtUp },
              };
            },
            engine: {
              beginRestore: (seed) => engine.beginRestore(seed),
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
            ...(alignment !== undefined && { alignment }),
          });
        },
      },
      {
        name: 'source',
        start: async () => {
          const processor = new BatchProcessor({
            ...(alignment !== undefined && { alignment }),
            decode: createDecoder({
              pseudonymKey: keyring.current.secret,
              pseudonymKeyId: keyring.current.id,
              maxMessageBytes: config.max_message_bytes,
              // The rule set's clock_skew bounds future timestamps here too, so that
              // every event decode accepts is one the engine evaluates.
              future: { now: () => clock.now(), maxFutureSkewMs: () => currentRules.settings.clock_skew },
            }),
            enricher: () => enricher,
            engine,
            clock,
            stageCpu: metrics.stageCpu,
          });
          const handler = createBatchHandler({
            processor,
            carryOver,
            writer,
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
          monitor = new Monitor(logger, metrics, engine, source, store, dispatcher, reloader, sinkHealth, lifecycle);
          await retryStartup('kafka consumer', logger, () => source.start(handler, (err) => monitor.onFatal(err)), undefined, deps.signal);
          logger.info({ topic: config['kafka.topic'], groupId: config['kafka.group_id'] }, 'consuming');
        },
        // Stop fetching, finish the batch in flight (its offsets commit), leave the group.
        stop: () => source.stop(),
      },
      // Stopped first: restores in flight are given up (their partitions are about to be released).
      { name: 'restores in flight', stop: () => restorer.stop() },
    ]);
    return monitor;
  }

  private onFatal(err: Error): void {
    this.logger.fatal({ err: { message: err.message, name: err.name } }, 'consumer failed and will not restart');
    void this.stopping.fail(err);
  }

  /**
   * Graceful stop: stop fetching and finish the batch in flight (its offsets
   * commit), flush what the engine closed, deliver or park notifications, close.
   */
  stop(): Promise<void> {
    return this.stopping.stop();
  }
}
