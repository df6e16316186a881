/**
 * Hot reload of rules and enrichment files: on SIGHUP, and when a poll sees a
 * file change (mtime/size fingerprint; polling works the same on every file
 * system and in containers with mounted config maps).
 *
 * A reload that fails validation is refused with every problem logged (file,
 * line, reason) and the last good version stays active.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../observability/log.js';
import type { Metrics } from '../../observability/metrics.js';
import { InvalidSourceError } from '../../util/source-error.js';

export interface Reloadable {
  /** Human name for logs, e.g. `rules` or `enrichment`. */
  readonly name: string;
  /** Files and folders whose change triggers a reload. */
  readonly paths: readonly string[];
  /** Loads and swaps in the new version; throws (InvalidSourceError preferred) to refuse it. */
  reload(): void;
}

export class Reloader {
  private readonly fingerprints = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly targets: readonly Reloadable[],
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    for (const t of targets) this.fingerprints.set(t.name, fingerprint(t.paths));
  }

  start(intervalMs: number): void {
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.checkForChanges(), intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reloads the targets whose files changed since the last look. */
  checkForChanges(): void {
    for (const target of this.targets) {
      const now = fingerprint(target.paths);
      if (now !== this.fingerprints.get(target.name)) {
        this.fingerprints.set(target.name, now);
        this.reloadOne(target);
      }
    }
  }

  /** SIGHUP: reload everything now. */
  reloadAll(): void {
    for (const target of this.targets) {
      this.fingerprints.set(target.name, fingerprint(target.paths));
      this.reloadOne(target);
    }
  }

  private reloadOne(target: Reloadable): void {
    try {
      target.reload();
      this.metrics.reloads.inc({ outcome: 'applied' });
      this.logger.info({ target: target.name }, 'reloaded');
    } catch (err) {
      this.metrics.reloads.inc({ outcome: 'refused' });
      const problems = err instanceof InvalidSourceError ? err.problems : [{ file: target.name, line: null, reason: (err as Error).message }];
      this.logger.error({ target: target.name, problems }, 'reload refused; the last good version stays active');
    }
  }
}

/** Sorted list of path:mtime:size for every file under the given paths. */
function fingerprint(paths: readonly string[]): string {
  const parts: string[] = [];
  const visit = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      parts.push(`${p}:missing`);
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) visit(join(p, entry));
    } else {
      parts.push(`${p}:${st.mtimeMs}:${st.size}`);
    }
  };
  for (const p of paths) visit(p);
  return parts.join('|');
}
