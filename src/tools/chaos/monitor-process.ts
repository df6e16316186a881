/**
 * A `custos run` child process, as an orchestrator runs it: started with an
 * environment, its JSON log lines collected, stopped with SIGTERM or killed
 * with SIGKILL at any moment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI: next to this file when it runs from dist/, under dist/ when a test runs it from src/. */
const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url)).replace(/([\\/])src([\\/]cli[\\/]main\.js)$/, '$1dist$2');

export interface LogLine {
  readonly msg?: string;
  readonly level?: string;
  readonly [key: string]: unknown;
}

export class MonitorProcess {
  readonly lines: LogLine[] = [];
  private readonly child: ChildProcess;
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor(env: Readonly<Record<string, string>>) {
    this.child = spawn(process.execPath, [CLI, 'run'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        if (p.trim() === '') continue;
        try {
          this.lines.push(JSON.parse(p) as LogLine);
        } catch {
          this.lines.push({ msg: p });
        }
      }
      this.wake();
    });
    this.child.stderr?.on('data', () => undefined);
    this.exit = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exit.then(() => this.wake());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line (from the start) matching, or null if the process exits first or `timeoutMs` passes. */
  async waitForLine(match: (l: LogLine) => boolean, timeoutMs: number, from = 0): Promise<LogLine | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find(match);
      if (hit) return hit;
      if (!this.running || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(250, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGKILL');
    return this.exit;
  }

  /** Graceful stop: SIGTERM, then the exit code (0 after a clean stop). */
  async stop(): Promise<number | null> {
    if (!this.running) return (await this.exit).code;
    this.child.kill('SIGTERM');
    return (await this.exit).code;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
