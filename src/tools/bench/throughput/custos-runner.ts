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
import { FIGURES_PREFIX, RunMeter } from './measure.js';

async function counterValue(metrics: Metrics): Promise<number> {
  const m = await metrics.messagesConsumed.get();
  return m.values[0]?.value ?? 0;
}

async function main(): Promise<void> {
  const expected = Number(process.argv[2] ?? '0');
  const config = loadConfig({ env: process.env });
  const metrics = new Metrics(false);
  const monitor = await Monitor.start({ config, logger: createLogger('warn'), metrics });
  const meter = new RunMeter();
  let handled = 0;
  // Polled every 2 ms until the first batch, which starts the meter, as in the bare consumer;
  // then every 20 ms (the end is seen at most 20 ms late in a drain of seconds, and the
  // poll, which reads the metric through prom-client, no longer costs ~2 µs per event).
  while (handled < expected) {
    await new Promise((r) => setTimeout(r, handled > 0 ? 20 : 2));
    handled = await counterValue(metrics);
    if (handled > 0) meter.first();
  }
  const figures = meter.finish('custos (full pipeline)', handled);
  await monitor.stop();
  process.stdout.write(`${FIGURES_PREFIX}${JSON.stringify(figures)}\n`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
