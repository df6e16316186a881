/**
 * `custos run` exit codes a supervisor relies on (README "signal / exit"):
 * 78 for a problem in the configuration, reported before anything connects.
 * Runs the built CLI (npm test builds first).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';
import { testClickHouse } from '../../support/clickhouse.js';
import { scenarioEnv } from '../pipeline/fixtures.js';

/** Runs `custos run`; `onOutput` sees the output so far and may signal the child. */
function runCli(
  env: Record<string, string>,
  onOutput?: (output: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'run'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      onOutput?.(output, child);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('custos run exit codes', () => {
  let taken: Server;
  let takenPort = 0;
  const scenario = {
    topic: `exit-codes-${Date.now()}`,
    deadLetterTopic: `exit-codes-dlq-${Date.now()}`,
    groupId: `exit-codes-${Date.now()}`,
    database: `exit_codes_${Date.now()}`,
  };

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    takenPort = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    // The runs that get as far as ClickHouse create the database (and its console one).
    const ch = testClickHouse();
    await dropSchema(ch, scenario.database);
    await ch.close();
  });

  it('exits 78 when the metrics port is taken, before creating the database', async () => {
    const base = scenarioEnv(scenario);
    const { code, output } = await runCli({ ...base, CUSTOS_METRICS_HOST: '127.0.0.1', CUSTOS_METRICS_PORT: String(takenPort) });
    expect(code).toBe(78);
    expect(output).toContain('cannot serve /metrics');
    // Nothing was started: the monitor never reached ClickHouse to create its database.
    const sql = `SELECT count() FROM system.databases WHERE name = '${scenario.database}'`;
    const response = await fetch(`${base.CUSTOS_CLICKHOUSE_URL ?? ''}/?query=${encodeURIComponent(sql)}`, {
      headers: { 'X-ClickHouse-User': base.CUSTOS_CLICKHOUSE_USERNAME ?? 'default', 'X-ClickHouse-Key': base.CUSTOS_CLICKHOUSE_PASSWORD ?? '' },
    });
    expect((await response.text()).trim()).toBe('0');
  });

  it('logs the settings warnings of custos check at start, never the secret itself', async () => {
    // A webhook secret with no webhook to sign is valid alone and misfires with the rest (settings-checks.ts).
    const secret = `whsec_${Buffer.from('an unused webhook secret, 32 bytes').toString('base64')}`;
    const { code, output } = await runCli({
      ...scenarioEnv(scenario),
      CUSTOS_WEBHOOK_URLS: '',
      CUSTOS_WEBHOOK_SECRET: secret,
      CUSTOS_METRICS_HOST: '127.0.0.1',
      // The start ends at the taken metrics port, right after the checks: nothing connects.
      CUSTOS_METRICS_PORT: String(takenPort),
    });
    expect(code).toBe(78);
    const warnings = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; reason?: string; file?: string })
      .filter((l) => l.msg === 'configuration warning' && l.file === 'settings');
    expect(warnings.map((w) => w.reason)).toEqual([expect.stringContaining('CUSTOS_WEBHOOK_SECRET is set, but CUSTOS_WEBHOOK_URLS is empty')]);
    expect(output).not.toContain(secret);
  });

  it('exits 0 at once on SIGTERM while still waiting for a service at start', async () => {
    let signalled = false;
    // Nothing listens on port 9 (discard) here: ClickHouse is "not up yet", retried for up to 2 minutes.
    const { code, output } = await runCli({ ...scenarioEnv(scenario), CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:9', CUSTOS_LOG_LEVEL: 'info' }, (text, child) => {
      if (!signalled && text.includes('service not ready')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    expect(signalled).toBe(true);
    expect(code).toBe(0);
    expect(output).toContain('stopped before the start completed');
  }, 30_000);

  it('waits for a Kafka broker that is not up yet at start (past kafkajs` own retries), and exits 0 on SIGTERM meanwhile', async () => {
    let signalled = false;
    // Nothing listens on port 9: the broker is "not up yet". kafkajs gives up its own reconnects after
    // about 10 s and calls that "not retriable"; custos must keep waiting (up to 2 minutes), not exit 1.
    const { code, output } = await runCli({ ...scenarioEnv(scenario), CUSTOS_KAFKA_BROKERS: '127.0.0.1:9', CUSTOS_LOG_LEVEL: 'info' }, (text, child) => {
      if (!signalled && /"service":"kafka".*service not ready; retrying/.test(text)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    expect(signalled, output).toBe(true);
    expect(code, output).toBe(0);
    expect(output).toContain('stopped before the start completed');
  }, 60_000);

  it('exits 78 and names the key for an invalid setting', async () => {
    const { code, output } = await runCli({ ...scenarioEnv(scenario), CUSTOS_MAX_MESSAGE_BYTES: 'lots' });
    expect(code).toBe(78);
    expect(output).toContain('CUSTOS_MAX_MESSAGE_BYTES');
  });

  it('exits 78 within seconds, naming the settings, when ClickHouse refuses the credentials (not retried for two minutes)', async () => {
    const started = Date.now();
    const { code, output } = await runCli({ ...scenarioEnv(scenario), CUSTOS_CLICKHOUSE_USERNAME: 'custos_no_such_user', CUSTOS_CLICKHOUSE_PASSWORD: 'wrong' });
    expect(code).toBe(78);
    expect(output).toContain('CUSTOS_CLICKHOUSE_AUTH');
    expect(output).toContain('CUSTOS_CLICKHOUSE_PASSWORD');
    expect(output).not.toContain('wrong');
    // Retried, it would have taken the start-up retry period (120 s).
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('exits 78 naming the entry and key for an alert destination with an unknown key', async () => {
    const { code, output } = await runCli({ ...scenarioEnv(scenario), CUSTOS_ALERT_DESTINATIONS: JSON.stringify([{ kind: 'webhook', url: 'https://hooks.example.com/x?token=SECRET', colour: 'red' }]) });
    expect(code).toBe(78);
    expect(output).toContain('alerts.destinations[0] (webhook)');
    expect(output).toContain('colour');
    expect(output).not.toContain('SECRET');
  });
  it('exits 78 for an unknown CUSTOS_* variable, naming the nearest known one (issue 12, finding 9)', async () => {
    const { code, output } = await runCli({ ...scenarioEnv(scenario), CUSTOS_WEBHOOK_SECRT: 'whsec_' + 'A'.repeat(32) });
    expect(code).toBe(78);
    expect(output).toContain('CUSTOS_WEBHOOK_SECRT is not a custos setting (did you mean CUSTOS_WEBHOOK_SECRET?)');
  });

  it('exits 78 with the check\'s finding for a directory role without a need-to-know entry (issue 12, finding 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-run-check-'));
    const directory = join(dir, 'actors.csv');
    writeFileSync(directory, 'actor_id,role,department,employment_status,timezone,kind,allowed_zones\nzed,svc_etl,data,active,UTC,service,\n');
    try {
      const { code, output } = await runCli({ ...scenarioEnv(scenario), CUSTOS_DIRECTORY_FILE: directory });
      expect(code).toBe(78);
      expect(output).toContain(`${directory}:2: role "svc_etl" (1 actor, first zed) has no need-to-know entry`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
