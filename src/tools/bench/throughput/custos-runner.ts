/**
 * The measured side: the real custos monitor (decode, enrich, rules, ClickHouse
 * inserts, dead letters, offset commits) draining the preloaded topic.
 * Run as a child process with the CUSTOS_* environment set by the orchestrator:
 *   node dist/tools/bench/throughput/custos-runner.js <events>
 */
import { Monitor } from '../../../runtime/app/monitor.js';
import { loadConfig } from '../../../config/load.js';
import { createLogger } from '../../../observability/log.js';
import { Metrics } from '../../../observability/metrics.js';
import { FIGURES_PREFIX, RunMeter, warmupEvents } from './measure.js';
import { DeliveryTally, countDeliveries } from './delivery-tally.js';

async function counterValue(metrics: Metrics): Promise<number> {
  const m = await metrics.messagesConsumed.get();
  return m.values[0]?.value ?? 0;
}

/** CPU seconds counted so far per pipeline stage (observability/stage-cpu.ts). */
async function stageSeconds(metrics: Metrics): Promise<Record<string, number>> {
  const m = await metrics.stageCpuSeconds.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.stage), v.value]));
}

/** µs per event of each stage between two readings (`since` absent: from the start). */
function perEvent(now: Record<string, number>, events: number, since: Record<string, number> = {}): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([stage, s]) => [stage, ((s - (since[stage] ?? 0)) * 1e6) / events]));
}

async function main(): Promise<void> {
  const expected = Number(process.argv[2] ?? '0');
  const config = loadConfig({ env: process.env });
  const metrics = new Metrics(false);
  // The meter starts when kafkajs hands over the first batch, as in the bare consumer
  // (not when the first batch is stored: its decode, evaluation and insert count too).
  const meter = new RunMeter();
  countDeliveries(new DeliveryTally(), () => meter.first());
  const monitor = await Monitor.start({ config, logger: createLogger('warn'), metrics });
  const warmup = warmupEvents();
  let handled = 0;
  let stagesWhenWarm: Record<string, number> | null = null;
  // Polled every 20 ms: the end is seen at most 20 ms late in a drain of seconds, and the
  // poll, which reads the metric through prom-client, costs next to nothing.
  while (handled < expected) {
    await new Promise((r) => setTimeout(r, 20));
    handled = await counterValue(metrics);
    // The warm-up ends at the first poll with that many events stored. Batches already
    // evaluated but not yet stored then are counted after it although part of their CPU came
    // before: the warm figures may be low by up to their share (3 fetches of ~6,000 events).
    if (meter.warmedUp(handled, warmup)) stagesWhenWarm = await stageSeconds(metrics);
  }
  const run = meter.finish('custos (full pipeline)', handled);
  const stages = await stageSeconds(metrics);
  const figures = {
    ...run,
    stageMicrosPerEvent: perEvent(stages, handled),
    ...(run.warm !== undefined && stagesWhenWarm !== null && { warm: { ...run.warm, stageMicrosPerEvent: perEvent(stages, run.warm.events, stagesWhenWarm) } }),
  };
  await monitor.stop();
  process.stdout.write(`${FIGURES_PREFIX}${JSON.stringify(figures)}\n`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
