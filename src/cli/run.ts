/**
 * `custos run`: the long-running monitor. Exit codes: 0 after a graceful stop
 * (SIGTERM/SIGINT), 78 for a configuration or rules error or a metrics port
 * that cannot be bound (nothing started), 1 for a fatal runtime error or a
 * stage that failed while stopping (the orchestrator restarts it; nothing is
 * lost, offsets were committed only for stored batches).
 */
import { Monitor } from '../runtime/app/monitor.js';
import { StartAborted } from '../runtime/app/startup-retry.js';
import { createLogger } from '../observability/log.js';
import { Metrics } from '../observability/metrics.js';
import { loadSettings, reportStartupError } from './settings.js';
import { pathsForLog, resolvePaths } from '../config/paths.js';
import { checkConfiguration } from '../runtime/check/check-configuration.js';
import { ConfigurationCheckError } from '../runtime/check/check-error.js';
import { summaryLine } from '../runtime/check/summary.js';
import { checkSettingsTogether, ruleHorizons } from '../runtime/check/settings-checks.js';

export async function runCommand(options: { config?: string }): Promise<number> {
  const loaded = loadSettings(options.config);
  if (loaded === null) return 78;
  const { config, origins } = loaded;
  const logger = createLogger(config['log.level']);
  const metrics = new Metrics();

  // The checks of `custos check`, before anything binds or connects: errors refuse the start
  // (exit 78), warnings are logged once, and the files in use are named with where each came from.
  const paths = resolvePaths({ env: process.env, file: options.config ?? process.env.CUSTOS_CONFIG_FILE });
  logger.info({ files: pathsForLog(paths) }, 'configuration files');
  const check = checkConfiguration({ paths, defaultTimezone: config['enrichment.default_timezone'] });
  for (const f of check.findings) {
    if (f.severity === 'warning') logger.warn({ file: f.file, line: f.line, reason: f.reason }, 'configuration warning');
  }
  if (check.errors > 0) return reportStartupError(new ConfigurationCheckError(check.findings.filter((f) => f.severity === 'error')), logger);
  // Settings valid alone that misfire together, as `custos check` warns about them (their
  // messages name settings and where they came from, never a secret's value).
  const together = checkSettingsTogether({ values: config, origins, ...(check.ruleSet !== undefined && { rules: ruleHorizons(check.ruleSet) }) });
  for (const f of together) logger.warn({ file: f.file, line: f.line, reason: f.reason }, 'configuration warning');
  logger.info({ summary: summaryLine(check.summary), warnings: check.warnings + together.length }, 'configuration checked');

  // Signals are handled from the first moment: a SIGTERM that arrives while
  // a service is still being waited for ends the wait; one that arrives while
  // the consumer is joining its group stops it as soon as it has started.
  let monitor: Monitor | null = null;
  let stopRequested: string | null = null;
  const startAbort = new AbortController();
  const stop = (signal: string) => {
    if (stopRequested) return;
    stopRequested = signal;
    logger.info({ signal }, 'stopping: finishing the batch in flight');
    if (monitor) void monitor.stop();
    else startAbort.abort();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => monitor?.reloader.reloadAll());

  // /metrics first: a taken port is a configuration problem, reported before
  // anything connects or consumes. /healthz answers 503 until consuming.
  let server: Awaited<ReturnType<Metrics['serve']>> | null = null;
  if (config['metrics.port'] > 0) {
    try {
      server = await metrics.serve(config['metrics.host'], config['metrics.port'], () => monitor?.healthy ?? false);
    } catch (err) {
      logger.fatal({ err: { message: (err as Error).message }, port: config['metrics.port'] }, 'cannot serve /metrics');
      return 78;
    }
  }
  try {
    monitor = await Monitor.start({ config, logger, metrics, signal: startAbort.signal });
  } catch (err) {
    server?.close();
    if (err instanceof StartAborted) {
      logger.info({ reason: err.message }, 'stopped before the start completed');
      return 0;
    }
    return reportStartupError(err, logger);
  }
  if (stopRequested) void monitor.stop();

  try {
    await monitor.finished;
    logger.info('stopped');
    return 0;
  } catch {
    return 1;
  } finally {
    server?.close();
  }
}
