import { describe, expect, it } from 'vitest';
import { SqlValues } from '../../../../src/runtime/outputs/clickhouse/sql-values.js';

const PAYLOAD = "x' OR 1=1 --\\";

describe('SqlValues', () => {
  it('binds strings, lists and offsets as parameters: the text holds only placeholders', () => {
    const v = new SqlValues(true);
    const sql = `a = ${v.string(PAYLOAD)} AND b IN ${v.stringList([PAYLOAD, 'y'])} AND o < ${v.uint64('18446744073709551615')}`;
    expect(sql).toBe('a = {v0:String} AND b IN {v1:Array(String)} AND o < {v2:UInt64}');
    expect(v.params).toEqual({ v0: PAYLOAD, v1: [PAYLOAD, 'y'], v2: '18446744073709551615' });
  });

  it('escapes into the text for servers without parameters, and sends none', () => {
    const v = new SqlValues(false);
    expect(`a = ${v.string(PAYLOAD)}`).toBe("a = 'x\\' OR 1=1 --\\\\'");
    expect(v.stringList(['a', 'b'])).toBe("('a', 'b')");
    expect(v.params).toBeUndefined();
  });

  it('refuses what is not an offset, and an empty list, either way', () => {
    for (const bind of [true, false]) {
      expect(() => new SqlValues(bind).uint64('1; DROP TABLE x')).toThrow(RangeError);
      expect(() => new SqlValues(bind).stringList([])).toThrow(RangeError);
    }
  });
});
