/**
 * `custos bench console`: how long the analysts' console takes to render its
 * two heaviest pages on a large store — the queue with 10,000 alerts, and the
 * alert page of an actor with 100,000 events (seed.ts) — through the real HTTP
 * server: `custos console` runs as its own process on the real ClickHouse,
 * and is asked for each page by a signed-in client, several rounds.
 *
 * Per page and round: wall time per request, the console process's CPU per
 * request (utime + stime from /proc), and the ClickHouse server's CPU per
 * request (the process listening on the ClickHouse port, when readable).
 * Side by side, in the same rounds, the baseline: the same page's ClickHouse
 * queries run directly from this process (the data alone, no HTTP, session or
 * templates). Ranges over rounds, not a single figure: the machine is shared.
 *
 * A scratch database, dropped afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashPassword } from '../../../console/auth/passwords.js';
import { ConsoleClickHouse } from '../../../console/clickhouse.js';
import { loadActorPage } from '../../../console/pages/actor.js';
import { loadAlertPage } from '../../../console/pages/alert.js';
import { loadQueue } from '../../../console/pages/queue.js';
import { loadRuleSet } from '../../../runtime/engine/index.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';
import { ClickHouseStore } from '../../../runtime/outputs/clickhouse/store.js';
import { pidListeningOn, portOf, processCpuMicros } from '../throughput/service-cpu.js';
import { HEAVY_ACTOR, seed } from './seed.js';

export interface ConsoleBenchOptions {
  readonly clickhouseUrl: string;
  readonly clickhouseUsername: string;
  readonly clickhousePassword: string;
  readonly alerts: number;
  readonly events: number;
  readonly rounds: number;
  /** Requests per page and round. */
  readonly requests: number;
  readonly rulesDir: string;
}

interface Sample {
  wallMs: number;
  consoleCpuMs: number | null;
  clickhouseCpuMs: number | null;
}

const PSEUDONYM_KEY = 'bench-console-pseudonym-key-0123456789abcdef';

/** The console as its own process (the built CLI), on a free port; resolves with its URL and pid. */
async function startConsoleProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../../../cli/main.js'), 'console', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the console did not start within 120 s:\n${err}`)), 120_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /custos console at (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the console exited (${code}):\n${err}`));
    });
  });
  return { child, url };
}

/** Signs in as a form would (CSRF token from the login page, then the session cookie). */
async function signIn(base: string, username: string, password: string): Promise<string> {
  const login = await fetch(`${base}/login`);
  const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
    body: new URLSearchParams({ _csrf: csrf, username, password }).toString(),
  });
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('custos_console='));
  if (res.status !== 303 || session === undefined) throw new Error(`sign-in failed: ${res.status}`);
  return [...cookies.filter((c) => !c.startsWith('custos_console=')), session].join('; ');
}

const cpuMs = (pid: number | null) => {
  const us = processCpuMicros(pid);
  return us === null ? null : us / 1000;
};

/** `n` runs of `work`, one after another; per-run averages of wall time and the two processes' CPU. */
async function measure(n: number, consolePid: number | null, clickhousePid: number | null, work: () => Promise<void>): Promise<Sample> {
  const c0 = cpuMs(consolePid);
  const k0 = cpuMs(clickhousePid);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await work();
  const wall = performance.now() - t0;
  const c1 = cpuMs(consolePid);
  const k1 = cpuMs(clickhousePid);
  return { wallMs: wall / n, consoleCpuMs: c0 === null || c1 === null ? null : (c1 - c0) / n, clickhouseCpuMs: k0 === null || k1 === null ? null : (k1 - k0) / n };
}

const range = (xs: readonly (number | null)[]): string => {
  const v = xs.filter((x): x is number => x !== null);
  if (v.length === 0) return 'n/a';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
};

export async function runConsoleBenchmark(o: ConsoleBenchOptions): Promise<void> {
  const database = `custos_bench_console_${randomBytes(4).toString('hex')}`;
  const auth = { url: o.clickhouseUrl, username: o.clickhouseUsername, password: o.clickhousePassword };
  const store = await ClickHouseStore.open({ ...auth, database, retentionDays: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-console-'));
  let child: ChildProcess | undefined;
  let direct: ConsoleClickHouse | undefined;
  try {
    direct = await ConsoleClickHouse.connect({ url: o.clickhouseUrl, database, requestTimeoutMs: 60_000, reader: auth, writer: auth });
    const baseline = direct;
    const seeding = performance.now();
    const nowMs = Date.now();
    const seeded = await seed(store, { alerts: o.alerts, heavyEvents: o.events, peers: 20, nowMs });
    process.stderr.write(`seeded ${seeded.alerts} alerts, ${seeded.events} events of ${HEAVY_ACTOR}, ${seeded.activityRows} activity rows, ${seeded.triageRows} triage rows in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);

    const password = randomBytes(12).toString('hex');
    const usersFile = join(dir, 'users.yaml');
    writeFileSync(usersFile, `users:\n  - username: bench\n    role: viewer\n    password_hash: "${await hashPassword(password)}"\n`);
    // The console reads as the administrator here: the scratch database is in no user's grants.
    const started = await startConsoleProcess({
      PATH: process.env.PATH,
      CUSTOS_CLICKHOUSE_URL: o.clickhouseUrl,
      CUSTOS_CLICKHOUSE_DATABASE: database,
      CUSTOS_CONSOLE_CLICKHOUSE_USERNAME: o.clickhouseUsername,
      CUSTOS_CONSOLE_CLICKHOUSE_PASSWORD: o.clickhousePassword,
      CUSTOS_CONSOLE_CLICKHOUSE_WRITER_USERNAME: o.clickhouseUsername,
      CUSTOS_CONSOLE_CLICKHOUSE_WRITER_PASSWORD: o.clickhousePassword,
      CUSTOS_CONSOLE_PORT: '0',
      CUSTOS_CONSOLE_USERS_FILE: usersFile,
      CUSTOS_CONSOLE_SESSION_KEY: randomBytes(32).toString('hex'),
      CUSTOS_CONSOLE_COOKIE_SECURE: 'false',
      CUSTOS_CONSOLE_LOGIN_ATTEMPTS_PER_MINUTE: '100',
      CUSTOS_PSEUDONYM_KEY: PSEUDONYM_KEY,
      CUSTOS_RULES_DIR: o.rulesDir,
      CUSTOS_LOG_LEVEL: 'warn',
    });
    child = started.child;
    const base = started.url;
    const consolePid = child.pid ?? null;
    const clickhousePid = pidListeningOn(portOf(o.clickhouseUrl, 8123));
    const cookie = await signIn(base, 'bench', password);
    const rules = loadRuleSet(o.rulesDir);

    const page = (path: string) => async () => {
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      if (body.length < 1000) throw new Error(`GET ${path}: a ${body.length}-byte page`);
    };
    const cases = [
      {
        name: `queue (${o.alerts} alerts)`,
        http: page('/queue'),
        data: async () => void (await loadQueue(baseline, { status: 'active', severity: null, rule: null, actor: null, fromMs: null, toMs: null, sort: 'severity', page: 0 })),
      },
      {
        name: `alert page (${o.events} events)`,
        http: page(`/alerts/${encodeURIComponent(seeded.heavyAlertId)}`),
        data: async () => {
          if ((await loadAlertPage(baseline, seeded.heavyAlertId, rules)) === null) throw new Error('the heavy alert is missing');
        },
      },
      {
        name: `actor page (${o.events} events)`,
        http: page(`/actors/${HEAVY_ACTOR}`),
        data: async () => void (await loadActorPage(baseline, HEAVY_ACTOR)),
      },
    ];
    // A warm-up of each (first requests compile templates and open sockets), not counted.
    for (const c of cases) {
      await c.http();
      await c.data();
    }
    const results = cases.map(() => ({ http: [] as Sample[], data: [] as Sample[] }));
    for (let round = 0; round < o.rounds; round++) {
      for (const [i, c] of cases.entries()) {
        // Alternating which side goes first, so neither always meets a warmer cache.
        const sides = round % 2 === 0 ? (['http', 'data'] as const) : (['data', 'http'] as const);
        for (const side of sides) results[i]?.[side].push(await measure(o.requests, side === 'http' ? consolePid : null, clickhousePid, c[side]));
      }
      process.stderr.write(`round ${round + 1}/${o.rounds}\n`);
    }

    const [server] = await (await store.client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>();
    console.log(`ClickHouse ${server?.v ?? '?'} at ${o.clickhouseUrl}; ${o.rounds} rounds of ${o.requests} requests per page; ranges over rounds of the per-request mean (ms)`);
    console.log(`${'page'.padEnd(28)} ${'side'.padEnd(24)} ${'wall'.padStart(13)} ${'console CPU'.padStart(13)} ${'ClickHouse CPU'.padStart(15)}`);
    for (const [i, c] of cases.entries()) {
      const r = results[i];
      if (r === undefined) continue;
      const line = (side: string, s: Sample[], cpu: boolean) =>
        `${c.name.padEnd(28)} ${side.padEnd(24)} ${range(s.map((x) => x.wallMs)).padStart(13)} ${(cpu ? range(s.map((x) => x.consoleCpuMs)) : '-').padStart(13)} ${range(s.map((x) => x.clickhouseCpuMs)).padStart(15)}`;
      console.log(line('HTTP (custos console)', r.http, true));
      console.log(line('baseline: its queries', r.data, false));
    }
  } finally {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await direct?.close();
    rmSync(dir, { recursive: true, force: true });
    for (let attempt = 1; ; attempt++) {
      try {
        await dropSchema(store.client, database);
        break;
      } catch (err) {
        if (attempt >= 3) {
          console.error(`could not drop the scratch databases ${database}, ${database}_console`);
          throw err;
        }
      }
    }
    await store.close();
  }
}
