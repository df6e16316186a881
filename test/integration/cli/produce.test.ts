/**
 * `custos produce FILE`: the built CLI against the real Kafka. Good lines
 * arrive byte for byte, keyed by actor_id, in file order per actor; bad lines
 * are reported by number and reason without their content, and skipped, or
 * with --strict refused with nothing sent.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createTopic, readTopic, testKafka, uniqueName } from '../../support/kafka.js';
import { tempDir } from '../../support/temp-dir.js';

function runProduce(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'produce', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Customer ids planted in the bad lines: they must never appear in the output. */
const SECRET_CUSTOMER = 'cust-7f3a-SECRET';

const ACTORS = ['emp-1', 'emp-2', 'emp-3', 'svc-etl-1', 'emp-5', 'emp-6', 'emp-7'];
const GOOD = 230;

function goodLine(i: number): string {
  const actor = ACTORS[i % ACTORS.length] as string;
  return JSON.stringify({ event_id: `ev-${i}`, ts: Date.UTC(2026, 2, 9, 9) + i * 1000, actor_id: actor, action: 'read', resource_type: 'customer', record_ids: [`cust-${i}`], channel: 'web' });
}

/** The file: good lines with bad ones at known line numbers, a blank line and a CRLF line. */
function writeFixture(dir: string): { file: string; lines: string[]; bad: Map<number, string> } {
  const lines: string[] = [];
  const bad = new Map<number, string>();
  const plant = (text: string, reason: string) => {
    lines.push(text);
    bad.set(lines.length, reason);
  };
  for (let i = 0; i < GOOD; i++) {
    lines.push(goodLine(i));
    if (i === 10) plant(`{"event_id":"x1","actor_id":"emp-1","record_ids":["${SECRET_CUSTOMER}"`, 'malformed_json');
    if (i === 50) plant(JSON.stringify({ event_id: 'x2', ts: '2026-03-09T10:00:00Z', actor_id: 'emp-2', action: 'read', resource_type: 'customer' }), 'missing_field');
    if (i === 90) plant(JSON.stringify({ event_id: 'x3', ts: '2026-03-09T10:00:00Z', actor_id: 'emp-3', action: 'peek', resource_type: 'customer', record_ids: [SECRET_CUSTOMER] }), 'invalid_value');
    if (i === 120) plant(JSON.stringify({ event_id: 'x4', ts: '2026-03-09 10:00', actor_id: 'emp-3', action: 'read', resource_type: 'customer', record_ids: [SECRET_CUSTOMER] }), 'invalid_timestamp');
    if (i === 150) lines.push('');
  }
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, lines, bad };
}

describe('custos produce', () => {
  let kafka: Kafka;
  let dir: string;
  let fixture: ReturnType<typeof writeFixture>;
  const brokers = () => inject('kafkaBrokers');

  beforeAll(() => {
    kafka = testKafka(brokers());
    dir = tempDir('custos-produce-');
    fixture = writeFixture(dir);
  });

  it('sends every good line keyed by actor_id, in order per actor, and reports the bad ones by line number and reason only', async () => {
    const topic = uniqueName('produce-events');
    await createTopic(kafka, topic, 3);
    // No --topic: the monitor's own setting names the topic; small batches, so several sends.
    const r = await runProduce([fixture.file, '--batch', '40'], { CUSTOS_KAFKA_BROKERS: brokers(), CUSTOS_KAFKA_TOPIC: topic });
    expect(r.stderr).not.toContain(SECRET_CUSTOMER);
    expect(r.stdout).not.toContain(SECRET_CUSTOMER);
    expect(r.code).toBe(0);

    const reported = [...r.stderr.matchAll(/events\.ndjson:(\d+): (\w+): /g)].map((m) => [Number(m[1]), m[2]]);
    expect(reported).toEqual([...fixture.bad.entries()]);
    expect(r.stdout).toContain(`${GOOD + 4} non-blank lines, sent ${GOOD} events to ${topic} in 6 batches`);
    expect(r.stdout).toContain('4 bad lines (malformed_json 1, missing_field 1, invalid_value 1, invalid_timestamp 1) skipped');
    // Progress on stderr: the first acknowledged send at least.
    expect(r.stderr).toMatch(/^produce: 40 sent, 1 bad, at line 41$/m);

    const got = await readTopic(kafka, topic, GOOD);
    expect(got).toHaveLength(GOOD);
    for (const m of got) {
      const value = m.value?.toString('utf8') ?? '';
      // The line's bytes unchanged, under its actor's key.
      expect(m.key).toBe((JSON.parse(value) as { actor_id: string }).actor_id);
    }
    for (const actor of ACTORS) {
      const expected = fixture.lines.filter((l, i) => !fixture.bad.has(i + 1) && l !== '' && l.includes(`"actor_id":"${actor}"`));
      expect(got.filter((m) => m.key === actor).map((m) => m.value?.toString('utf8'))).toEqual(expected);
    }
  });

  it('with --strict: every bad line reported, nothing sent, exit 65', async () => {
    const topic = uniqueName('produce-strict');
    await createTopic(kafka, topic, 3);
    const r = await runProduce([fixture.file, '--topic', topic, '--strict'], { CUSTOS_KAFKA_BROKERS: brokers() });
    expect(r.code).toBe(65);
    expect([...r.stderr.matchAll(/events\.ndjson:(\d+): /g)].map((m) => Number(m[1]))).toEqual([...fixture.bad.keys()]);
    expect(r.stderr).not.toContain(SECRET_CUSTOMER);
    expect(r.stdout).toContain('nothing sent (--strict)');
    // The process has exited: had anything been acknowledged, the high watermarks would show it.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.map((o) => o.high)).toEqual(['0', '0', '0']);
    } finally {
      await admin.disconnect();
    }
  });

  it('a clean file with --strict is sent in full', async () => {
    const topic = uniqueName('produce-clean');
    await createTopic(kafka, topic, 2);
    const clean = join(dir, 'clean.ndjson');
    writeFileSync(clean, `${Array.from({ length: 25 }, (_, i) => goodLine(i)).join('\r\n')}`);
    const r = await runProduce([clean, '--topic', topic, '--strict'], { CUSTOS_KAFKA_BROKERS: brokers() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('25 non-blank lines, sent 25 events');
    const got = await readTopic(kafka, topic, 25);
    // CRLF endings are line endings, not part of the value.
    expect(got.map((m) => m.value?.toString('utf8')).sort()).toEqual(Array.from({ length: 25 }, (_, i) => goodLine(i)).sort());
  });

  it('refuses a missing topic and a mistyped setting with exit 78, before sending', async () => {
    const missing = await runProduce([fixture.file, '--topic', uniqueName('produce-none')], { CUSTOS_KAFKA_BROKERS: brokers() });
    expect(missing.code).toBe(78);
    expect(missing.stderr).toMatch(/topic produce-none-\w+ does not exist/);
    const typo = await runProduce([fixture.file], { CUSTOS_KAFKA_BROKERS: brokers(), CUSTOS_KAFKA_TOPC: 'x' });
    expect(typo.code).toBe(78);
    expect(typo.stderr).toContain('CUSTOS_KAFKA_TOPC is not a custos setting (did you mean CUSTOS_KAFKA_TOPIC?)');
  });
});
