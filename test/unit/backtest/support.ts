/** Helpers for backtest tests: a captured command I/O and a small simulated file with one known incident. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir as makeTempDir } from '../../support/temp-dir.js';
import { join } from 'node:path';
import type { CommandIo } from '../../../src/cli/backtest.js';
import { simulate } from '../../../src/tools/sim/simulate.js';
import type { IncidentLabel } from '../../../src/tools/sim/types.js';

export interface CapturedIo extends CommandIo {
  readonly stdout: () => string;
  readonly stderr: () => string;
}

export function captureIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
    progress: null,
    stdout: () => out,
    stderr: () => err,
  };
}

export function tempDir(prefix = 'custos-backtest-'): string {
  return makeTempDir(prefix);
}

export interface SmallRun {
  readonly dir: string;
  readonly events: string;
  readonly directory: string;
  readonly incident: IncidentLabel;
}

/**
 * Four simulated days of 30 actors, one terminated employee (with seed 1 a
 * support agent, whose reads are otherwise within policy) reading customers
 * on day two.
 */
export function smallTerminatedAccessRun(): SmallRun {
  const dir = tempDir();
  const r = simulate({ seed: 1, actors: 30, days: 4, historyDays: 1, incidents: [{ type: 'terminated_access' }], lookalikes: false, out: dir, log: () => {} });
  const incident = r.labels.incidents[0];
  if (incident === undefined) throw new Error('the simulation planted no incident');
  return { dir, events: r.files.events, directory: r.files.actors, incident };
}

/** A copy of the shipped rules folder with `edit(text)` applied to one file. */
export function editedRulesCopy(file: string, edit: (text: string) => string): string {
  const dir = join(tempDir('custos-rules-'), 'rules');
  cpSync('rules', dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`the edit changed nothing in ${file}`);
  writeFileSync(path, after);
  return dir;
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
