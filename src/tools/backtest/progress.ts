/**
 * Progress of a long backtest on stderr (stdout carries the report): events
 * evaluated, events/s, and where in the input's time range the replay is.
 * On a terminal one line is rewritten in place; otherwise (a log) a line is
 * printed now and then.
 */
import type { BacktestProgress } from './run-backtest.js';

export interface ProgressPrinter {
  readonly onProgress: (p: BacktestProgress) => void;
  /** Ends the in-place line, if one was written. */
  done(): void;
}

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): ProgressPrinter {
  const tty = stream.isTTY === true;
  const everyMs = tty ? 500 : 10_000;
  const t0 = performance.now();
  let last = t0;
  let wrote = false;
  return {
    onProgress(p) {
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      const rate = Math.round(p.events / ((now - t0) / 1000));
      const line = `backtest: ${p.events.toLocaleString('en-US')} events, ${rate.toLocaleString('en-US')} events/s, at ${new Date(p.lastTs).toISOString()} (${(p.fraction * 100).toFixed(1)} %)`;
      stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      wrote = true;
    },
    done() {
      if (tty && wrote) stream.write('\n');
    },
  };
}
