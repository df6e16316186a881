/**
 * quoteString against the real server: every hostile payload, written into SQL
 * as a literal, must denote exactly itself, and nothing may break out of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteString } from '../../../src/runtime/outputs/clickhouse/escape.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { event, position } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from './clickhouse-test-db.js';

function payloads(database: string): string[] {
  return [
    `'; DROP TABLE ${database}.access_events; --`,
    `\\'; DROP TABLE ${database}.access_events; --`,
    `x' OR '1'='1`,
    `x') OR 1=1 OR ('`,
    `\\`,
    `\\\\'`,
    `'`,
    `''`,
    `\\x27`,
    `\\u0027`,
    '\u0000',
    `a\u0000'; DROP TABLE ${database}.access_events; --`,
    'line1\nline2\r\n\ttab',
    `/* comment */ ' /*`,
    `-- comment\n' ; SELECT 1`,
    `# hash comment\n'`,
    'é😀中文 ünïcödé',
    '\u2028\u2029',
    '\u007f\u001b[31m\u0008\u000c',
    '${x} {name:String} {{x}}',
    '`backtick` "double"',
    ' ',
    '',
    'FORMAT JSON',
  ];
}

describe('quoteString on the real server', () => {
  let db: TestDatabase;
  let store: ClickHouseStore;

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 0 });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('every payload selected as a literal comes back unchanged, byte for byte', async () => {
    for (const payload of payloads(db.database)) {
      const [row] = await db.rows<{ v: string; bytes: string | number }>(`SELECT ${quoteString(payload)} AS v, length(v) AS bytes`);
      expect(row?.v, JSON.stringify(payload)).toBe(payload);
      expect(Number(row?.bytes), JSON.stringify(payload)).toBe(Buffer.byteLength(payload, 'utf8'));
    }
  });

  it('a lone surrogate becomes U+FFFD rather than malformed text', async () => {
    const [row] = await db.rows<{ v: string }>(`SELECT ${quoteString('a\ud800b')} AS v`);
    expect(row?.v).toBe('a\ufffdb');
  });

  it('stored values are found again by a WHERE on the quoted payload, and the table survives', async () => {
    const all = payloads(db.database);
    await store.writeBatch({
      events: all.map((actorId, i) => ({ event: event({ event_id: `esc-${i}`, actor_id: actorId }), position: position(String(i)) })),
      alerts: [],
      rejected: [],
      activity: [],
    });
    for (const [i, payload] of all.entries()) {
      const rows = await db.rows<{ event_id: string }>(`SELECT event_id FROM ${db.database}.access_events WHERE actor_id = ${quoteString(payload)}`);
      expect(rows.map((r) => r.event_id), JSON.stringify(payload)).toEqual([`esc-${i}`]);
    }
    const [count] = await db.rows<{ n: string }>(`SELECT count() AS n FROM ${db.database}.access_events`);
    expect(Number(count?.n)).toBe(all.length);
  });
});
