/**
 * Runs a shutdown sequence once, whoever asks first (a signal or a fatal
 * consumer error), and settles `finished` after it: resolved
 * for a graceful stop, rejected with the error when any caller reported a
 * failure before the sequence completed. The exit code comes from `finished`,
 * so a consumer that dies for good ends the process with a failure status
 * (an orchestrator's restart-on-failure policy then restarts it).
 */
export class StopOnce {
  readonly finished: Promise<void>;
  private running: Promise<void> | null = null;
  private failure: Error | null = null;
  private settle!: { resolve: () => void; reject: (err: Error) => void };

  constructor(private readonly steps: () => Promise<void>) {
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Reported through `finished`; no unhandled rejection if nobody awaits it.
    this.finished.catch(() => undefined);
  }

  /** Graceful stop. Resolves when the steps have run (even if they threw). */
  stop(): Promise<void> {
    this.running ??= this.steps()
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .then(() => {
        if (this.failure === null) this.settle.resolve();
        else this.settle.reject(this.failure);
      });
    return this.running;
  }

  /** Stop because of `err`: the steps still run, then `finished` rejects with it. */
  fail(err: Error): Promise<void> {
    this.failure ??= err;
    return this.stop();
  }
}
