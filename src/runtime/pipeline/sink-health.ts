/**
 * Whether the sinks have been failing for long: a partition waiting on a
 * failing sink keeps the process alive and its consumer "running", but an
 * orchestrator or an operator must see it. `/healthz` turns unhealthy when
 * stores have failed without a success for longer than the grace period.
 */
export class SinkHealth {
  private failingSince: number | null = null;

  constructor(
    private readonly now: () => number,
    private readonly graceMs: number,
  ) {}

  failed(): void {
    this.failingSince ??= this.now();
  }

  succeeded(): void {
    this.failingSince = null;
  }

  /** Milliseconds the sinks have been failing without a success (0 when fine). */
  failingForMs(): number {
    return this.failingSince === null ? 0 : this.now() - this.failingSince;
  }

  get healthy(): boolean {
    return this.failingForMs() <= this.graceMs;
  }
}
