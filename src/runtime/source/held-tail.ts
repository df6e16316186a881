/**
 * The messages partition alignment held back, kept in memory per partition so
 * that kafkajs does not fetch them again (src/runtime/pipeline/partition-alignment.ts).
 *
 * Why: a partition running ahead has its batch cut; before, the source
 * resolved only the stored prefix and kafkajs fetched the rest again after the
 * resume, up to a whole 4 MB fetch per cut (a drain of 100,000 events had
 * kafkajs fetch and decode 140,000-155,000 messages). Now the held messages
 * stay here, copied out of kafkajs' fetch buffer (which they would otherwise
 * pin, with the other partitions' data of the same fetch), at most `maxBytes`
 * of keys and values per partition; what does not fit is fetched again.
 *
 * Only memory: offsets still commit through the last stored message, so a
 * crash or a rebalance loses nothing (the source drops everything held at
 * every group join and crash, and kafkajs fetches again from the committed
 * offset). The source lets kafkajs go on fetching from the last held message
 * itself (not after it): that fetch is never empty, so a partition whose held
 * messages reach the log end still gets its next batch, and a fetch that does
 * not start where the held messages end (kafkajs reset to the committed
 * offset) replaces them.
 */
import type { HeaderValue, InboundMessage } from '../../model/batch.js';

export class HeldTails {
  private readonly tails = new Map<number, readonly InboundMessage[]>();

  /** Messages held for the partition (0: none). */
  count(partition: number): number {
    return this.tails.get(partition)?.length ?? 0;
  }

  /**
   * The batch to hand on for a fetch of the partition: the held messages
   * before the fetch's first offset, then the fetched ones. The held messages
   * stay until hold() or release() replaces them (a batch given up is handed
   * on again the same way).
   */
  before(partition: number, fetched: readonly InboundMessage[]): readonly InboundMessage[] {
    const held = this.tails.get(partition);
    const first = fetched[0];
    if (held === undefined || first === undefined) return fetched;
    const from = BigInt(first.offset);
    let n = held.length;
    while (n > 0 && BigInt((held[n - 1] as InboundMessage).offset) >= from) n--;
    if (n === 0) return fetched;
    return n === held.length ? [...held, ...fetched] : [...held.slice(0, n), ...fetched];
  }

  /**
   * Holds messages[from..] of a batch of the partition, as many as fit in
   * maxBytes (keys and values), copied; returns the last one held (null: none
   * was, nothing is held for the partition).
   */
  hold(partition: number, messages: readonly InboundMessage[], from: number, maxBytes: number): InboundMessage | null {
    let bytes = 0;
    let end = from;
    while (end < messages.length) {
      const m = messages[end] as InboundMessage;
      const size = (m.key?.length ?? 0) + (m.value?.length ?? 0);
      if (bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    if (end === from) {
      this.tails.delete(partition);
      return null;
    }
    const kept = ownedCopies(messages, from, end, bytes);
    this.tails.set(partition, kept);
    return kept[kept.length - 1] as InboundMessage;
  }

  /** Nothing held for the partition any more. */
  release(partition: number): void {
    this.tails.delete(partition);
  }

  /** Nothing held for any partition (a group join or a crash: kafkajs fetches again from the committed offsets). */
  clear(): void {
    this.tails.clear();
  }
}

/** messages[from..end) with their keys and values copied into one buffer of `bytes`, headers' buffers copied. */
function ownedCopies(messages: readonly InboundMessage[], from: number, end: number, bytes: number): InboundMessage[] {
  const store = Buffer.allocUnsafe(bytes);
  let at = 0;
  const copy = (b: Buffer | null): Buffer | null => {
    if (b === null) return null;
    b.copy(store, at);
    const own = store.subarray(at, at + b.length);
    at += b.length;
    return own;
  };
  const out: InboundMessage[] = [];
  for (let i = from; i < end; i++) {
    const m = messages[i] as InboundMessage;
    const key = copy(m.key ?? null);
    const value = copy(m.value ?? null);
    out.push(m.headers === undefined ? { key, value, offset: m.offset } : { key, value, offset: m.offset, headers: copyHeaders(m.headers) });
  }
  return out;
}

function copyHeaders(headers: Readonly<Record<string, HeaderValue>>): Record<string, HeaderValue> {
  const one = (v: Buffer | string): Buffer | string => (typeof v === 'string' ? v : Buffer.from(v));
  const out: Record<string, HeaderValue> = {};
  for (const [name, v] of Object.entries(headers)) out[name] = v === undefined ? undefined : Array.isArray(v) ? v.map(one) : one(v as Buffer | string);
  return out;
}
