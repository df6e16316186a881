/** Shared by CLI commands: load the configuration, and report start-up errors clearly. */
import { ConfigError, loadConfigWithOrigins, type SettingsInspection } from '../config/load.js';
import type { SettingKey, Settings } from '../config/settings.js';
import { classify, describeError, ERRORS } from '../errors.js';
import type { Logger } from '../observability/log.js';

/**
 * Loads settings from the environment and the optional file, with where each came from
 * (the settings-together warnings name them); prints problems and returns null when invalid.
 */
export function loadSettings(file?: string): { readonly config: Settings; readonly origins: SettingsInspection<SettingKey>['origins'] } | null {
  try {
    const { settings, origins } = loadConfigWithOrigins({ env: process.env, file: file ?? process.env.CUSTOS_CONFIG_FILE });
    return { config: settings, origins };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

/**
 * The exit code the catalogue gives the error (src/errors.ts): 78 for what
 * configuration must fix (settings, rule and enrichment files, credentials
 * refused), 1 for the rest; stderr says what, and for credentials which settings.
 */
export function reportStartupError(err: unknown, logger: Logger): number {
  const c = classify(err);
  const spec = ERRORS[c.code];
  const problems = (err as { problems?: unknown }).problems;
  if (Array.isArray(problems)) {
    logger.fatal({ code: c.code, problems }, 'cannot start: invalid configuration, rules or enrichment files');
    process.stderr.write(`custos: cannot start:\n  ${(err as Error).message.split('\n').join('\n  ')}\n`);
    return spec.exit === 0 ? 78 : spec.exit;
  }
  logger.fatal({ err: describeError(err) }, 'cannot start');
  if (spec.exit === 78) process.stderr.write(`custos: cannot start: ${c.code}: ${spec.meaning}\n  ${describeError(err).message}\n`);
  return spec.exit;
}
