/**
 * Drives the console's HTTP app in-process (fastify inject: the real routes,
 * sessions, CSRF checks and ClickHouse writes, without a socket) as one
 * signed-in browser would: a cookie jar for the session cookie, the CSRF token
 * read from the last page's forms.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../../src/console/auth/passwords.js';
import { parseUsersFile, type UserDirectory } from '../../../src/console/auth/users-file.js';
import type { Role } from '../../../src/console/auth/roles.js';

/** A cheap scrypt cost for tests (the default costs 100 ms and 128 MB per hash). */
const TEST_COST = { N: 1024, r: 8, p: 1 } as const;

export interface TestUser {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
}

export async function testUsers(users: readonly TestUser[]): Promise<UserDirectory> {
  const lines = ['users:'];
  for (const u of users) lines.push(`  - username: ${u.username}`, `    role: ${u.role}`, `    password_hash: "${await hashPassword(u.password, TEST_COST)}"`);
  return parseUsersFile('test-users.yaml', lines.join('\n') + '\n', 'users_file');
}

export const randomSessionKey = (): Buffer => randomBytes(32);

export interface Response {
  readonly status: number;
  readonly body: string;
  readonly location: string | undefined;
}

export class ConsoleBrowser {
  private cookie = '';
  private csrf = '';

  constructor(private readonly app: FastifyInstance) {}

  async get(url: string): Promise<Response> {
    const res = await this.app.inject({ method: 'GET', url, headers: this.cookie ? { cookie: this.cookie } : {} });
    return this.took(res);
  }

  /** A form post carrying the CSRF token of the last page (unless `csrf: false`). */
  async post(url: string, form: Record<string, string | string[]>, opts: { csrf?: boolean } = {}): Promise<Response> {
    const body = new URLSearchParams();
    if (opts.csrf !== false) body.append('_csrf', this.csrf);
    for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.cookie ? { cookie: this.cookie } : {}) },
    });
    return this.took(res);
  }

  async signIn(u: TestUser): Promise<void> {
    await this.get('/login');
    const res = await this.post('/login', { username: u.username, password: u.password });
    if (res.status !== 303 || res.location !== '/queue') throw new Error(`sign-in of ${u.username} failed: ${res.status} ${res.location}`);
    await this.get('/queue');
  }

  private took(res: { statusCode: number; body: string; headers: Record<string, unknown> }): Response {
    const set = res.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set === undefined ? [] : [String(set)]) {
      const pair = String(c).split(';')[0] ?? '';
      if (pair.startsWith('custos_console=')) this.cookie = pair;
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (token?.[1]) this.csrf = token[1];
    const location = res.headers.location;
    return { status: res.statusCode, body: res.body, location: typeof location === 'string' ? location : undefined };
  }
}
