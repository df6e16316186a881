/**
 * What `custos backtest` needs before it can replay, each refused with a
 * UsageError (exit 78) when unusable: consistent arguments, the rule sets,
 * and the event source (a file with its enrichment and pseudonym key, or a
 * ClickHouse range with its connection settings and history seeding).
 */
import { CustosError } from '../errors.js';
import { statSync } from 'node:fs';
import { loadHistorySeed, type HistorySeed } from '../tools/backtest/history-seed.js';
import type { BacktestOptions, RuleSetUnderTest } from '../tools/backtest/run-backtest.js';
import { clickHouseSource, fileSource, type EventSource } from '../tools/backtest/sources.js';
import { loadSettingsSubset } from '../config/load.js';
import { resolvePaths, type PathFlags } from '../config/paths.js';
import { formatRuleProblem, loadRuleSet, RuleSetInvalidError } from '../runtime/engine/index.js';
import type { EnrichmentSource } from '../runtime/enrich/source.js';
import { ENRICHMENT_SOURCES, type EnrichmentFileOptions, type EnrichmentSettingKey } from '../runtime/enrich/sources/index.js';
import { enrichmentFilesIn, loadEnrichmentTables } from '../runtime/enrich/tables.js';
import { createClickHouseClient } from '../runtime/outputs/clickhouse/connection.js';
import type { BacktestCliOptions, CommandIo } from './backtest.js';
import { CLICKHOUSE_TLS_SETTING_KEYS, loadClickHouseTls } from '../config/tls-files.js';

const DAY_MS = 86_400_000;

/**
 * Used when CUSTOS_PSEUDONYM_KEY is not set. Not a secret: pseudonyms only
 * need to be consistent within one backtest for distinct counting, which they
 * are with any key; they then differ from the ones production stored.
 */
export const BACKTEST_FIXED_PSEUDONYM_KEY = 'custos-backtest-fixed-key-not-secret-0001';

/** Anything the user must fix before a replay can run. */
export class UsageError extends CustosError {
  constructor(message: string) {
    super('CUSTOS_USAGE', message);
    this.name = 'UsageError';
  }
}

export function checkArguments(o: BacktestCliOptions): void {
  const file = o.fromFile !== undefined;
  const ch = o.fromClickhouse === true;
  if (file === ch) throw new UsageError('give exactly one input: --from-file FILE or --from-clickhouse --since TIME --until TIME');
  if (o.alertsOut !== undefined && o.compareRules !== undefined) throw new UsageError('--alerts-out writes the alerts of one rule set: not with --compare-rules (run each folder on its own)');
  if (file) {
    if (o.since !== undefined || o.until !== undefined) throw new UsageError('--since and --until select a ClickHouse range; a file is replayed whole');
    for (const source of SOURCES) {
      const why = source.flag.requiredForFileReplay;
      if (why !== undefined && fileOption(o, source) === undefined) throw new UsageError(`--from-file needs --${source.option} FILE (${why})`);
    }
    if (o.chunkRows !== undefined) throw new UsageError('--chunk-rows applies to --from-clickhouse only');
  } else {
    if (o.since === undefined || o.until === undefined) throw new UsageError('--from-clickhouse needs --since TIME and --until TIME');
    if (o.until <= o.since) throw new UsageError('--until must be after --since');
    if (SOURCES.some((source) => fileOption(o, source) !== undefined)) {
      throw new UsageError(`stored events are already enriched: ${flagList()} apply to --from-file only`);
    }
  }
}

/** The options with every path resolved, as every command resolves them (src/config/paths.ts). */
export type ResolvedBacktestOptions = BacktestCliOptions & { readonly rules: string; readonly defaultTimezone: string };

/**
 * The rules folder from `--rules`, else the setting; with --from-file, the
 * zones, fields and calendar from their flags, else their settings, else
 * inside that rules folder (stored events are already enriched).
 */
export function withPaths(o: BacktestCliOptions, io: CommandIo): ResolvedBacktestOptions {
  const flags: PathFlags = { rules_dir: { flag: '--rules', value: o.rules } };
  for (const source of SOURCES) {
    if (source.flag.requiredForFileReplay === undefined) flags[source.settingKey as EnrichmentSettingKey] = { flag: `--${source.option}`, value: fileOption(o, source) };
  }
  const sources = { env: io.env, file: o.config ?? io.env.CUSTOS_CONFIG_FILE };
  const p = resolvePaths(sources, flags);
  // The monitor's default time zone unless the flag gives one: off-hours verdicts as the monitor's.
  const defaultTimezone = o.defaultTimezone ?? loadSettingsSubset(sources, ['enrichment.default_timezone'])['enrichment.default_timezone'];
  if (o.fromFile === undefined) return { ...o, rules: p.rules_dir.path, defaultTimezone };
  const files = Object.fromEntries(
    SOURCES.filter((source) => source.flag.requiredForFileReplay === undefined).map((source) => [source.option, p[source.settingKey as EnrichmentSettingKey].path]),
  );
  return { ...o, rules: p.rules_dir.path, defaultTimezone, ...files };
}

const SOURCES = ENRICHMENT_SOURCES as readonly EnrichmentSource[];
const fileOption = (o: EnrichmentFileOptions, source: EnrichmentSource): string | undefined => (o as Readonly<Record<string, string | undefined>>)[source.option];
const flagList = (): string => {
  const flags = SOURCES.map((s) => `--${s.option}`);
  return `${flags.slice(0, -1).join(', ')} and ${flags.at(-1) ?? ''}`;
};

/** `--rules` and, when comparing, `--compare-rules`; the problems of both folders at once, so one edit fixes them all. */
export function loadRuleSets(o: ResolvedBacktestOptions, io: CommandIo): RuleSetUnderTest[] {
  // Expiry warnings are judged at the start of the range when it is known (the engine itself uses event time).
  const now = o.since ?? Date.now();
  const dirs = o.compareRules === undefined ? [o.rules] : [o.rules, o.compareRules];
  const invalid: RuleSetInvalidError[] = [];
  const sets: RuleSetUnderTest[] = [];
  for (const dir of dirs) {
    if (!isDirectory(dir)) throw new UsageError(`rules folder not found: ${dir}`);
    try {
      const rules = loadRuleSet(dir, { now });
      for (const w of rules.warnings) io.err(`warning: ${formatRuleProblem(w)}\n`);
      sets.push({ label: dir, rules });
    } catch (err) {
      if (!(err instanceof RuleSetInvalidError)) throw err;
      invalid.push(err);
    }
  }
  if (invalid.length > 0) throw new RuleSetInvalidError(invalid.flatMap((e) => e.problems));
  return sets;
}

export interface PreparedInput {
  readonly source: EventSource;
  /** The input as the JSON report names it. */
  readonly description: Readonly<Record<string, unknown>>;
  /** Database named in the alerts' queries (ClickHouse input). */
  readonly database?: string;
  readonly history?: BacktestOptions['history'];
  /** The history the engines were seeded with, once loaded (null: none). */
  seed(): HistorySeed | null;
  close(): Promise<void>;
}

export function prepareInput(o: ResolvedBacktestOptions, io: CommandIo): PreparedInput {
  return o.fromFile !== undefined ? fileInput(o, o.fromFile, io) : clickHouseInput(o, io);
}

function fileInput(o: ResolvedBacktestOptions, file: string, io: CommandIo): PreparedInput {
  if (!isFile(file)) throw new UsageError(`cannot read ${file}`);
  // withPaths resolved every file; the fallbacks are the same defaults, inside the rules folder.
  const given = Object.fromEntries(SOURCES.map((source) => [source.fileKey, fileOption(o, source)]).filter(([, f]) => f !== undefined));
  const tables = loadEnrichmentTables(enrichmentFilesIn(o.rules, { ...given, defaultTimezone: o.defaultTimezone }));
  return {
    source: fileSource({ file, tables, pseudonymKey: pseudonymKey(io) }),
    // The report names the files the replay had to be given (the directory).
    description: { kind: 'file', file, ...Object.fromEntries(SOURCES.filter((s) => s.flag.requiredForFileReplay !== undefined).map((s) => [s.option, fileOption(o, s)])) },
    seed: () => null,
    close: async () => {},
  };
}

function pseudonymKey(io: CommandIo): string {
  const key = io.env.CUSTOS_PSEUDONYM_KEY;
  if (key !== undefined && key !== '') {
    if (key.length < 32) throw new UsageError('CUSTOS_PSEUDONYM_KEY must be at least 32 characters');
    return key;
  }
  io.err(
    'note: CUSTOS_PSEUDONYM_KEY is not set: record ids are pseudonymised with a fixed, non-secret key. ' +
      'Alerts and counts are the same; the pseudonyms differ from the ones production stores.\n',
  );
  return BACKTEST_FIXED_PSEUDONYM_KEY;
}

function clickHouseInput(o: ResolvedBacktestOptions, io: CommandIo): PreparedInput {
  // Only the settings a backtest uses: it must not require Kafka brokers or the pseudonym key.
  const settings = loadSettingsSubset({ env: io.env, file: o.config ?? io.env.CUSTOS_CONFIG_FILE }, [
    'clickhouse.url',
    'clickhouse.username',
    'clickhouse.password',
    'clickhouse.database',
    'history.lookback_days',
    'history.max_recent_events',
    ...CLICKHOUSE_TLS_SETTING_KEYS,
  ]);
  const database = settings['clickhouse.database'];
  const since = o.since as number;
  const until = o.until as number;
  const client = createClickHouseClient({
    url: settings['clickhouse.url'],
    username: settings['clickhouse.username'],
    password: settings['clickhouse.password'],
    // A chunk of a long range on a busy server may take a while.
    requestTimeoutMs: 300_000,
    ...loadClickHouseTls(settings),
  });
  let seed: HistorySeed | null = null;
  const history: BacktestOptions['history'] = async ({ recentWindowMs }) => {
    seed = await loadHistorySeed(client, database, {
      sinceMs: since,
      activityLookbackMs: settings['history.lookback_days'] * DAY_MS,
      recentWindowMs,
      maxRecentEvents: settings['history.max_recent_events'],
    });
    return seed.history;
  };
  return {
    source: clickHouseSource({ client, database, sinceMs: since, untilMs: until, ...(o.chunkRows !== undefined && { chunkRows: o.chunkRows }) }),
    description: { kind: 'clickhouse', database, since, until },
    database,
    ...(o.history && { history }),
    seed: () => seed,
    close: () => client.close(),
  };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
