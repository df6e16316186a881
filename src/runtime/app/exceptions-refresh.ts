/**
 * Brings the exceptions made in the analysts' console into the running
 * engine: every interval the current console exceptions are read from
 * ClickHouse and, when they changed (an exception created, revoked or
 * edited), the rule set is compiled again with them and swapped in
 * (replaceRules keeps windows, baselines and open alerts). Off the hot path:
 * the load is a timer's query, and the swap happens between batches.
 *
 * A failed load is logged and retried at the next interval; the engine keeps
 * the exceptions it has (an exception never silently stops applying because
 * ClickHouse was briefly unreachable; it expires by its own date).
 */
import type { ConsoleException } from '../../model/console-exception.js';
import type { Logger } from '../../observability/log.js';

export interface ExceptionsRefreshDeps {
  readonly load: () => Promise<readonly ConsoleException[]>;
  /** Compile and swap in the rules with these exceptions; returns how many were taken. */
  readonly apply: (list: readonly ConsoleException[]) => number;
  readonly logger: Logger;
  readonly intervalMs: number;
}

export interface ExceptionsRefresh {
  /** One refresh now (the timer calls this; tests too). */
  refreshNow(): Promise<void>;
  /** The console exceptions currently applied. */
  current(): readonly ConsoleException[];
  stop(): Promise<void>;
}

/** Identity of a list: ids and versions (a new version is a change). */
export function exceptionsSignature(list: readonly ConsoleException[]): string {
  return list
    .map((x) => `${x.exception_id}@${x.version}`)
    .sort()
    .join(',');
}

export function startExceptionsRefresh(deps: ExceptionsRefreshDeps): ExceptionsRefresh {
  let applied: readonly ConsoleException[] = [];
  let signature = '';
  let running: Promise<void> = Promise.resolve();
  const refresh = async () => {
    let list: readonly ConsoleException[];
    try {
      list = await deps.load();
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'console exceptions could not be loaded; keeping the current ones until the next interval');
      return;
    }
    const next = exceptionsSignature(list);
    if (next === signature) return;
    const taken = deps.apply(list);
    applied = list;
    signature = next;
    deps.logger.info({ consoleExceptions: list.length, applied: taken }, 'console exceptions applied');
  };
  const refreshNow = () => (running = running.then(refresh));
  const timer = deps.intervalMs > 0 ? setInterval(() => void refreshNow(), deps.intervalMs) : null;
  timer?.unref();
  return {
    refreshNow,
    current: () => applied,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
