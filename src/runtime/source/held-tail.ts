/**
 * The messages partition alignment held back, kept in memory per partition so
 * that kafkajs does not fetch them again (src/runtime/pipeline/partition-alignment.ts).
 *
 * Why: a partition running ahead has its batch cut; before, the source
 * resolved only the stored prefix and kafkajs fetched the rest again after the
 * resume, up to a whole 4 MB fetch per cut (a drain of 100,000 events had
 * kafkajs fetch and decode 130,000-155,000 messages). Now the held messages
 * stay here, at most `maxBytes` of keys and values per partition; what does
 * not fit is fetched again. They are kafkajs' own message objects (copying
 * them cost more CPU than fetching them again saved), so they keep the fetch
 * responses they came from in memory until they are handed on.
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
import type { InboundMessage } from '../../model/batch.js';

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
   * maxBytes (keys and values); returns the last one held (null: none was,
   * nothing is held for the partition).
   */
  hold(partition: number, messages: readonly InboundMessage[], from: number, maxBytes: number): InboundMessage | null {
    const end = fitting(messages, from, maxBytes);
    if (end === from) {
      this.tails.delete(partition);
      return null;
    }
    const kept = messages.slice(from, end);
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

/** The end of the longest run of messages from `from` on whose keys and values fit in maxBytes (`from`: not even the first). */
export function fitting(messages: readonly InboundMessage[], from: number, maxBytes: number): number {
  let bytes = 0;
  let end = from;
  while (end < messages.length) {
    const m = messages[end] as InboundMessage;
    bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
    if (bytes > maxBytes) break;
    end++;
  }
  return end;
}
