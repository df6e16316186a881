/**
 * The erasure's statements as text, both dialects: values bound as query
 * parameters on current servers, escaped literals on 18.16; anything that is
 * not a pseudonym refused before it reaches SQL. (The statements run against
 * both servers in test/integration/sinks/erasure.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { PSEUDONYM_COLUMNS, erasureStatements } from '../../../src/runtime/outputs/clickhouse/erasure.js';
import { SqlValues } from '../../../src/runtime/outputs/clickhouse/sql-values.js';

const P1 = '0123456789abcdef0123456789abcdef@k2';
const P2 = 'fedcba9876543210fedcba9876543210';
const TOKEN = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@erased';

describe('erasure statements', () => {
  it('cover every pseudonym column: record refs of access_events and the console audit target', () => {
    expect(PSEUDONYM_COLUMNS.map((c) => `${c.database}.${c.table}.${c.column}`)).toEqual(['main.access_events.record_refs', 'console.console_audit.target']);
  });

  it('escape on 18.16 and bind where the server has query parameters', () => {
    const [events, audit] = erasureStatements({ database: 'custos', pseudonyms: [P1, P2], mode: 'replace', replacement: TOKEN }, () => new SqlValues(false));
    expect(events!.mutation).toBe(`ALTER TABLE \`custos\`.\`access_events\` UPDATE record_refs = arrayMap(r -> if(has(['${P1}', '${P2}'], r), '${TOKEN}', r), record_refs) WHERE hasAny(record_refs, ['${P1}', '${P2}'])`);
    expect(audit!.mutation).toBe(`ALTER TABLE \`custos_console\`.\`console_audit\` UPDATE target = '${TOKEN}' WHERE has(['${P1}', '${P2}'], target)`);
    const bound = new SqlValues(true);
    const [removal] = erasureStatements({ database: 'custos', pseudonyms: [P1], mode: 'remove', replacement: '' }, () => bound);
    expect(removal!.count).toBe('SELECT count() AS n FROM `custos`.`access_events` WHERE hasAny(record_refs, {v0:Array(String)})');
    expect(removal!.mutation).toBe('ALTER TABLE `custos`.`access_events` UPDATE record_refs = arrayFilter(r -> NOT has({v0:Array(String)}, r), record_refs) WHERE hasAny(record_refs, {v0:Array(String)})');
  });

  it('refuse what is not a pseudonym or a replacement token', () => {
    const values = () => new SqlValues(false);
    expect(() => erasureStatements({ database: 'custos', pseudonyms: ["x'] OR 1 --"], mode: 'remove', replacement: '' }, values)).toThrow(/not a pseudonym/);
    expect(() => erasureStatements({ database: 'custos', pseudonyms: [], mode: 'remove', replacement: '' }, values)).toThrow(/no pseudonyms/);
    expect(() => erasureStatements({ database: 'custos', pseudonyms: [P1], mode: 'replace', replacement: 'C-1' }, values)).toThrow(/replacement/);
  });
});
