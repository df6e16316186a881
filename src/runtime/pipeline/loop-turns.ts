/**
 * One partition's synchronous stages per turn of the event loop.
 *
 * kafkajs hands the batches of one fetch (one per partition) to the handler
 * at once, and each handler's first awaits resolve as microtasks: without a
 * turn of the event loop between them, the partitions' decode → enrich →
 * evaluate and row serialisation run back to back as one block (three
 * partitions' worth: seconds on a loaded host). Meanwhile nothing that waits
 * for I/O runs: the inserts the first partition just started are not sent,
 * their answers (and so its webhooks) wait, and so do heartbeats.
 *
 * `next()` resolves on a later turn than the previous caller's (after the I/O
 * that became ready in between), so the first partition's inserts go out and
 * are answered while the next partition computes. Order and content of each
 * batch's work are unchanged; only the thread is handed back between them.
 */
export class LoopTurns {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly defer: (resume: () => void) => void = (resume) => setImmediate(resume)) {}

  /** Resolves once the previous caller's turn began and the event loop went round again. */
  next(): Promise<void> {
    const turn = this.tail.then(() => new Promise<void>((resume) => this.defer(resume)));
    this.tail = turn;
    return turn;
  }
}
