/**
 * `custos check`: everything the monitor would load, from the same settings
 * (environment and config file) and with the same loaders, checked file by
 * file and against each other. Prints every finding with file, line and
 * reason, the effective paths and a summary; exits 78 when `custos run`
 * would refuse to start, 0 otherwise (warnings included).
 */
import { accessSync, constants } from 'node:fs';
import { inspectSettings, type ConfigSources } from '../config/load.js';
import { describePaths, pathsFrom, PATH_KEYS } from '../config/paths.js';
import { SETTINGS, type SettingKey } from '../config/settings.js';
import { ERRORS } from '../errors.js';
import { createKeyring } from '../privacy/keyring.js';
import { checkConfiguration } from '../runtime/check/check-configuration.js';
import { formatFinding } from '../runtime/check/findings.js';
import { summaryLine } from '../runtime/check/summary.js';
import { sampleEvents } from '../tools/check-events/events-sample.js';
import { sampleFindings, sampleReport } from '../tools/check-events/report.js';
import { BACKTEST_FIXED_PSEUDONYM_KEY } from './backtest-input.js';

export interface CheckCommandOptions {
  readonly config?: string;
  /** `--now` for expiry (tests, or "as of the go-live date"). */
  readonly now?: number;
  /** `--events FILE`: a sample of real events through decode and enrich (src/tools/check-events/). */
  readonly events?: string;
  /** `--limit N`: only the first N lines of the sample. */
  readonly limit?: number;
}

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
  const sources: ConfigSources = { env: io.env, file: o.config ?? io.env.CUSTOS_CONFIG_FILE };
  const settings = inspectSettings(sources, Object.keys(SETTINGS) as SettingKey[]);
  const lines: string[] = [];
  let errors = settings.problems.length + settings.missing.length;
  let warnings = 0;
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

  const paths = pathsFrom(settings);
  if (paths === null) {
    lines.push(`error: settings: cannot locate the rules and enrichment files (${PATH_KEYS.map((k) => SETTINGS[k].env).join(', ')})`);
    errors++;
  } else {
    const result = checkConfiguration({
      paths,
      defaultTimezone: settings.values['enrichment.default_timezone'] ?? 'UTC',
      ...(o.now !== undefined && { now: o.now }),
    });
    for (const f of result.findings) lines.push(formatFinding(f));
    errors += result.errors;
    warnings += result.warnings;
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
        lines.push('', ...sampleReport(sample, found, o.events));
      }
    }
  }
  lines.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}: ${errors > 0 ? 'custos run would refuse to start' : 'custos run would start'}`);
  io.out(`${lines.join('\n')}\n`);
  return errors > 0 ? ERRORS.CUSTOS_CHECK.exit : 0;
}

function isReadable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
