/** Shared by CLI commands: load the configuration, and report start-up errors clearly. */
import { ConfigError, loadConfig } from '../config/load.js';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../observability/log.js';

/** Loads settings from the environment and the optional file; prints problems and returns null when invalid. */
export function loadSettings(file?: string): Settings | null {
  try {
    return loadConfig({ env: process.env, file: file ?? process.env.CUSTOS_CONFIG_FILE });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

/** Rules/enrichment problems (with file and line) exit 78 like config errors; the rest exit 1. */
export function reportStartupError(err: unknown, logger: Logger): number {
  const problems = (err as { problems?: unknown }).problems;
  if (Array.isArray(problems)) {
    logger.fatal({ problems }, 'cannot start: invalid rules or enrichment files');
    process.stderr.write(`custos: cannot start:\n  ${(err as Error).message.split('\n').join('\n  ')}\n`);
    return 78;
  }
  logger.fatal({ err: { message: (err as Error).message, name: (err as Error).name } }, 'cannot start');
  return 1;
}
