/**
 * `custos check`: everything the monitor would load, from the same settings
 * (environment and config file) and with the same loaders, checked file by
 * file and against each other. Prints every finding with file, line and
 * reason, the effective paths and a summary; exits 78 when `custos run`
 * would refuse to start, 0 otherwise (warnings included).
 */
import { inspectSettings, type ConfigSources } from '../config/load.js';
import { describePaths, pathsFrom, PATH_KEYS } from '../config/paths.js';
import { SETTINGS, type SettingKey } from '../config/settings.js';
import { ERRORS } from '../errors.js';
import { createKeyring } from '../privacy/keyring.js';
import { checkConfiguration } from '../runtime/check/check-configuration.js';
import { formatFinding } from '../runtime/check/findings.js';
import { summaryLine } from '../runtime/check/summary.js';

export interface CheckCommandOptions {
  readonly config?: string;
  /** `--now` for expiry (tests, or "as of the go-live date"). */
  readonly now?: number;
}

export interface CheckIo {
  readonly out: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

const processIo: CheckIo = { out: (t) => process.stdout.write(t), env: process.env };

export function checkCommand(o: CheckCommandOptions, io: CheckIo = processIo): number {
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
  }
  lines.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}: ${errors > 0 ? 'custos run would refuse to start' : 'custos run would start'}`);
  io.out(`${lines.join('\n')}\n`);
  return errors > 0 ? ERRORS.CUSTOS_CHECK.exit : 0;
}
