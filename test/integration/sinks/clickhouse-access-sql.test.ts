/**
 * Every statement of the access model's SQL rendering (`custos db grants`)
 * parses on a current ClickHouse: `formatQuery` runs the server's own parser
 * without executing anything (the chDB test engine has no access control to
 * run them against). Servers without formatQuery (18.16, which takes the
 * users.d rendering instead) skip it.
 */
import { describe, expect, it } from 'vitest';
import { accessModelSql, sha256Hex } from '../../../src/runtime/outputs/clickhouse/access-model.js';
import { selectRows } from '../../../src/runtime/outputs/clickhouse/connection.js';
import { quoteString } from '../../../src/runtime/outputs/clickhouse/escape.js';
import { testDatabase } from './clickhouse-test-db.js';

const user = (name: string) => ({ name, passwordSha256: sha256Hex(`${name}-password`) });

describe('the access model as SQL on a current server', () => {
  it('parses every statement', async (ctx) => {
    const db = testDatabase();
    try {
      const [v] = await selectRows<{ v: string }>(db.client, 'SELECT version() AS v', null);
      if (Number(v?.v.split('.')[0]) < 23) return ctx.skip();
      const statements = accessModelSql({
        database: 'custos',
        users: { monitor: user('custos_monitor'), analyst: user('custos_analyst'), console: user('custos_console'), console_writer: user('custos_console_writer') },
        networks: ['10.0.0.0/8'],
      });
      const refused: string[] = [];
      for (const sql of statements) {
        try {
          await selectRows(db.client, `SELECT formatQuery(${quoteString(sql)}) AS f`, null);
        } catch (err) {
          refused.push(`${sql}: ${(err as Error).message.slice(0, 120)}`);
        }
      }
      expect(refused).toEqual([]);
      expect(statements.length).toBeGreaterThan(20);
    } finally {
      await db.drop();
    }
  });
});
