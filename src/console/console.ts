/**
 * `custos console`: the analysts' console as a process of its own (own port,
 * own ClickHouse users). Start-up checks the users file, the rules folder and
 * the settings before listening; it waits for the console schema, which the
 * monitor creates.
 */
import { CustosError } from '../errors.js';
import { KEYRING_SETTING_KEYS, keyringFromSettings } from '../config/keyring-settings.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../observability/log.js';
import { loadRuleSet } from '../runtime/engine/index.js';
import { retryStartup } from '../runtime/app/startup-retry.js';
import { selectRows } from '../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable } from '../runtime/outputs/clickhouse/escape.js';
import { trustedProxies } from './auth/proxy.js';
import { loadUsersFile } from './auth/users-file.js';
import { ConsoleClickHouse } from './clickhouse.js';
import { buildConsoleApp } from './http/app.js';
import { CLICKHOUSE_TLS_SETTING_KEYS, loadClickHouseTls } from '../config/tls-files.js';

/** What the console reads of the configuration. */
export const CONSOLE_SETTING_KEYS = [
  'clickhouse.url',
  'clickhouse.database',
  'clickhouse.request_timeout_ms',
  ...CLICKHOUSE_TLS_SETTING_KEYS,
  ...KEYRING_SETTING_KEYS,
  'rules_dir',
  'log.level',
  'console.host',
  'console.port',
  'console.auth',
  'console.users_file',
  'console.trusted_proxies',
  'console.session_key',
  'console.session_hours',
  'console.cookie_secure',
  'console.login_attempts_per_minute',
  'console.max_exception_days',
  'console.clickhouse_username',
  'console.clickhouse_password',
  'console.clickhouse_writer_username',
  'console.clickhouse_writer_password',
] as const satisfies readonly (keyof Settings)[];
export type ConsoleSettings = Pick<Settings, (typeof CONSOLE_SETTING_KEYS)[number]>;

export interface RunningConsole {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export class ConsoleStartError extends CustosError {
  constructor(message: string) {
    super('CUSTOS_CONFIG', message);
    this.name = 'ConsoleStartError';
  }
}

export async function startConsole(settings: ConsoleSettings, logger: Logger, signal?: AbortSignal): Promise<RunningConsole> {
  const auth = settings['console.auth'];
  const users = loadUsersFile(settings['console.users_file'], auth);
  let trusted;
  try {
    trusted = trustedProxies(settings['console.trusted_proxies']);
  } catch (err) {
    throw new ConsoleStartError((err as Error).message);
  }
  if (auth === 'proxy' && settings['console.trusted_proxies'].length === 0) {
    throw new ConsoleStartError('console.auth is proxy but CUSTOS_CONSOLE_TRUSTED_PROXIES is empty: no request could be believed');
  }
  const rules = loadRuleSet(settings.rules_dir);
  let sessionKey: Buffer;
  if (settings['console.session_key'] === '') {
    sessionKey = randomBytes(32);
    logger.warn('CUSTOS_CONSOLE_SESSION_KEY is not set: a random key was made, so sessions end when the console restarts and are not shared between instances');
  } else sessionKey = Buffer.from(settings['console.session_key'], 'hex');

  const options = {
    url: settings['clickhouse.url'],
    database: settings['clickhouse.database'],
    requestTimeoutMs: settings['clickhouse.request_timeout_ms'],
    // The monitor's CA and client certificate: both console users connect with them.
    ...loadClickHouseTls(settings),
    reader: { username: settings['console.clickhouse_username'], password: settings['console.clickhouse_password'] },
    writer: { username: settings['console.clickhouse_writer_username'], password: settings['console.clickhouse_writer_password'] },
  };
  let connected: ConsoleClickHouse | undefined;
  try {
    // The server may still be starting, and `custos db migrate` makes the schema: both users must reach their tables.
    await retryStartup('clickhouse (console schema)', logger, async () => {
      connected ??= await ConsoleClickHouse.connect(options);
      await selectRows(connected.reader, `SELECT alert_id FROM ${qualifiedTable(connected.consoleDatabase, TABLES.alertsTriaged)} LIMIT 0`, TABLES.alertsTriaged);
      await selectRows(connected.writer, `SELECT alert_id FROM ${qualifiedTable(connected.consoleDatabase, TABLES.alertTriage)} LIMIT 0`, TABLES.alertTriage);
    }, 120_000, signal);
    const db = connected as unknown as ConsoleClickHouse;
    const app = await buildConsoleApp({
      db,
      users,
      auth,
      trustedProxies: trusted,
      sessionKey,
      sessionHours: settings['console.session_hours'],
      cookieSecure: settings['console.cookie_secure'],
      loginAttemptsPerMinute: settings['console.login_attempts_per_minute'],
      maxExceptionDays: settings['console.max_exception_days'],
      keyring: keyringFromSettings(settings),
      rulesDir: settings.rules_dir,
      rules,
      logger,
    });
    const address = await app.listen({ host: settings['console.host'], port: settings['console.port'] });
    const url = address;
    logger.info({ url, auth, users: users.users.length }, 'console listening');
    return {
      url,
      app,
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await connected?.close().catch(() => undefined);
    throw err;
  }
}
