/**
 * The grouping of insert-coalescer.ts: which bodies go in one insert, and when.
 * The sender here only records what it was asked to send (the real inserts are
 * test/integration/sinks/clickhouse-coalesce.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { groupSize, insertKey, InsertCoalescer, shouldSend, type CoalescedInsert } from '../../../../src/runtime/outputs/clickhouse/insert-coalescer.js';
import type { TableBody } from '../../../../src/runtime/outputs/clickhouse/batch.js';

function body(table: string, rows: number, text = `${table}:${rows}\n`, rowBinaryColumns?: string): TableBody {
  return { table, rows, body: Buffer.from(text), ...(rowBinaryColumns === undefined ? {} : { rowBinaryColumns }) };
}

/** A sender whose inserts stay open until the test settles them. */
function recorder() {
  const sent: { insert: CoalescedInsert; ok: () => void; fail: (err: unknown) => void }[] = [];
  const send = (insert: CoalescedInsert) =>
    new Promise<void>((ok, fail) => {
      sent.push({ insert, ok, fail });
    });
  return { sent, send, text: (i: number) => Buffer.concat(sent[i]?.insert.chunks ?? []).toString() };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('groupSize', () => {
  it('takes the oldest bodies that fit the cap, at least one, never splitting a body', () => {
    expect(groupSize([7_000, 7_000, 7_000], 50_000)).toBe(3);
    expect(groupSize([7_000, 7_000, 7_000], 14_000)).toBe(2);
    expect(groupSize([7_000, 7_000, 7_000], 13_999)).toBe(1);
    expect(groupSize([60_000, 1], 50_000)).toBe(1);
    expect(groupSize([1, 60_000], 50_000)).toBe(1);
    expect(groupSize([], 50_000)).toBe(0);
  });
});

describe('shouldSend', () => {
  const base = { inFlight: false, waitingRows: 100, waitingBodies: 1, expected: 0, maxRows: 1_000 };
  it('sends a lone body at once', () => expect(shouldSend(base)).toBe(true));
  it('never sends beside an insert of the same table in flight', () => expect(shouldSend({ ...base, inFlight: true, waitingRows: 5_000 })).toBe(false));
  it('waits for announced batches until the rows reach the cap', () => {
    expect(shouldSend({ ...base, expected: 2 })).toBe(false);
    expect(shouldSend({ ...base, expected: 2, waitingRows: 1_000 })).toBe(true);
  });
  it('has nothing to send without bodies', () => expect(shouldSend({ ...base, waitingBodies: 0, waitingRows: 0 })).toBe(false));
});

describe('insertKey', () => {
  it('keeps formats and column lists apart', () => {
    expect(insertKey({ table: 'a' })).not.toBe(insertKey({ table: 'a', rowBinaryColumns: '(x)' }));
    expect(insertKey({ table: 'a', rowBinaryColumns: '(x)' })).not.toBe(insertKey({ table: 'a', rowBinaryColumns: '(x, y)' }));
    expect(insertKey({ table: 'a' })).not.toBe(insertKey({ table: 'b' }));
  });
});

describe('InsertCoalescer', () => {
  it('sends a lone batch at once', async () => {
    const r = recorder();
    const c = new InsertCoalescer(r.send, 1_000);
    void c.submit(body('t', 3));
    await tick();
    expect(r.sent).toHaveLength(1);
  });

  it('stores the announced batches of one fetch as one insert per table, each body whole and in order', async () => {
    const r = recorder();
    const c = new InsertCoalescer(r.send, 1_000);
    const releases = [c.expect(), c.expect(), c.expect()];
    const done: Promise<void>[] = [];
    for (const [i, release] of releases.entries()) {
      done.push(c.submit(body('events', 10 + i, `e${i}\n`)), c.submit(body('progress', 1, `p${i}\n`)));
      release();
      await tick();
      // Nothing goes while another announced batch is still computing.
      expect(r.sent.length).toBe(i < 2 ? 0 : 2);
    }
    expect(r.sent.map((s) => [s.insert.table, s.insert.rows])).toEqual([
      ['events', 33],
      ['progress', 3],
    ]);
    expect(r.text(0)).toBe('e0\ne1\ne2\n');
    for (const s of r.sent) s.ok();
    await expect(Promise.all(done)).resolves.toBeDefined();
  });

  it('rejects every batch of a failed insert with its error, and only those', async () => {
    const r = recorder();
    const c = new InsertCoalescer(r.send, 1_000);
    const [a, b] = [c.expect(), c.expect()];
    const first = c.submit(body('events', 1));
    const firstOther = c.submit(body('alerts', 1));
    a();
    const second = c.submit(body('events', 2));
    b();
    await tick();
    expect(r.sent.map((s) => s.insert.table)).toEqual(['events', 'alerts']);
    const err = new Error('server said no');
    r.sent[0]?.fail(err);
    r.sent[1]?.ok();
    await expect(first).rejects.toBe(err);
    await expect(second).rejects.toBe(err);
    await expect(firstOther).resolves.toBeUndefined();
  });

  it('a sender that throws at once fails its waiters too, and the table is free again', async () => {
    const c = new InsertCoalescer(() => {
      throw new Error('sync');
    }, 1_000);
    await expect(c.submit(body('t', 1))).rejects.toThrow('sync');
    await expect(c.submit(body('t', 1))).rejects.toThrow('sync');
  });

  it('group commit: what arrives while an insert is in flight goes together in the next one', async () => {
    const r = recorder();
    const c = new InsertCoalescer(r.send, 1_000);
    void c.submit(body('t', 1, 'a\n'));
    await tick();
    void c.submit(body('t', 1, 'b\n'));
    void c.submit(body('t', 1, 'c\n'));
    await tick();
    expect(r.sent).toHaveLength(1);
    r.sent[0]?.ok();
    await tick();
    expect(r.sent).toHaveLength(2);
    expect(r.text(1)).toBe('b\nc\n');
  });

  it('sends at the row cap without waiting for the batches still announced', async () => {
    const r = recorder();
    const c = new InsertCoalescer(r.send, 20);
    c.expect();
    c.expect();
    void c.submit(body('t', 12));
    await tick();
    expect(r.sent).toHaveLength(0);
    void c.submit(body('t', 12));
    await tick();
    // 24 rows wait: the first 12 go (12 + 12 is over the cap), the rest waits for the one in flight.
    expect(r.sent.map((s) => s.insert.rows)).toEqual([12]);
  });

  it('a release called twice counts once', async () => {
    const r = recorder();
    const c = new InsertCoalescer(r.send, 1_000);
    const a = c.expect();
    c.expect();
    a();
    a();
    void c.submit(body('t', 1));
    await tick();
    expect(r.sent).toHaveLength(0);
  });
});
