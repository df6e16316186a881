/**
 * docs/adapting.md, followed step by step on its sample organisation
 * (test/fixtures/adapting/): every command block marked `<!-- step: NAME -->`
 * is taken from the guide and run as written by bash, with ORG set to the
 * fixture folder and `custos` the built CLI, against the real Kafka and
 * ClickHouse; each step's outcome is checked, including the output excerpts
 * and the table of expected alerts the guide shows. Edit the guide or the
 * fixture and this test follows, so the guide cannot go stale.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollQuery, testClickHouse } from '../../support/clickhouse.js';
import { createTopic, readTopic, testKafka } from '../../support/kafka.js';
import { tempDir } from '../../support/temp-dir.js';
import { newScenario, scenarioEnv } from '../pipeline/fixtures.js';
import { dropSchema } from '../../../src/runtime/outputs/clickhouse/ensure-schema.js';

const GUIDE = readFileSync('docs/adapting.md', 'utf8');
const FIXTURE = resolve('test/fixtures/adapting');

interface Step {
  readonly script: string;
  /** The plain fenced block right after the command, if any: an excerpt of what it prints. */
  readonly shown: string | null;
}

/** The marked command blocks, by name, each with the output excerpt that follows it. */
function guideSteps(text: string): Map<string, Step> {
  const steps = new Map<string, Step>();
  const re = /<!-- step: ([\w-]+) -->\n```sh\n([\s\S]*?)```\n(?:\n(?:[^\n`][^\n]*\n)*?\n?```\n([\s\S]*?)```)?/g;
  for (const m of text.matchAll(re)) steps.set(m[1] as string, { script: m[2] as string, shown: m[3] ?? null });
  return steps;
}

/** An excerpt line matches an output line; `...` stands for anything. Lines of only `...` are skipped. */
function expectShown(output: string, shown: string | null): void {
  expect(shown, 'the guide shows what this step prints').not.toBeNull();
  const lines = output.split('\n');
  for (const want of (shown as string).split('\n').filter((l) => l.trim() !== '' && l.trim() !== '...')) {
    const pattern = new RegExp(`^${want.split('...').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    expect(
      lines.some((l) => pattern.test(l)),
      `the guide shows "${want}"; the output was:\n${output}`,
    ).toBe(true);
  }
}

/** The guide's table of expected alerts: [actor, rule, severity] rows. */
function expectedAlerts(text: string): string[][] {
  const at = text.indexOf('<!-- expected-alerts -->');
  expect(at).toBeGreaterThan(0);
  const rows = text.slice(at).split('\n').slice(1);
  const table = rows.slice(0, rows.findIndex((l, i) => i > 0 && !l.startsWith('|')));
  return table.slice(2).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

interface Ran {
  readonly code: number | null;
  readonly output: string;
}

describe('docs/adapting.md on the sample organisation', () => {
  const steps = guideSteps(GUIDE);
  const scenario = newScenario('adapting');
  let work: string;
  let env: Record<string, string>;
  let ch: ClickHouseClient;

  const step = (name: string): Step => {
    const s = steps.get(name);
    if (s === undefined) throw new Error(`docs/adapting.md has no step "${name}"`);
    return s;
  };
  const spawnStep = (name: string) =>
    spawn('bash', ['-euo', 'pipefail', '-c', step(name).script], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const runStep = (name: string): Promise<Ran> =>
    new Promise((done, fail) => {
      const child = spawnStep(name);
      let output = '';
      child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.on('error', fail);
      child.on('exit', (code) => done({ code, output }));
    });

  beforeAll(() => {
    work = tempDir('custos-adapting-');
    // `custos` as the guide writes it: the built CLI of this checkout.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'custos'), `#!/bin/sh\nexec "${process.execPath}" "${resolve('dist/cli/main.js')}" "$@"\n`);
    chmodSync(join(bin, 'custos'), 0o755);
    // The monitor's settings, as "Before you start" has the reader export them; ORG is the sample.
    env = { ...scenarioEnv(scenario), PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: work, TMPDIR: work, ORG: FIXTURE };
    ch = testClickHouse();
  });
  afterAll(async () => {
    if (ch !== undefined) await dropSchema(ch, scenario.database);
    await ch?.close();
  });

  it('names every file of the sample organisation, and only files that exist', () => {
    const named = new Set([...GUIDE.matchAll(/`(test\/fixtures\/adapting\/[^`]+)`/g)].map((m) => m[1] as string));
    for (const f of named) expect(existsSync(f), f).toBe(true);
    const shippedCopies = /^rules\/(policy|rate|conditions|lists)\/|^rules\/settings\.yaml$/;
    const own: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (!shippedCopies.test(relative(FIXTURE, path))) own.push(relative('.', path));
      }
    };
    walk(FIXTURE);
    expect(own.sort()).toEqual([...named].filter((f) => !f.endsWith('/')).sort());
  });

  it('step 6: the rule test cases pass', async () => {
    const r = await runStep('rules-test');
    expect(r.code, r.output).toBe(0);
    expectShown(r.output, step('rules-test').shown);
  });

  it('step 7: custos check passes on the good configuration, with the summary the guide shows', async () => {
    const r = await runStep('check');
    expect(r.code, r.output).toBe(0);
    expectShown(r.output, step('check').shown);
    // The files in use are Nordwind's, found inside its rules folder.
    expect(r.output).toContain(`directory: ${FIXTURE}/rules/enrichment/actors.csv (default: inside the rules folder (CUSTOS_RULES_DIR))`);
  });

  it('step 7: custos check catches the planted mistakes, each with its file, line and reason, and exits 78', async () => {
    const r = await runStep('check-mistakes');
    expect(r.code, r.output).toBe(78);
    expectShown(r.output, step('check-mistakes').shown);
  });

  it('step 8: check --events finds no gaps in the day, with the per-rule shares the guide shows', async () => {
    const r = await runStep('check-events');
    expect(r.code, r.output).toBe(0);
    expectShown(r.output, step('check-events').shown);
    expect(r.output).not.toMatch(/^warning: .*2026-03-10\.ndjson/m);
  });

  let alertIds: string[] = [];
  it('step 8: the backtest of the day writes the alerts the guide lists, as webhook bodies', async () => {
    const r = await runStep('backtest');
    expect(r.code, r.output).toBe(0);
    const file = join(work, 'alerts-2026-03-10.ndjson');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; timestamp: string; data: { alert_id: string; revision: number; actor_id: string; rule_id: string; severity: string; status: string } });
    for (const l of lines) expect(Object.keys(l)).toEqual(['type', 'timestamp', 'data']);
    const openings = lines.filter((l) => l.type === 'custos.alert.opened');
    expect(openings.map((l) => [l.data.actor_id, l.data.rule_id, l.data.severity])).toEqual(expectedAlerts(GUIDE));
    expect(openings.every((l) => l.data.revision === 1)).toBe(true);
    // "the file has its closing revision too"
    expect(lines.filter((l) => l.data.status === 'closed').map((l) => l.data.alert_id).sort()).toEqual(openings.map((l) => l.data.alert_id).sort());
    alertIds = openings.map((l) => l.data.alert_id).sort();
  });

  it('step 9: produce puts the day on the topic, and run raises the same alerts', async () => {
    expect(alertIds.length).toBeGreaterThan(0);
    const kafka = testKafka(inject('kafkaBrokers'));
    await createTopic(kafka, scenario.topic, 3);
    const produced = await runStep('produce');
    expect(produced.code, produced.output).toBe(0);
    const lines = readFileSync(join(FIXTURE, 'events/2026-03-10.ndjson'), 'utf8').trim().split('\n');
    expect(produced.output).toContain(`sent ${lines.length} events to ${scenario.topic}`);
    const got = await readTopic(kafka, scenario.topic, lines.length);
    for (const m of got) expect(m.key).toBe((JSON.parse(m.value?.toString('utf8') ?? '{}') as { actor_id: string }).actor_id);

    const monitor = spawnStep('run');
    let output = '';
    monitor.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    monitor.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<number | null>((done) => monitor.on('exit', (code) => done(code)));
    try {
      const rows = await pollQuery<{ alert_id: string }>(
        ch,
        `SELECT alert_id FROM ${scenario.database}.alerts_latest ORDER BY alert_id`,
        (rs) => rs.length >= alertIds.length,
        120_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nmonitor output:\n${output}`);
      });
      expect(rows.map((r) => r.alert_id)).toEqual(alertIds);
    } finally {
      // The whole process group: bash and the monitor it started.
      if (monitor.pid !== undefined) process.kill(-monitor.pid, 'SIGTERM');
    }
    expect(await exited, output).toBe(0);
  });

  it('step 10: check --from-clickhouse judges the stored day as check --events judged the file', async () => {
    const lines = readFileSync(join(FIXTURE, 'events/2026-03-10.ndjson'), 'utf8').trim().split('\n').length;
    await pollQuery<{ n: string }>(ch, `SELECT count() AS n FROM ${scenario.database}.access_events_dedup`, (rs) => Number(rs[0]?.n) === lines, 60_000);
    const stored = await runStep('check-stored');
    expect(stored.code, stored.output).toBe(0);
    expectShown(stored.output, step('check-stored').shown);
    // Every policy rule's line as the file gave it in step 8.
    const fromFile = await runStep('check-events');
    const ruleLines = (out: string) => out.split('\n').filter((l) => l.startsWith('policy.'));
    expect(ruleLines(stored.output).length).toBeGreaterThan(0);
    expect(ruleLines(stored.output)).toEqual(ruleLines(fromFile.output));
    expect(stored.output).not.toMatch(/^warning: ClickHouse/m);
  });
});
