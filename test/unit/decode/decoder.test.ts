import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../src/runtime/decode/decoder.js';
import { createPseudonymizer } from '../../../src/privacy/pseudonym.js';
import { seededRandom } from '../../support/seeded-random.js';

const KEY = 'k'.repeat(32);
const decode = createDecoder({ pseudonymKey: KEY, maxMessageBytes: 2048 });
const valid = {
  event_id: 'e-1',
  ts: '2026-03-02T09:15:02.123+01:00',
  actor_id: 'alice',
  action: 'read',
  resource_type: 'customer',
  record_ids: ['c-1', 'c-2', 'c-2'],
  fields: ['email'],
  channel: 'support_console',
  ticket_id: 'T-9',
};
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
const rejectionOf = (v: unknown) => {
  const r = decode(bytes(v));
  if (r.ok) throw new Error('expected a rejection');
  return r.rejection;
};

describe('decode: valid events', () => {
  it('decodes, pseudonymises distinct record ids and fills defaults', () => {
    const r = decode(bytes(valid));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const p = createPseudonymizer(KEY);
    expect(r.event.record_refs).toEqual([p('c-1'), p('c-2')]);
    expect(r.event.record_count).toBe(2);
    expect(r.event.ts).toBe(Date.UTC(2026, 2, 2, 8, 15, 2, 123));
    expect(r.event.outcome).toBe('success');
    expect(r.event.source_ip).toBeNull();
    expect(JSON.stringify(r.event)).not.toContain('c-1');
  });

  it('keeps distinct pseudonyms in order of first appearance, for short and long id lists alike', () => {
    const p = createPseudonymizer(KEY);
    for (const n of [1, 2, 15, 16, 17, 40]) {
      // Every id twice, the second time in reverse order, then the first again.
      const ids = Array.from({ length: n }, (_, i) => `c-${(i * 7) % 97}`);
      const r = decode(bytes({ ...valid, record_ids: [...ids, ...[...ids].reverse(), ids[0]] }));
      expect(r.ok && r.event.record_refs, `${n} ids`).toEqual(ids.map(p));
      expect(r.ok && r.event.record_count).toBe(n);
    }
  });

  it('takes each event its own ids in a batch: all distinct, one repeat at the end, or all the same', () => {
    const p = createPseudonymizer(KEY);
    const lists: string[][] = [];
    for (const n of [1, 2, 3, 16, 17]) {
      const ids = Array.from({ length: n }, (_, i) => `d${n}-${i}`);
      lists.push(ids, [...ids, ids[n - 1]!], Array.from({ length: n }, () => ids[0]!));
    }
    const { results } = decode.batch(lists.map((ids) => bytes({ ...valid, record_ids: ids })));
    results.forEach((r, i) => {
      const distinct = [...new Set(lists[i])];
      expect(r.ok && r.event.record_refs, lists[i]!.join(',')).toEqual(distinct.map(p));
      expect(r.ok && r.event.record_count).toBe(distinct.length);
    });
  });

  it('accepts epoch milliseconds and count-only events', () => {
    const { record_ids: _ids, ...rest } = valid;
    const r = decode(bytes({ ...rest, ts: 1_772_438_102_123, record_count: 40 }));
    expect(r.ok && r.event.ts).toBe(1_772_438_102_123);
    expect(r.ok && r.event.record_count).toBe(40);
    expect(r.ok && r.event.record_refs).toEqual([]);
  });

  it('keeps record_count above the listed ids when the list is truncated', () => {
    const r = decode(bytes({ ...valid, record_count: 5000 }));
    expect(r.ok && r.event.record_count).toBe(5000);
  });

  it('drops unknown fields (data minimisation)', () => {
    const r = decode(bytes({ ...valid, customer_email: 'x@example.com' }));
    expect(r.ok).toBe(true);
    expect(JSON.stringify(r)).not.toContain('x@example.com');
  });
});

describe('decode: every bad-input case gets a clear reason and never throws', () => {
  it.each([
    ['empty value', null, 'empty'],
    ['over the size limit', 'x'.repeat(3000), 'too_large'],
    ['malformed JSON', '{"event_id": ', 'malformed_json'],
    ['a JSON array', '[1,2]', 'not_an_object'],
    ['a missing required field', { ...valid, actor_id: undefined }, 'missing_field'],
    ['a wrong type', { ...valid, record_ids: 'c-1' }, 'wrong_type'],
    ['an unknown action', { ...valid, action: 'steal' }, 'invalid_value'],
    ['an invalid timestamp (no offset)', { ...valid, ts: '2026-03-02T09:15:02' }, 'invalid_timestamp'],
    ['an impossible date', { ...valid, ts: '2026-02-30T09:15:02Z' }, 'invalid_timestamp'],
    ['a fractional epoch', { ...valid, ts: 1.5 }, 'invalid_timestamp'],
    ['a time before 1970', { ...valid, ts: '1969-12-31T23:59:59Z' }, 'invalid_timestamp'],
    ['epoch zero (a producer bug)', { ...valid, ts: 0 }, 'invalid_timestamp'],
    ['an epoch in seconds, not milliseconds', { ...valid, ts: 1_772_438_102 }, 'invalid_timestamp'],
    ['a count beyond what can be stored', { ...valid, record_ids: undefined, record_count: 2 ** 40 }, 'invalid_value'],
    ['a time after 2106 (not storable)', { ...valid, ts: 4_294_967_296_000 }, 'invalid_timestamp'],
    ['a negative count', { ...valid, record_count: -1 }, 'invalid_value'],
    ['no record_ids and no record_count', { ...valid, record_ids: undefined }, 'missing_field'],
  ])('%s', (_name, input, reason) => {
    const r = input === null ? decode(null) : decode(bytes(input));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejection.reason).toBe(reason);
  });

  it('refuses an event dated further in the future than the allowed skew, given a clock', () => {
    const now = Date.UTC(2026, 2, 2, 12);
    const withClock = createDecoder({ pseudonymKey: KEY, maxMessageBytes: 2048, future: { now: () => now, maxFutureSkewMs: () => 3_600_000 } });
    const at = (ts: number) => withClock(bytes({ ...valid, ts }));
    expect(at(now + 3_600_000).ok).toBe(true);
    const r = at(now + 3_600_001);
    expect(!r.ok && r.rejection.reason).toBe('invalid_timestamp');
    // Without a clock (backtests, rule tests), only the fixed bounds apply.
    expect(decode(bytes({ ...valid, ts: now + 10 * 86_400_000 })).ok).toBe(true);
  });

  it('refuses bytes that are not UTF-8', () => {
    const r = decode(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(!r.ok && r.rejection.reason).toBe('not_utf8');
  });

  it('names the field but never echoes its value', () => {
    const rejection = rejectionOf({ ...valid, record_count: 'c-secret-42' });
    expect(rejection.detail).toContain('record_count');
    expect(rejection.detail).not.toContain('c-secret-42');
    expect(rejection.event_id).toBe('e-1');
    expect(rejection.actor_id).toBe('alice');
  });
});

describe('decode: a batch at once', () => {
  // Valid events with 0 to 40 record ids (short, long, non-ASCII), between rejected messages.
  const next = seededRandom(11);
  const messages: (Buffer | null)[] = [];
  for (let i = 0; i < 600; i++) {
    const ids = Array.from({ length: Math.floor(next() * 41) }, (_, k) => (k % 5 === 4 ? `ß-${'z'.repeat(Math.floor(next() * 130))}` : `c-${Math.floor(next() * 500)}`));
    if (i % 50 === 7) messages.push(bytes('{"event_id": '));
    if (i % 97 === 3) messages.push(null);
    messages.push(bytes({ ...valid, event_id: `e-${i}`, ts: 1_772_438_102_000 + i, record_ids: ids, ...(ids.length === 0 && { record_count: 3 }) }));
  }

  it('gives each message what decoding it alone gives, with one pseudonym call for the batch', () => {
    const { results, heldFrom } = decode.batch(messages);
    expect(heldFrom).toBeNull();
    expect(results).toHaveLength(messages.length);
    results.forEach((r, i) => expect(r, `message ${i}`).toEqual(decode(messages[i]!)));
    const p = createPseudonymizer(KEY);
    const first = results.find((r) => r.ok && r.event.record_refs.length > 3);
    expect(first?.ok && first.event.record_refs[0]).toBe(p((JSON.parse(messages[results.indexOf(first!)]!.toString()) as { record_ids: string[] }).record_ids[0]!));
  });

  it('stops before the first accepted event dated after the bound (the alignment holds it and the rest back)', () => {
    const bound = 1_772_438_102_000 + 300;
    const { results, heldFrom } = decode.batch(messages, bound);
    const firstBeyond = messages.findIndex((m) => {
      const r = decode(m);
      return r.ok && r.event.ts > bound;
    });
    expect(heldFrom).toBe(bound + 1);
    expect(results).toHaveLength(firstBeyond);
    results.forEach((r, i) => expect(r, `message ${i}`).toEqual(decode(messages[i]!)));
  });

  it('decodes an empty batch to nothing', () => {
    expect(decode.batch([])).toEqual({ results: [], heldFrom: null });
  });
});
