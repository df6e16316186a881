/**
 * `custos backtest` refuses what it cannot run with exit 78 and a message
 * naming the problem, before reading any event; time arguments are parsed
 * strictly (a local time without an offset is refused).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { instantArg } from '../../../src/cli/arguments.js';
import { backtestCommand, type BacktestCliOptions } from '../../../src/cli/backtest.js';
import { withPaths } from '../../../src/cli/backtest-input.js';
import { captureIo, tempDir } from '../backtest/support.js';

const EVENTS = (() => {
  const dir = tempDir();
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, '');
  return file;
})();

const fileRun = (over: Partial<BacktestCliOptions> = {}): BacktestCliOptions => ({
  fromFile: EVENTS,
  directory: 'rules/enrichment/actors.csv',
  defaultTimezone: 'UTC',
  history: true,
  rules: 'rules',
  ...over,
});

const SINCE = Date.parse('2026-03-20T00:00:00Z');
const UNTIL = Date.parse('2026-03-21T00:00:00Z');

async function refused(o: BacktestCliOptions, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const io = captureIo(env);
  expect(await backtestCommand(o, io)).toBe(78);
  expect(io.stdout()).toBe('');
  return io.stderr();
}

function brokenRulesDir(): string {
  const dir = join(tempDir('custos-rules-'), 'rules');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'broken.yaml'),
    [
      'rules:',
      '  - id: broken.rule',
      '    version: 1',
      '    kind: policy',
      '    title: t',
      '    description: d',
      '    tuning: t',
      '    severity: catastrophic',
      '    when: { field: actor.employment_status, eq: terminated }',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('backtest arguments', () => {
  it('needs exactly one input', async () => {
    expect(await refused({ defaultTimezone: 'UTC', history: true, rules: 'rules' })).toMatch(/exactly one input/);
    expect(await refused(fileRun({ fromClickhouse: true, since: SINCE, until: UNTIL }))).toMatch(/exactly one input/);
  });

  it('needs a directory for a file, and a range for ClickHouse', async () => {
    expect(await refused(fileRun({ directory: undefined }))).toMatch(/--directory/);
    expect(await refused(fileRun({ since: SINCE }))).toMatch(/--since and --until select a ClickHouse range/);
    const ch = { fromClickhouse: true, defaultTimezone: 'UTC', history: true, rules: 'rules' } as const;
    expect(await refused({ ...ch, since: SINCE })).toMatch(/needs --since TIME and --until TIME/);
    expect(await refused({ ...ch, since: UNTIL, until: SINCE })).toMatch(/--until must be after --since/);
    expect(await refused({ ...ch, since: SINCE, until: UNTIL, directory: 'actors.csv' })).toMatch(/already enriched/);
  });

  it('names a missing events file or rules folder', async () => {
    expect(await refused(fileRun({ fromFile: '/nonexistent/events.ndjson' }))).toMatch(/cannot read \/nonexistent\/events.ndjson/);
    expect(await refused(fileRun({ compareRules: '/nonexistent/rules' }))).toMatch(/rules folder not found: \/nonexistent\/rules/);
  });

  it('lists every problem of invalid rules with file, line and reason', async () => {
    const broken = brokenRulesDir();
    const err = await refused(fileRun({ compareRules: broken }));
    expect(err).toContain('invalid rules');
    expect(err).toMatch(new RegExp(`${join(broken, 'broken.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:8: .*severity`));
  });

  it('names an invalid enrichment file', async () => {
    const dir = tempDir();
    const zones = join(dir, 'zones.yaml');
    writeFileSync(zones, 'zones: [1, 2\n');
    expect(await refused(fileRun({ zones }))).toMatch(/invalid enrichment files:\n {2}.*zones\.yaml/);
  });

  it('refuses a pseudonym key that is too short', async () => {
    expect(await refused(fileRun(), { CUSTOS_PSEUDONYM_KEY: 'short' })).toMatch(/CUSTOS_PSEUDONYM_KEY must be at least 32 characters/);
  });

  it('names the missing ClickHouse setting (and needs no Kafka or pseudonym key)', async () => {
    const err = await refused({ fromClickhouse: true, since: SINCE, until: UNTIL, defaultTimezone: 'UTC', history: true, rules: 'rules' });
    expect(err).toMatch(/CUSTOS_CLICKHOUSE_URL is required/);
    expect(err).not.toMatch(/CUSTOS_KAFKA_BROKERS|CUSTOS_PSEUDONYM_KEY/);
  });
});

describe('instantArg', () => {
  it('reads RFC 3339 with an offset, a UTC date, or epoch milliseconds', () => {
    expect(instantArg('2026-03-20T08:00:00Z')).toBe(Date.parse('2026-03-20T08:00:00Z'));
    expect(instantArg('2026-03-20T09:30:00.250+01:00')).toBe(Date.parse('2026-03-20T08:30:00.250Z'));
    expect(instantArg('2026-03-20')).toBe(Date.parse('2026-03-20T00:00:00Z'));
    expect(instantArg('1774000000000')).toBe(1_774_000_000_000);
  });

  it('refuses a local time without an offset, and anything else', () => {
    for (const v of ['2026-03-20T08:00:00', 'yesterday', '2026-02-30x', '', '-5']) expect(() => instantArg(v), v).toThrow(InvalidArgumentError);
  });
});

describe('backtest paths (issue 12, finding 3)', () => {
  it('without --rules, reads the rules folder and its enrichment files from CUSTOS_RULES_DIR', async () => {
    const dir = brokenRulesDir();
    const err = await refused(fileRun({ rules: undefined }), { CUSTOS_RULES_DIR: dir });
    expect(err).toContain(join(dir, 'broken.yaml'));
  });
});

describe('backtest --default-timezone', () => {
  it('defaults to the monitor\'s setting (environment, else config file, else UTC); the flag wins', () => {
    const { defaultTimezone: _, ...noFlag } = fileRun();
    expect(withPaths(noFlag, captureIo({ CUSTOS_DEFAULT_TIMEZONE: 'Europe/Berlin' })).defaultTimezone).toBe('Europe/Berlin');
    expect(withPaths(noFlag, captureIo({})).defaultTimezone).toBe('UTC');
    expect(withPaths({ ...noFlag, defaultTimezone: 'Asia/Tokyo' }, captureIo({ CUSTOS_DEFAULT_TIMEZONE: 'Europe/Berlin' })).defaultTimezone).toBe('Asia/Tokyo');
  });

  it('refuses a default time zone setting that is not an IANA zone, naming the setting', async () => {
    const { defaultTimezone: _, ...noFlag } = fileRun();
    expect(await refused(noFlag, { CUSTOS_DEFAULT_TIMEZONE: 'Mars/Base' })).toMatch(/CUSTOS_DEFAULT_TIMEZONE|default time zone/);
  });
});
