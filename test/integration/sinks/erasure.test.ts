/**
 * `custos db erase` on the real server (18.16 in the integration project,
 * the 26.9 engine in clickhouse-modern): events of three customers are
 * stored, one under the old key and the new key (a rotation happened), with
 * subject-report audit rows; one customer is erased (replace mode, in
 * process), another through the built CLI (remove mode). Every table of both
 * databases is then read in full: the erased customers' pseudonyms are
 * nowhere, the third customer's are intact, each erasure has its audit rows,
 * and no audit row holds a clear id or a pseudonym.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleDatabaseOf } from '../../../src/runtime/outputs/clickhouse/ddl.js';
import { insertJsonLines } from '../../../src/runtime/outputs/clickhouse/connection.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { auditLine } from '../../../src/console/audit.js';
import { subjectReport } from '../../../src/console/reports/subject-report.js';
import { eraseCustomer } from '../../../src/privacy/erasure.js';
import { createKeyring, pseudonymsUnderEveryKey, type PseudonymKeyring } from '../../../src/privacy/keyring.js';
import { createPseudonymizer } from '../../../src/privacy/pseudonym.js';
import { alert, event, position, update } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

const OLD_KEY = 'erasure-test-old-pseudonym-key-000000000001';
const NEW_KEY = 'erasure-test-new-pseudonym-key-000000000002';
const ring = createKeyring(NEW_KEY, 'k2', [`:${OLD_KEY}`]);
if (!ring.ok) throw new Error(ring.problems.join('; '));
const keyring: PseudonymKeyring = ring.keyring;
const underOld = createPseudonymizer(OLD_KEY);
const underNew = createPseudonymizer(NEW_KEY, 'k2');

// Clear customer ids: only ever in this process's memory.
const ERASED = 'CUST-ERASE-4711';
const REMOVED = 'CUST-REMOVE-0815';
const KEPT = 'CUST-KEEP-1234';
const all = (id: string) => pseudonymsUnderEveryKey(keyring, id).map((p) => p.pseudonym);

/** Every row of every table (not views) in both databases, as JSON text, per table. */
async function dump(db: TestDatabase): Promise<Map<string, string>> {
  const tables = await db.rows<{ database: string; name: string }>(
    `SELECT database, name FROM system.tables WHERE database IN ('${db.database}', '${consoleDatabaseOf(db.database)}') AND engine NOT IN ('View', 'MaterializedView')`,
  );
  const out = new Map<string, string>();
  for (const t of tables) out.set(`${t.database}.${t.name}`, JSON.stringify(await db.rows(`SELECT * FROM ${t.database}.${t.name}`)));
  return out;
}

const tablesHolding = (d: Map<string, string>, needle: string) => [...d].filter(([, text]) => text.includes(needle)).map(([name]) => name);

async function refsOf(db: TestDatabase, eventId: string): Promise<{ refs: string[]; count: number }> {
  const rows = await db.rows<{ record_refs: string[]; record_count: number }>(`SELECT record_refs, record_count FROM ${db.database}.access_events WHERE event_id = '${eventId}'`);
  expect(rows, eventId).toHaveLength(1);
  return { refs: rows[0]!.record_refs, count: Number(rows[0]!.record_count) };
}

function runCli(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli/main.js', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
    child.stdin.end(stdin);
  });
}

describe('custos db erase', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 400 });
    await store.writeBatch({
      events: [
        // Before the rotation: the unnamed key.
        { event: event({ event_id: 'e-old', actor_id: 'emp-1', record_refs: [underOld(ERASED), underOld(KEPT)], record_count: 2 }), position: position('1') },
        // After it: key k2.
        { event: event({ event_id: 'e-new', actor_id: 'emp-2', record_refs: [underNew(ERASED), underNew(KEPT), underNew(REMOVED)], record_count: 3 }), position: position('2') },
        { event: event({ event_id: 'e-removed', actor_id: 'emp-1', ts: event().ts + 1000, record_refs: [underNew(REMOVED)], record_count: 1 }), position: position('3') },
      ],
      alerts: [update(alert({ alert_id: 'al-erasure', actor_id: 'emp-2' }), true)],
      rejected: [],
      activity: [],
      progress: [{ topic: 'access-events', partition: 0, endOffset: '3', maxTsMs: event().ts + 1000, events: 3 }],
    });
    // Subject reports run before the erasure request, audited by pseudonym (as the console does).
    const audit = [
      auditLine({ username: 'po', role: 'privacy_officer', action: 'subject_report', outcome: 'ok', target: underOld(ERASED), detail: '1 accesses, html' }, Date.now() - 60_000),
      auditLine({ username: 'po', role: 'privacy_officer', action: 'subject_report', outcome: 'ok', target: underNew(KEPT), detail: '2 accesses, csv' }, Date.now() - 30_000),
    ];
    await insertJsonLines(db.client, consoleDatabaseOf(db.database), 'console_audit', audit.join(''));
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('replaces one customer\'s pseudonyms under every key with one random token, audited; the others stay', async () => {
    // store.client: query parameters where the server has them (the modern project), escaping on 18.16.
    const before = await dump(db);
    for (const p of [...all(ERASED), ...all(KEPT), underNew(REMOVED)]) expect(tablesHolding(before, p).length, p).toBeGreaterThan(0);

    const dry = await eraseCustomer(store.client, { database: db.database, keyring, customerId: ERASED, mode: 'replace', requestedBy: 'dpo@shop.example', clickhouseUser: 'default', waitMs: 120_000, dryRun: true });
    expect(dry.rows).toEqual({ [`${db.database}.access_events`]: 2, [`${consoleDatabaseOf(db.database)}.console_audit`]: 1 });
    expect(await dump(db)).toEqual(before);

    const report = await eraseCustomer(store.client, { database: db.database, keyring, customerId: ERASED, mode: 'replace', requestedBy: 'dpo@shop.example', clickhouseUser: 'default', waitMs: 120_000 });
    expect(report.rows).toEqual(dry.rows);
    expect(report.keyIds).toEqual(['k2', '(unnamed)']);

    const after = await dump(db);
    for (const p of all(ERASED)) expect(tablesHolding(after, p), p).toEqual([]);
    for (const p of [underOld(KEPT), underNew(KEPT), underNew(REMOVED)]) expect(tablesHolding(after, p), p).toEqual(tablesHolding(before, p));
    // One token in place of both pseudonyms: the events keep their distinct customers.
    const oldEvent = await refsOf(db, 'e-old');
    const newEvent = await refsOf(db, 'e-new');
    expect(oldEvent.refs).toHaveLength(2);
    expect(newEvent.refs).toHaveLength(3);
    const token = oldEvent.refs[0]!;
    expect(token).toMatch(/^[0-9a-f]{32}@erased$/);
    expect(newEvent.refs[0]).toBe(token);
    // Who looked at this customer: nobody any more; the kept customer's accesses are all there.
    expect((await subjectReport(store.client, db.database, keyring, ERASED)).accesses).toEqual([]);
    expect((await subjectReport(store.client, db.database, keyring, KEPT)).accesses.map((a) => a.event_id).sort()).toEqual(['e-new', 'e-old']);

    // The audit: started, then ok, with who, which keys and how many rows; the target is the erasure's id.
    const audit = await db.rows<{ username: string; role: string; outcome: string; target: string; detail: string }>(
      `SELECT username, role, outcome, target, detail FROM ${consoleDatabaseOf(db.database)}.console_audit WHERE action = 'erasure' ORDER BY at_ms, outcome DESC`,
    );
    expect(audit.map((a) => [a.username, a.role, a.outcome, a.target])).toEqual([
      ['dpo@shop.example', 'cli', 'started', report.erasureId],
      ['dpo@shop.example', 'cli', 'ok', report.erasureId],
    ]);
    expect(JSON.parse(audit[1]!.detail)).toEqual({ mode: 'replace', key_ids: ['k2', '(unnamed)'], clickhouse_user: 'default', rows: report.rows });

    // Nothing left to do: a second run changes nothing.
    const again = await eraseCustomer(store.client, { database: db.database, keyring, customerId: ERASED, mode: 'replace', requestedBy: 'dpo@shop.example', clickhouseUser: 'default', waitMs: 120_000 });
    expect(Object.values(again.rows)).toEqual([0, 0]);
  });

  it('custos db erase --mode remove takes a customer out of the events (record counts stay), from stdin, audited', async () => {
    const before = await dump(db);
    const result = await runCli(['db', 'erase', '-', '--mode', 'remove', '--by', 'dpo@shop.example'], {
      CUSTOS_CLICKHOUSE_URL: db.connection.url,
      CUSTOS_CLICKHOUSE_USERNAME: db.connection.username,
      CUSTOS_CLICKHOUSE_PASSWORD: db.connection.password,
      CUSTOS_CLICKHOUSE_DATABASE: db.database,
      CUSTOS_PSEUDONYM_KEY: NEW_KEY,
      CUSTOS_PSEUDONYM_KEY_ID: 'k2',
      CUSTOS_PSEUDONYM_OLD_KEYS: `:${OLD_KEY}`,
    }, `${REMOVED}\n`);
    expect(result.output).toContain(`${db.database}.access_events\tremoved from 2 rows`);
    expect(result.code).toBe(0);
    // Neither the clear id nor a pseudonym of it in what the command printed.
    expect(result.output).not.toContain(REMOVED);
    for (const p of all(REMOVED)) expect(result.output).not.toContain(p);

    const after = await dump(db);
    for (const p of all(REMOVED)) expect(tablesHolding(after, p), p).toEqual([]);
    for (const p of [underOld(KEPT), underNew(KEPT)]) expect(tablesHolding(after, p), p).toEqual(tablesHolding(before, p));
    expect(await refsOf(db, 'e-removed')).toEqual({ refs: [], count: 1 });
    expect((await refsOf(db, 'e-new')).refs).toHaveLength(2);
    const outcomes = await db.rows<{ outcome: string; detail: string }>(`SELECT outcome, detail FROM ${consoleDatabaseOf(db.database)}.console_audit WHERE action = 'erasure' AND detail LIKE '%"remove"%' ORDER BY at_ms, outcome DESC`);
    expect(outcomes.map((o) => o.outcome)).toEqual(['started', 'ok']);

    // No table anywhere holds a clear customer id.
    for (const id of [ERASED, REMOVED, KEPT]) expect(tablesHolding(after, id), id).toEqual([]);
  });
});
