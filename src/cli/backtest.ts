/**
 * `custos backtest`: the detection engine over historical events with a
 * virtual clock and no Kafka; prints the alerts and per-rule counts, or, with
 * --compare-rules, what a rule change would change. See docs/backtest.md.
 *
 * Exit codes: 0 done; 78 bad arguments, invalid rules, enrichment files or
 * ClickHouse settings (nothing was replayed); 1 a failure while running
 * (e.g. ClickHouse unreachable).
 */
import { writeFileSync } from 'node:fs';
import { diffAlerts, type AlertDiff } from '../tools/backtest/compare.js';
import { openAlertsOut, type AlertsOut } from '../tools/backtest/alerts-out.js';
import { backtestJson } from '../tools/backtest/json-report.js';
import { progressPrinter } from '../tools/backtest/progress.js';
import { compareReport, historyLine, historySummaryJson, inputSummary, perRuleSection, singleReport } from '../tools/backtest/report.js';
import { runBacktest } from '../tools/backtest/run-backtest.js';
import { ConfigError } from '../config/load.js';
import { formatRuleProblem, RuleSetInvalidError } from '../runtime/engine/index.js';
import { InvalidSourceError } from '../util/source-error.js';
import type { EnrichmentFileOptions } from '../runtime/enrich/sources/index.js';
import { checkArguments, loadRuleSets, prepareInput, UsageError, withPaths, type PreparedInput } from './backtest-input.js';

const EXIT_USAGE = 78;

/** `--from-file`'s enrichment files come as one option per source (`--directory`, `--zones`, ...: EnrichmentFileOptions). */
export interface BacktestCliOptions extends EnrichmentFileOptions {
  readonly fromFile?: string;
  /** Default: the enrichment.default_timezone setting ($CUSTOS_DEFAULT_TIMEZONE), as the monitor's. */
  readonly defaultTimezone?: string;
  readonly fromClickhouse?: boolean;
  readonly since?: number;
  readonly until?: number;
  /** false with --no-history. */
  readonly history: boolean;
  readonly chunkRows?: number;
  readonly config?: string;
  /** Default: the rules_dir setting ($CUSTOS_RULES_DIR), else rules. */
  readonly rules?: string;
  readonly compareRules?: string;
  readonly json?: string;
  /** Every alert revision as NDJSON, each line the webhook body (src/tools/backtest/alerts-out.ts). */
  readonly alertsOut?: string;
  readonly quiet?: boolean;
}

/** Where the command reads and writes; tests pass their own. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Where progress goes (null: nowhere). */
  readonly progress: NodeJS.WriteStream | null;
}

const processIo: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  progress: process.stderr,
};

export async function backtestCommand(o: BacktestCliOptions, io: CommandIo = processIo): Promise<number> {
  let input: PreparedInput | null = null;
  let alertsOut: AlertsOut | null = null;
  try {
    checkArguments(o);
    const resolved = withPaths(o, io);
    const ruleSets = loadRuleSets(resolved, io);
    input = prepareInput(resolved, io);
    // Opened before the replay: an unwritable path is found before the work, not after it.
    alertsOut = o.alertsOut === undefined ? null : openAlertsOut(o.alertsOut);
    const out = alertsOut;

    const printer = o.quiet || io.progress === null ? null : progressPrinter(io.progress);
    const result = await runBacktest({
      source: input.source,
      ruleSets,
      ...(input.history !== undefined && { history: input.history }),
      ...(input.database !== undefined && { database: input.database }),
      ...(printer !== null && { onProgress: printer.onProgress }),
      ...(out !== null && {
        onAlertUpdate: (u, at, ruleSet) => {
          if (ruleSet === 0) out.add(u, at);
        },
      }),
    });
    printer?.done();
    if (out !== null) {
      alertsOut = null;
      io.err(`wrote ${out.close()} alert revisions to ${o.alertsOut}\n`);
    }

    const seed = input.seed();
    const report = [inputSummary(input.source.label, result)];
    if (seed !== null) report.push(historyLine(seed));
    else if (o.fromClickhouse) report.push('history: none (--no-history): baselines start empty');
    const [a, b] = result.outcomes;
    let diff: AlertDiff | null = null;
    if (a !== undefined && b !== undefined) {
      diff = diffAlerts(a.tally.records(), b.tally.records(), a.tally.perRule(), b.tally.perRule());
      report.push('', perRuleSection(a), '', perRuleSection(b), '', compareReport(a, b, diff));
    } else if (a !== undefined) {
      report.push('', singleReport(a));
    }
    io.out(`${report.join('\n')}\n`);
    if (seed?.recentEventsCapped) io.err('warning: recent events before --since over history.max_recent_events: windows restored partially\n');

    if (o.json !== undefined) {
      const doc = backtestJson({ input: input.description, history: seed === null ? null : historySummaryJson(seed), result, diff });
      writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
      io.err(`wrote ${o.json}\n`);
    }
    return 0;
  } catch (err) {
    return reportFailure(err, io);
  } finally {
    alertsOut?.close();
    await input?.close();
  }
}

/** Problems the user must fix exit 78 with every problem listed; anything else is a runtime failure (1). */
function reportFailure(err: unknown, io: CommandIo): number {
  if (err instanceof UsageError || err instanceof ConfigError) {
    io.err(`custos backtest: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof RuleSetInvalidError || err instanceof InvalidSourceError) {
    const problems = err.problems.map((p) => `  ${formatRuleProblem(p)}`).join('\n');
    io.err(`custos backtest: invalid ${err instanceof RuleSetInvalidError ? 'rules' : 'enrichment files'}:\n${problems}\n`);
    return EXIT_USAGE;
  }
  io.err(`custos backtest: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
