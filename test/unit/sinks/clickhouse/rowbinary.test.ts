import { describe, expect, it } from 'vitest';
import { ACCESS_EVENTS } from '../../../../src/runtime/outputs/clickhouse/columns/access-events.js';
import { RowBuffer } from '../../../../src/runtime/outputs/clickhouse/columns/row-buffer.js';
import { rowBinaryEncoder } from '../../../../src/runtime/outputs/clickhouse/columns/rowbinary.js';
import { ACCESS_EVENT_COLUMNS } from '../../../../src/runtime/outputs/clickhouse/ddl.js';
import { event, position } from '../fixtures.js';

const asServer = (lowCardinality: boolean) =>
  ACCESS_EVENT_COLUMNS.map(([name, type]) => ({
    name,
    type: type === 'LC' ? (lowCardinality ? 'LowCardinality(String)' : 'String') : type === 'LC?' ? (lowCardinality ? 'LowCardinality(Nullable(String))' : 'Nullable(String)') : type,
  }));

describe('rowBinaryEncoder', () => {
  it('follows the server column order and names the columns in that order', () => {
    const server = asServer(true).reverse();
    const encoder = rowBinaryEncoder(ACCESS_EVENTS, server);
    expect(encoder?.columnList).toBe(`(${server.map((c) => c.name).join(', ')})`);
    // The last server column (event_id, first in ours) is the last value written.
    const out = new RowBuffer(16);
    encoder?.encode(event({ event_id: 'e-xyz' }), { position: position('7'), ingestedAt: 1 }, out);
    expect(out.bytes().subarray(-6).toString('latin1')).toBe('\u0005e-xyz');
  });

  it('makes no encoder (JSONEachRow is used) when a column is missing or of another type', () => {
    expect(rowBinaryEncoder(ACCESS_EVENTS, asServer(false))).not.toBeNull();
    expect(rowBinaryEncoder(ACCESS_EVENTS, asServer(false).filter((c) => c.name !== 'ticket_id'))).toBeNull();
    expect(rowBinaryEncoder(ACCESS_EVENTS, asServer(false).map((c) => (c.name === 'record_count' ? { ...c, type: 'UInt64' } : c)))).toBeNull();
  });

  it('encodes lengths as LEB128 beyond one byte, and offsets beyond 2^53 exactly', () => {
    const out = new RowBuffer(4);
    out.string('x'.repeat(300));
    out.uint64('18446744073709551615');
    out.uint64(2 ** 40 + 5);
    const bytes = out.bytes();
    expect([...bytes.subarray(0, 2)]).toEqual([0xac, 0x02]);
    expect(bytes.readBigUInt64LE(302)).toBe(18446744073709551615n);
    expect(bytes.readBigUInt64LE(310)).toBe(2n ** 40n + 5n);
  });

  it('writes every string as its UTF-8 byte length and bytes, ASCII or not, short or long', () => {
    const cases = ['', 'a', 'x'.repeat(127), 'x'.repeat(128), 'é', 'ab\u00e9cd', '日本', 'x'.repeat(60) + '€', '\ud83d\ude00', 'lone \ud800 surrogate', '\udc00', '\u007f\u0080', 'é'.repeat(60)];
    for (const value of cases) {
      const out = new RowBuffer(1);
      out.string(value);
      const utf8 = Buffer.from(value, 'utf8');
      const prefix = new RowBuffer(1);
      prefix.varUint(utf8.length);
      expect(out.bytes().equals(Buffer.concat([prefix.bytes(), utf8])), JSON.stringify(value)).toBe(true);
    }
  });
});
