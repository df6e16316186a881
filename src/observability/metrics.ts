/**
 * Prometheus metrics with bounded labels (reason codes, rule ids, severities,
 * table names; never actor or record ids).
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { stageCpuCounter, type StageCpu } from './stage-cpu.js';

export class Metrics {
  readonly registry = new Registry();
  readonly messagesConsumed = new Counter({ name: 'custos_messages_consumed_total', help: 'Kafka messages handled.', registers: [this.registry] });
  readonly eventsStored = new Counter({ name: 'custos_events_stored_total', help: 'Valid events stored in ClickHouse.', registers: [this.registry] });
  readonly eventsRejected = new Counter({ name: 'custos_events_rejected_total', help: 'Messages refused, by reason.', labelNames: ['reason'], registers: [this.registry] });
  readonly alerts = new Counter({ name: 'custos_alert_updates_total', help: 'Alert revisions stored, by rule, severity and whether they notify.', labelNames: ['rule_id', 'severity', 'notify'], registers: [this.registry] });
  readonly batchSeconds = new Histogram({ name: 'custos_batch_seconds', help: 'Time from batch received to stored (offsets are committed right after).', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly sinkFailures = new Counter({ name: 'custos_sink_failures_total', help: 'Failed attempts to store a batch (retried; offsets not committed).', labelNames: ['stage'], registers: [this.registry] });
  readonly reloads = new Counter({ name: 'custos_reloads_total', help: 'Rule/enrichment reloads, by outcome.', labelNames: ['outcome'], registers: [this.registry] });
  readonly engineActors = new Gauge({ name: 'custos_engine_actors', help: 'Actors with window state.', registers: [this.registry] });
  readonly engineStateBytes = new Gauge({ name: 'custos_engine_state_bytes', help: 'Approximate bytes of window state.', registers: [this.registry] });
  readonly lateDropped = new Gauge({ name: 'custos_engine_late_dropped', help: 'Events beyond the lateness allowance (stored, not windowed).', registers: [this.registry] });
  readonly provisionalJudgments = new Gauge({ name: 'custos_engine_provisional_judgments', help: 'Rate judgments made with a peer or role baseline some input had not passed yet (may differ from run to run).', registers: [this.registry] });
  readonly capEvictions = new Counter({
    name: 'custos_engine_capped_total',
    help: 'What the memory caps and the storm guard did: actors evicted (max_actors), alerts closed early (max_open_alerts), baseline histories dropped (max_history_actors), alert openings folded into a storm alert.',
    labelNames: ['what'],
    registers: [this.registry],
  });
  readonly actorsRebuilt = new Counter({ name: 'custos_engine_actors_rebuilt_total', help: 'Evicted actors whose window state was rebuilt from ClickHouse before their next event.', registers: [this.registry] });
  readonly consoleExceptions = new Gauge({ name: 'custos_console_exceptions_applied', help: 'Exceptions made in the analysts\' console that the engine applies now (beside the YAML ones).', registers: [this.registry] });
  readonly stageCpuSeconds = new Counter({
    name: 'custos_stage_cpu_seconds_total',
    help: 'Process CPU spent in each pipeline stage (decode, enrich, evaluate, serialize); the rest of custos_process_cpu_seconds_total is fetching, HTTP, commits and GC between stages.',
    labelNames: ['stage'],
    registers: [this.registry],
  });
  /** The stage meter the pipeline counts into (observability/stage-cpu.ts). */
  readonly stageCpu: StageCpu = stageCpuCounter((stage, seconds) => this.stageCpuSeconds.inc({ stage }, seconds));
  readonly futureDropped = new Gauge({ name: 'custos_engine_future_dropped', help: 'Events dated beyond the allowed clock skew (not evaluated).', registers: [this.registry] });

  constructor(withDefaults = true) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'custos_' });
  }

  /** Serves /metrics and /healthz. `healthy`: consuming, and stores not failing for long. */
  serve(host: string, port: number, healthy: () => boolean): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry
          .metrics()
          .then((body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
          .catch(() => res.writeHead(500).end());
      } else if (req.url === '/healthz') {
        const ok = healthy();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not running\n');
      } else {
        res.writeHead(404).end();
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
