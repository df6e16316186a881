/**
 * `custos check`: everything the monitor would load, from the same settings
 * (environment and config file) and with the same loaders, checked file by
 * file and against each other. Prints every finding with file, line and
 * reason, the effective paths and a summary; exits 78 when `custos run`
 * would refuse to start, 0 otherwise (warnings included).
 */
import { accessSync, constants } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { ConfigError, inspectSettings, type ConfigSources } from '../config/load.js';
import { describePaths, pathsFrom, PATH_KEYS } from '../config/paths.js';
import { SETTINGS, type SettingKey, type Settings } from '../config/settings.js';
import { buildDestinations, defaultUserAgent } from '../runtime/outputs/alerts/index.js';
import { classify, describeError, ERRORS } from '../errors.js';
import { CLICKHOUSE_TLS_SETTING_KEYS, loadClickHouseTls, loadTlsMaterial, TLS_SETTING_KEYS } from '../config/tls-files.js';
import type { RuleSet } from '../runtime/engine/index.js';
import type { EnrichmentTables } from '../runtime/enrich/tables.js';
import { connectClickHouse, type ClickHouseConnection } from '../runtime/outputs/clickhouse/connect.js';
import { readEventSample } from '../runtime/outputs/clickhouse/event-sample.js';
import { figure, warning } from '../runtime/check/findings.js';
import { sampleStoredEvents } from '../tools/check-events/stored-events.js';
import { createKeyring } from '../privacy/keyring.js';
import { checkConfiguration } from '../runtime/check/check-configuration.js';
import { checkSettingsTogether, ruleHorizons } from '../runtime/check/settings-checks.js';
import { formatFinding } from '../runtime/check/findings.js';
import { summaryLine } from '../runtime/check/summary.js';
import { sampleEvents } from '../tools/check-events/events-sample.js';
import { fileSampleHeading, sampleFindings, sampleReport, storedZonesFinding } from '../tools/check-events/report.js';
import { BACKTEST_FIXED_PSEUDONYM_KEY } from './backtest-input.js';

export interface CheckCommandOptions {
  readonly config?: string;
  /** `--now` for expiry (tests, or "as of the go-live date"). */
  readonly now?: number;
  /** `--events FILE`: a sample of real events through decode and enrich (src/tools/check-events/). */
  readonly events?: string;
  /** `--limit N`: only the first N lines of the file; with --from-clickhouse the newest N events (default 10,000). */
  readonly limit?: number;
  /** `--from-clickhouse`: a sample of stored events (access_events_dedup), judged by the current files (src/tools/check-events/stored-events.ts). */
  readonly fromClickhouse?: boolean;
  /** With --from-clickhouse: the range, epoch ms; default the 24 hours before --until. */
  readonly since?: number;
  /** With --from-clickhouse: end of the range (exclusive), epoch ms; default now. */
  readonly until?: number;
}

/** Stored events sampled when --limit is not given: enough to see each rule's share, quick to read. */
export const DEFAULT_STORED_SAMPLE = 10_000;
const DAY_MS = 86_400_000;

export interface CheckIo {
  readonly out: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

const processIo: CheckIo = { out: (t) => process.stdout.write(t), env: process.env };

export async function checkCommand(o: CheckCommandOptions, io: CheckIo = processIo): Promise<number> {
  // A bad argument, not a configuration finding: `custos run` never reads this file.
  if (o.events !== undefined && !isReadable(o.events)) {
    io.out(`custos check: cannot read the events file ${o.events} (--events)\n`);
    return ERRORS.CUSTOS_CHECK.exit;
  }
  const usage = usageProblem(o);
  if (usage !== null) {
    io.out(`custos check: ${usage}\n`);
    return ERRORS.CUSTOS_CHECK.exit;
  }
  const sources: ConfigSources = { env: io.env, file: o.config ?? io.env.CUSTOS_CONFIG_FILE };
  const settings = inspectSettings(sources, Object.keys(SETTINGS) as SettingKey[]);
  const lines: string[] = [];
  let errors = settings.problems.length + settings.missing.length;
  let warnings = 0;
  let exitCode: number | undefined;
  for (const p of [...settings.problems, ...settings.missing]) lines.push(`error: settings: ${p}`);
  // The pseudonym keys against each other (ids twice, an old key equal to the current one), as the monitor checks them at start.
  const v = settings.values;
  if (v.pseudonym_key !== undefined && v.pseudonym_key_id !== undefined && v.pseudonym_old_keys !== undefined) {
    const ring = createKeyring(v.pseudonym_key, v.pseudonym_key_id, v.pseudonym_old_keys);
    if (!ring.ok) {
      for (const p of ring.problems) lines.push(`error: settings: ${p}`);
      errors += ring.problems.length;
    }
  }

  const destinationProblems = destinationsProblems(v);
  for (const p of destinationProblems) lines.push(`error: settings: ${p}`);
  errors += destinationProblems.length;

  const tlsFileProblems = tlsProblems(v);
  for (const p of tlsFileProblems) lines.push(`error: settings: ${p}`);
  errors += tlsFileProblems.length;

  // Settings valid alone that misfire together (with the rules' horizons when the rules loaded): warnings only.
  const settingsTogether = (ruleSet: RuleSet | undefined): number => {
    const found = checkSettingsTogether({ values: v, origins: settings.origins, ...(ruleSet !== undefined && { rules: ruleHorizons(ruleSet) }) });
    for (const f of found) lines.push(formatFinding(f));
    return found.length;
  };

  const paths = pathsFrom(settings);
  if (paths === null) {
    lines.push(`error: settings: cannot locate the rules and enrichment files (${PATH_KEYS.map((k) => SETTINGS[k].env).join(', ')})`);
    errors++;
    warnings += settingsTogether(undefined);
  } else {
    const result = checkConfiguration({
      paths,
      defaultTimezone: settings.values['enrichment.default_timezone'] ?? 'UTC',
      ...(o.now !== undefined && { now: o.now }),
    });
    for (const f of result.findings) lines.push(formatFinding(f));
    errors += result.errors;
    warnings += result.warnings;
    warnings += settingsTogether(result.ruleSet);
    lines.push('', 'files:', ...describePaths(paths).map((l) => `  ${l}`));
    lines.push('', `summary: ${summaryLine(result.summary)}`);
    if (o.events !== undefined) {
      if (result.ruleSet === undefined || result.tables === undefined) {
        lines.push('', `events: ${o.events}: not sampled: the rules and enrichment files must load first (errors above)`);
      } else {
        const sample = await sampleEvents({
          file: o.events,
          rules: result.ruleSet,
          tables: result.tables,
          // Pseudonyms are never shown here: any key gives the same counts.
          pseudonymKey: settings.values.pseudonym_key ?? BACKTEST_FIXED_PSEUDONYM_KEY,
          maxMessageBytes: settings.values.max_message_bytes ?? (SETTINGS.max_message_bytes.default as number),
          ...(o.limit !== undefined && { limit: o.limit }),
        });
        const files = { events: o.events, directory: paths['enrichment.directory_file'].path, zones: paths['enrichment.zones_file'].path, fields: paths['enrichment.fields_file'].path };
        const found = sampleFindings(sample, files, result.tables.fieldClasses.defaultClassName);
        warnings += found.length;
        lines.push('', ...sampleReport(sample, found, fileSampleHeading(sample, o.events)));
      }
    }
    if (o.fromClickhouse === true) {
      if (result.ruleSet === undefined || result.tables === undefined) {
        lines.push('', 'events: ClickHouse: not sampled: the rules and enrichment files must load first (errors above)');
      } else {
        const stored = await storedSample(v, o, { rules: result.ruleSet, tables: result.tables, paths });
        lines.push('', ...stored.lines);
        // A failed connection decides the exit code only when the configuration itself is sound.
        if (errors === 0 && stored.exit !== undefined) exitCode = stored.exit;
        errors += stored.errors;
        warnings += stored.warnings;
      }
    }
  }
  lines.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}: ${errors > 0 ? 'custos run would refuse to start' : 'custos run would start'}`);
  io.out(`${lines.join('\n')}\n`);
  return errors > 0 ? (exitCode ?? ERRORS.CUSTOS_CHECK.exit) : 0;
}

/**
 * The alert destinations as `custos run` builds them (kinds, keys, URLs, ids
 * used twice), with nothing started: building one opens no connection and no
 * file. Unchecked when a setting they need is itself invalid (reported above).
 */
function destinationsProblems(v: Partial<Settings>): string[] {
  const destinations = v['alerts.destinations'];
  const urls = v['webhook.urls'];
  const secret = v['webhook.secret'];
  if (destinations === undefined || urls === undefined || secret === undefined) return [];
  try {
    // A topic destination needs a Kafka client to be built; it is never connected here.
    const kafka = new Kafka({ brokers: ['custos-check.invalid:9092'], logLevel: logLevel.NOTHING });
    buildDestinations({ 'alerts.destinations': destinations, 'webhook.urls': urls, 'webhook.secret': secret }, { logger: pino({ level: 'silent' }), userAgent: defaultUserAgent(), fetch: () => Promise.reject(new Error('not sent by custos check')), kafka });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

/** The TLS files the settings name, read and checked as custos run reads them at start (missing, unreadable, not PEM, a lone certificate or key, a CA with an http:// ClickHouse URL). */
function tlsProblems(v: Partial<Settings>): string[] {
  if (TLS_SETTING_KEYS.some((k) => v[k] === undefined)) return [];
  try {
    loadTlsMaterial(v as Parameters<typeof loadTlsMaterial>[0]);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

function usageProblem(o: CheckCommandOptions): string | null {
  if (o.fromClickhouse === true && o.events !== undefined) return 'give one sample: --events FILE or --from-clickhouse';
  if (o.fromClickhouse !== true && (o.since !== undefined || o.until !== undefined)) return '--since and --until select stored events: they need --from-clickhouse';
  if (o.since !== undefined && o.until !== undefined && o.until <= o.since) return '--until must be after --since';
  return null;
}

type CheckValues = ReturnType<typeof inspectSettings<SettingKey>>['values'];

/**
 * The --from-clickhouse part of the report: connects as CUSTOS_CLICKHOUSE_USERNAME
 * (a read-only analyst or console user is enough: it only reads
 * access_events_dedup), with the monitor's TLS settings. A connection or query
 * that fails is an error of the report, with its own exit code (a TLS or
 * credential problem 78, a server that does not answer 1).
 */
async function storedSample(
  v: CheckValues,
  o: CheckCommandOptions,
  c: { rules: RuleSet; tables: EnrichmentTables; paths: NonNullable<ReturnType<typeof pathsFrom>> },
): Promise<{ lines: string[]; errors: number; warnings: number; exit?: number }> {
  const until = o.until ?? Date.now();
  const since = o.since ?? until - DAY_MS;
  const limit = o.limit ?? DEFAULT_STORED_SAMPLE;
  const url = v['clickhouse.url'];
  const database = v['clickhouse.database'];
  const [ca, cert, key] = CLICKHOUSE_TLS_SETTING_KEYS.map((k) => v[k]);
  if (url === undefined || database === undefined || ca === undefined || cert === undefined || key === undefined) {
    return { lines: ['events: ClickHouse: not sampled: the ClickHouse settings must be valid first (errors above)'], errors: 0, warnings: 0 };
  }
  const where = `ClickHouse ${database}.access_events_dedup`;
  let connection: ClickHouseConnection | null = null;
  try {
    connection = await connectClickHouse({
      url,
      username: v['clickhouse.username'] ?? 'default',
      password: v['clickhouse.password'] ?? '',
      requestTimeoutMs: v['clickhouse.request_timeout_ms'] ?? 30_000,
      ...loadClickHouseTls({ 'clickhouse.url': url, 'clickhouse.ca_file': ca, 'clickhouse.cert_file': cert, 'clickhouse.key_file': key }),
    });
    const read = await readEventSample(connection.client, database, { fromMs: since, untilMs: until, limit });
    const sample = sampleStoredEvents(read.events, c.rules, c.tables);
    const p = c.paths;
    const files = { events: where, stored: true, directory: p['enrichment.directory_file'].path, zones: p['enrichment.zones_file'].path, fields: p['enrichment.fields_file'].path };
    const found = sampleFindings(sample, files, c.tables.fieldClasses.defaultClassName);
    const zones = storedZonesFinding(sample.zones, sample.events, where);
    if (zones !== null) found.push(zones);
    if (read.skippedRows > 0) found.push(warning({ file: where, line: null, reason: `${figure(read.skippedRows)} stored rows have values custos does not write (another writer?): left out` }));
    const range = `${new Date(since).toISOString()} to ${new Date(until).toISOString()}`;
    const heading = `${where}, ${range}: the newest ${figure(sample.events)} events${sample.events === limit ? ` (--limit ${figure(limit)})` : ''}, enriched again with the current files`;
    return { lines: sampleReport(sample, found, heading), errors: 0, warnings: found.length };
  } catch (err) {
    const d = describeError(err);
    return { lines: [`error: ${where}: ${d.code}: ${d.message}`], errors: 1, exit: ERRORS[classify(err).code].exit || 1, warnings: 0 };
  } finally {
    await connection?.client.close().catch(() => undefined);
  }
}

function isReadable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
