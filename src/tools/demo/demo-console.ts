/**
 * The demo's last step: the analysts' console on the demo's database, with
 * three users (analyst, privacy officer, viewer) whose passwords are made
 * now and printed. The demo has no way to add users to the local ClickHouse
 * server, so the console reads and writes as the demo's own ClickHouse user;
 * a deployment gives it its own reader and writer (custos db grants).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSettingsSubset } from '../../config/load.js';
import { hashPassword } from '../../console/auth/passwords.js';
import { CONSOLE_SETTING_KEYS, startConsole, type RunningConsole } from '../../console/console.js';
import type { Logger } from '../../observability/log.js';

export interface DemoConsoleOptions {
  readonly workDir: string;
  readonly clickhouseUrl: string;
  readonly clickhouseUsername: string;
  readonly clickhousePassword: string;
  readonly database: string;
  readonly pseudonymKey: string;
  readonly port: number;
  readonly logger: Logger;
}

export interface DemoLogin {
  readonly username: string;
  readonly role: string;
  readonly password: string;
}

export async function startDemoConsole(o: DemoConsoleOptions): Promise<{ console: RunningConsole; logins: DemoLogin[] }> {
  const logins: DemoLogin[] = [
    { username: 'analyst', role: 'analyst', password: randomBytes(9).toString('base64url') },
    { username: 'privacy', role: 'privacy_officer', password: randomBytes(9).toString('base64url') },
    { username: 'viewer', role: 'viewer', password: randomBytes(9).toString('base64url') },
  ];
  const usersFile = join(o.workDir, 'console-users.yaml');
  const users = await Promise.all(logins.map(async (l) => ({ username: l.username, role: l.role, password_hash: await hashPassword(l.password) })));
  writeFileSync(usersFile, stringify({ users }), { mode: 0o600 });
  const start = (port: number) =>
    startConsole(
      loadSettingsSubset(
        {
          env: {
            CUSTOS_CLICKHOUSE_URL: o.clickhouseUrl,
            CUSTOS_CLICKHOUSE_DATABASE: o.database,
            CUSTOS_PSEUDONYM_KEY: o.pseudonymKey,
            CUSTOS_CONSOLE_USERS_FILE: usersFile,
            CUSTOS_CONSOLE_PORT: String(port),
            CUSTOS_CONSOLE_SESSION_KEY: randomBytes(32).toString('hex'),
            CUSTOS_CONSOLE_CLICKHOUSE_USERNAME: o.clickhouseUsername,
            CUSTOS_CONSOLE_CLICKHOUSE_PASSWORD: o.clickhousePassword,
            CUSTOS_CONSOLE_CLICKHOUSE_WRITER_USERNAME: o.clickhouseUsername,
            CUSTOS_CONSOLE_CLICKHOUSE_WRITER_PASSWORD: o.clickhousePassword,
            CUSTOS_LOG_LEVEL: 'warn',
          },
        },
        CONSOLE_SETTING_KEYS,
      ),
      o.logger,
    );
  let running: RunningConsole;
  try {
    running = await start(o.port);
  } catch (err) {
    // The port is taken (another demo still running): any free one.
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    running = await start(0);
  }
  return { console: running, logins };
}
