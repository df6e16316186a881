/**
 * One insert per table for the batches of several partitions.
 *
 * ClickHouse's CPU per stored event is set by the parts an insert creates and
 * the merges that rewrite them, not by its rows (README, "Where ClickHouse's
 * CPU per stored event goes"): three partitions' batches of ~6,700 rows cost
 * about twice per event what one insert of their ~20,000 rows does. So the
 * bodies that concurrent `writeBatch` calls submit for the same table (and
 * format and columns) are sent as one request: JSONEachRow lines and RowBinary
 * rows concatenate as bytes, and the chunks are streamed one after the other,
 * never copied into one buffer. Every batch whose rows were in an insert
 * resolves or rejects with it; a batch's write resolves once all of its
 * inserts did, so its offsets still commit only after its rows are stored.
 *
 * When an insert goes (`shouldSend`): never while one of the same table is in
 * flight (group commit: what arrives meanwhile goes together next), and not
 * while a batch announced by `expect()` is still computing (the other
 * partitions of the same fetch), unless the rows waiting reached `maxRows`.
 * A lone batch, with nothing in flight and nothing announced, goes at once.
 */
import type { TableBody } from './batch.js';

/**
 * Default of clickhouse.insert_max_rows: room for three partitions' drain batches
 * (~7,000 rows each) with a margin; a request of 50,000 RowBinary access_events
 * rows is ~19 MB, JSONEachRow ~44 MB, and those bodies are in memory anyway.
 */
export const DEFAULT_INSERT_MAX_ROWS = 50_000;

/** What one insert carries: a table, how its rows are encoded, and the bodies of the batches in it. */
export interface CoalescedInsert {
  readonly table: string;
  /** As in TableBody: set for RowBinary, absent for JSONEachRow. */
  readonly rowBinaryColumns?: string;
  readonly rows: number;
  readonly chunks: readonly Buffer[];
}

export type SendInsert = (insert: CoalescedInsert) => Promise<void>;

/** Bodies that can share one request: same table, same format, same column list. */
export function insertKey(body: Pick<TableBody, 'table' | 'rowBinaryColumns'>): string {
  return body.rowBinaryColumns === undefined ? `${body.table}\u0000json` : `${body.table}\u0000rowbinary\u0000${body.rowBinaryColumns}`;
}

/** Whether the waiting bodies of one table go now. */
export function shouldSend(state: { readonly inFlight: boolean; readonly waitingRows: number; readonly waitingBodies: number; readonly expected: number; readonly maxRows: number }): boolean {
  if (state.inFlight || state.waitingBodies === 0) return false;
  return state.expected === 0 || state.waitingRows >= state.maxRows;
}

/**
 * How many of the waiting bodies (oldest first) go in the next insert: as many
 * as fit in `maxRows`, and always at least one (a batch is never split: a
 * batch larger than the cap goes alone).
 */
export function groupSize(waitingRows: readonly number[], maxRows: number): number {
  let rows = 0;
  let n = 0;
  for (const r of waitingRows) {
    if (n > 0 && rows + r > maxRows) break;
    rows += r;
    n++;
  }
  return n;
}

interface Waiter {
  readonly body: TableBody;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

interface TableQueue {
  readonly table: string;
  readonly rowBinaryColumns: string | undefined;
  waiting: Waiter[];
  waitingRows: number;
  inFlight: boolean;
}

export class InsertCoalescer {
  private readonly queues = new Map<string, TableQueue>();
  private expected = 0;

  constructor(
    private readonly send: SendInsert,
    /** Most rows of one table in one insert (clickhouse.insert_max_rows). */
    private readonly maxRows: number,
  ) {}

  /**
   * A batch is computing and will submit its bodies soon: what is submitted
   * meanwhile waits for it (up to maxRows). The returned function withdraws
   * the announcement; call it once the batch submitted, or when it will not
   * submit without waiting for I/O first (a restore, a rebuild) or at all.
   * Calling it again does nothing.
   */
  expect(): () => void {
    this.expected++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.expected--;
      if (this.expected === 0) for (const q of this.queues.values()) this.pump(q);
    };
  }

  /** Resolves or rejects with the insert that carries this body. */
  submit(body: TableBody): Promise<void> {
    const key = insertKey(body);
    let q = this.queues.get(key);
    if (q === undefined) {
      q = { table: body.table, rowBinaryColumns: body.rowBinaryColumns, waiting: [], waitingRows: 0, inFlight: false };
      this.queues.set(key, q);
    }
    const queue = q;
    const done = new Promise<void>((resolve, reject) => queue.waiting.push({ body, resolve, reject }));
    queue.waitingRows += body.rows;
    this.pump(queue);
    return done;
  }

  private pump(q: TableQueue): void {
    if (!shouldSend({ inFlight: q.inFlight, waitingRows: q.waitingRows, waitingBodies: q.waiting.length, expected: this.expected, maxRows: this.maxRows })) return;
    const group = q.waiting.splice(0, groupSize(q.waiting.map((w) => w.body.rows), this.maxRows));
    let rows = 0;
    for (const w of group) rows += w.body.rows;
    q.waitingRows -= rows;
    q.inFlight = true;
    const insert: CoalescedInsert = { table: q.table, ...(q.rowBinaryColumns === undefined ? {} : { rowBinaryColumns: q.rowBinaryColumns }), rows, chunks: group.map((w) => w.body.body) };
    // A send that throws synchronously must fail its waiters like a rejected one.
    Promise.resolve()
      .then(() => this.send(insert))
      .then(
        () => {
          for (const w of group) w.resolve();
        },
        (err: unknown) => {
          for (const w of group) w.reject(err);
        },
      )
      .finally(() => {
        q.inFlight = false;
        this.pump(q);
      });
  }
}
