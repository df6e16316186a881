/**
 * One item at a time per key, lowest sequence number first: the ordering a
 * delivery needs when messages of one subject (an alert's revisions) must
 * reach one destination in order, while different subjects proceed in
 * parallel. It knows nothing of HTTP, retries or storage, so any destination
 * (webhooks today; chat, paging, SIEM sinks later) can put it in front of its
 * own sending.
 *
 * The owner adds items as it learns of them, in any order, then calls
 * `startable()` to take the items that may start now (marking them started),
 * and `finish(key)` when a started item is done for good (delivered or given
 * up, not merely failed and due for a retry), which lets the key's next item
 * start. Adding before taking means that a batch learnt at once (an outbox
 * scan) starts with its lowest sequence even if it arrived last. An item whose
 * sequence is below the one already started waits for it (it cannot be
 * un-sent); it starts next.
 */

interface Entry<T> {
  readonly seq: number;
  readonly item: T;
}

interface Lane<T> {
  started: Entry<T> | null;
  /** Ascending by seq. */
  readonly waiting: Entry<T>[];
}

export class KeyedSequencer<T> {
  private readonly lanes = new Map<string, Lane<T>>();
  /** Keys with waiting items and nothing started: what `startable()` looks at. */
  private readonly idle = new Set<string>();
  private count = 0;

  /** Items held (started or waiting). */
  get size(): number {
    return this.count;
  }

  /** Queues an item; false (and nothing changes) when this key already holds this sequence. */
  add(key: string, seq: number, item: T): boolean {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { started: null, waiting: [] };
      this.lanes.set(key, lane);
    }
    if (lane.started?.seq === seq || lane.waiting.some((e) => e.seq === seq)) return false;
    let at = lane.waiting.length;
    while (at > 0 && (lane.waiting[at - 1]?.seq ?? -Infinity) > seq) at--;
    lane.waiting.splice(at, 0, { seq, item });
    this.count++;
    if (!lane.started) this.idle.add(key);
    return true;
  }

  /** The next item of every key that has none started, now marked started. */
  startable(): T[] {
    const out: T[] = [];
    for (const key of this.idle) {
      const lane = this.lanes.get(key);
      const next = lane?.waiting.shift();
      if (lane && next) {
        lane.started = next;
        out.push(next.item);
      }
    }
    this.idle.clear();
    return out;
  }

  /** The key's started item is done; its next item (if any) becomes startable. */
  finish(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane?.started) return;
    lane.started = null;
    this.count--;
    if (lane.waiting.length > 0) this.idle.add(key);
    else this.lanes.delete(key);
  }
}
