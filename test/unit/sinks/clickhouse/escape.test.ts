import { describe, expect, it } from 'vitest';
import { qualifiedTable, quoteIdentifier, quoteString, quoteStringList, sqlEpochSeconds, sqlInteger } from '../../../../src/runtime/outputs/clickhouse/escape.js';

/**
 * A reference reader of ClickHouse single-quoted literals (the escapes the
 * server understands): returns the denoted value and where the literal ended.
 */
function readLiteral(sql: string): { value: string; end: number } {
  if (sql[0] !== "'") throw new Error('not a literal');
  let out = '';
  for (let i = 1; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'") return { value: out, end: i + 1 };
    if (c === '\\') {
      const n = sql[++i];
      if (n === 'x') {
        out += String.fromCharCode(parseInt(sql.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (n === '\\' || n === "'") out += n;
      else throw new Error(`unexpected escape \\${n}`);
      continue;
    }
    out += c;
  }
  throw new Error('unterminated literal');
}

const HOSTILE = [
  "'; DROP TABLE custos.access_events; --",
  "\\'; DROP TABLE x; --",
  "x' OR '1'='1",
  '\\',
  "\\\\'",
  "''",
  '\u0000',
  'a\u0000b',
  'line\nbreak\r\n',
  '/* c */ -- d',
  '\u001b[31m\u007f',
  'é😀中文',
  '',
];

describe('quoteString', () => {
  it.each(HOSTILE)('%j is one complete literal that denotes exactly itself', (payload) => {
    const sql = quoteString(payload);
    const { value, end } = readLiteral(sql);
    expect(value).toBe(payload);
    expect(end).toBe(sql.length); // nothing after the closing quote: no break-out
  });

  it('leaves no raw quote, control character or NUL in the SQL text', () => {
    for (const payload of HOSTILE) {
      const inner = quoteString(payload).slice(1, -1);
      expect(inner).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(inner.replace(/\\\\/g, '').replace(/\\'/g, '')).not.toContain("'");
    }
  });

  it('escapes in the documented way', () => {
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString('a\\b')).toBe("'a\\\\b'");
    expect(quoteString('\u0000\n')).toBe("'\\x00\\x0a'");
    expect(quoteString('ünï')).toBe("'ünï'");
  });

  it('replaces lone surrogates, keeps pairs', () => {
    expect(quoteString('a\ud800b')).toBe("'a\ufffdb'");
    expect(quoteString('\udc00')).toBe("'\ufffd'");
    expect(quoteString('😀')).toBe("'😀'");
  });

  it('refuses non-strings', () => {
    expect(() => quoteString(42 as unknown as string)).toThrow(TypeError);
  });

  it('quoteStringList builds an IN list and refuses an empty one', () => {
    expect(quoteStringList(['a', "b'"])).toBe("('a', 'b\\'')");
    expect(() => quoteStringList([])).toThrow(RangeError);
  });
});

describe('quoteIdentifier', () => {
  it('accepts plain names and backquotes them', () => {
    expect(quoteIdentifier('custos')).toBe('`custos`');
    expect(quoteIdentifier('_x9')).toBe('`_x9`');
    expect(qualifiedTable('custos', 'access_events')).toBe('`custos`.`access_events`');
  });

  it.each(['', '9db', 'a-b', 'a b', 'a`b', 'db.table', "x'; DROP", 'a'.repeat(65), 'ünï', 'a\u0000'])('refuses %j', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(RangeError);
  });
});

describe('numbers in SQL', () => {
  it('sqlInteger accepts safe integers only', () => {
    expect(sqlInteger(-5)).toBe('-5');
    expect(sqlInteger(1_700_000_000_000)).toBe('1700000000000');
    for (const bad of [1.5, Number.NaN, Infinity, 2 ** 53, '1; DROP' as unknown as number]) expect(() => sqlInteger(bad)).toThrow(RangeError);
  });

  it('sqlEpochSeconds floors milliseconds and refuses negatives', () => {
    expect(sqlEpochSeconds(1_709_296_496_999)).toBe('1709296496');
    expect(() => sqlEpochSeconds(-1)).toThrow(RangeError);
    expect(() => sqlEpochSeconds(1.5)).toThrow(RangeError);
  });
});
