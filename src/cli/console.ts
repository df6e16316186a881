/**
 * `custos console` and its helpers:
 *   custos console [serve]            run the analysts' console
 *   custos console hash-password      a scrypt hash for the users file (password read from stdin)
 * The console's ClickHouse users are the access model's (`custos db grants`).
 */
import { ConfigError, loadSettingsSubset } from '../config/load.js';
import { createLogger } from '../observability/log.js';
import { hashPassword } from '../console/auth/passwords.js';
import { UsersFileError } from '../console/auth/users-file.js';
import { CONSOLE_SETTING_KEYS, ConsoleStartError, startConsole } from '../console/console.js';
import { StartAborted } from '../runtime/app/startup-retry.js';
import { reportStartupError } from './settings.js';

function settingsOrNull<K extends Parameters<typeof loadSettingsSubset>[1][number]>(keys: readonly K[], file?: string) {
  try {
    return loadSettingsSubset({ env: process.env, file: file ?? process.env.CUSTOS_CONFIG_FILE }, keys);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

export async function consoleServeCommand(opts: { config?: string }): Promise<number> {
  const settings = settingsOrNull(CONSOLE_SETTING_KEYS, opts.config);
  if (settings === null) return 78;
  const logger = createLogger(settings['log.level']);
  const abort = new AbortController();
  let running: Awaited<ReturnType<typeof startConsole>> | null = null;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      abort.abort();
      void (running?.close() ?? Promise.resolve()).finally(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  try {
    running = await startConsole(settings, logger, abort.signal);
  } catch (err) {
    if (err instanceof StartAborted) return 0;
    if (err instanceof UsersFileError || err instanceof ConsoleStartError) {
      process.stderr.write(`custos: cannot start the console:\n  ${err.message.split('\n').join('\n  ')}\n`);
      return 78;
    }
    return reportStartupError(err, logger);
  }
  process.stdout.write(`custos console at ${running.url}\n`);
  await stopped;
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function hashPasswordCommand(): Promise<number> {
  if (process.stdin.isTTY) process.stderr.write('password (then Enter and Ctrl-D): ');
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (password.length < 12) {
    process.stderr.write('custos: a console password has at least 12 characters\n');
    return 78;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
