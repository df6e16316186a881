/**
 * `custos bench memory`: what the engine's state costs, measured. Each
 * scenario (src/tools/bench/memory/scenario.ts) runs in its own process with
 * --expose-gc and a heap limit, one after the other; a scenario that dies of
 * its heap limit is reported with its last progress figures. Never asserted
 * in a test: memory is measured.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../../config/settings.js';
import { table } from '../../../util/text-table.js';
import { MEMORY_PREFIX, type ScenarioOptions, type ScenarioResult } from './scenario.js';

export interface MemoryBenchOptions {
  readonly seed: number;
  readonly actors: number;
  readonly days: number;
  /** Distinct actor ids of each flood run. */
  readonly floods: readonly number[];
  readonly floodSpanMs: number;
  readonly heapMb: number;
  readonly rulesDir: string;
  /** Engine options under test, passed to every scenario (default: the caps' default settings, as `custos run` has them). */
  readonly engine?: Readonly<Record<string, unknown>>;
  /** Also run the organisation once more, measuring each part of its actors' state. */
  readonly breakdown?: boolean;
  readonly json?: string;
}

interface Progress {
  readonly progress: number;
  readonly heapUsedMb: number;
  readonly rssMb: number;
  readonly actors: number;
}

type Outcome = { ok: true; result: ScenarioResult } | { ok: false; label: string; code: number | null; signal: string | null; last: Progress | null };

const here = fileURLToPath(new URL('.', import.meta.url));

/** What `custos run` gives the engine by default (config settings engine.*). */
export const DEFAULT_CAPS = {
  maxActors: SETTINGS['engine.max_actors'].default,
  maxOpenAlerts: SETTINGS['engine.max_open_alerts'].default,
  maxHistoryActors: SETTINGS['engine.max_history_actors'].default,
};

function runChild(options: ScenarioOptions, heapMb: number, label: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', `--max-old-space-size=${heapMb}`, join(here, 'child.js'), JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let last: Progress | null = null;
    let result: ScenarioResult | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (!line.startsWith(MEMORY_PREFIX)) continue;
        const x = JSON.parse(line.slice(MEMORY_PREFIX.length)) as { result?: ScenarioResult } & Partial<Progress>;
        if (x.result !== undefined) result = x.result;
        else {
          last = x as Progress;
          process.stderr.write(`  ${label}: ${last.progress.toLocaleString('en-US')} events, heap ${last.heapUsedMb.toFixed(0)} MB, RSS ${last.rssMb.toFixed(0)} MB, ${last.actors.toLocaleString('en-US')} actors\n`);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== null) resolve({ ok: true, result });
      else {
        if (!/heap out of memory|Allocation failed/i.test(err)) process.stderr.write(err.slice(-2000));
        resolve({ ok: false, label, code, signal, last });
      }
    });
  });
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(2);
const mb = (n: number): string => n.toFixed(0);

export async function runMemoryBenchmark(o: MemoryBenchOptions): Promise<ScenarioResult[]> {
  const engine = o.engine ?? DEFAULT_CAPS;
  const base = { seed: o.seed, actors: o.actors, days: o.days, ids: 0, spanMs: o.floodSpanMs, rulesDir: o.rulesDir, engine };
  console.log(`engine options: ${JSON.stringify(engine)}\n`);
  const runs: { options: ScenarioOptions; label: string }[] = [
    { options: { ...base, kind: 'org' }, label: `organisation (${o.actors} actors, ${o.days} days)` },
    ...o.floods.map((ids) => ({ options: { ...base, kind: 'flood' as const, ids }, label: `flood of ${ids.toLocaleString('en-US')} ids` })),
    ...(o.breakdown === true ? [{ options: { ...base, kind: 'org' as const, breakdown: true }, label: `organisation (${o.actors} actors, ${o.days} days), by part` }] : []),
  ];
  const outcomes: Outcome[] = [];
  for (const r of runs) {
    process.stderr.write(`${r.label} ...\n`);
    outcomes.push(await runChild(r.options, o.heapMb, r.label));
  }
  const rows = outcomes.map((x) => {
    if (!x.ok) {
      const l = x.last;
      return [
        `${x.label}: died (${x.signal ?? `exit ${x.code}`}, heap limit ${o.heapMb} MB)`,
        l === null ? '-' : l.progress.toLocaleString('en-US'),
        l === null ? '-' : l.actors.toLocaleString('en-US'),
        '-', '-', '-', '-', '-', '-',
        l === null ? '-' : `${mb(l.heapUsedMb)}+`,
        '-',
        l === null ? '-' : `${mb(l.rssMb)}+`,
      ];
    }
    const r = x.result;
    const s = r.state;
    return [
      r.label,
      r.events.toLocaleString('en-US'),
      s.actors.toLocaleString('en-US'),
      s.openAlerts.toLocaleString('en-US'),
      kb(s.measuredMean),
      r.parts !== undefined ? '-' : kb(s.measuredTop1),
      kb(s.estimatedMean),
      kb(s.estimatedP50),
      kb(s.estimatedP99),
      `${mb(r.heapAfterMb)} (${mb(r.heapWithoutStateMb)})`,
      `${kb(r.history.bytesPerActor)} (${r.history.actors.toLocaleString('en-US')})`,
      `${mb(r.rssMb)} / ${mb(r.peakRssMb)}`,
    ];
  });
  console.log(
    table(
      ['scenario', 'events', 'actors held', 'open alerts', 'KB/actor measured mean', 'measured p99*', 'estimate mean', 'estimate p50', 'estimate p99', 'heap MB (without state)', 'history KB/actor (actors)', 'RSS MB end / peak'],
      rows,
    ),
  );
  console.log(
    '\nKB/actor measured: heap used + ArrayBuffers after a full GC, minus heap used once the engine forgot those actors, per actor.\n' +
      '* measured p99: the same for the largest 1 % of actors by the engine\'s estimate (their mean, so at least the p99).\n' +
      'Estimate: the engine\'s own approxBytes per actor (what custos_engine_state_bytes reports).\n' +
      'Heap without state: baselines (activity history) and the rest of the process, after the window state is forgotten.\n' +
      'History: the baselines\' activity history (hourly and daily rows, first-seen names, stats caches), not part of the window state:\n' +
      '  heap freed by dropping every history after the state was forgotten, per actor that had one.',
  );
  const results = outcomes.filter((x): x is { ok: true; result: ScenarioResult } => x.ok).map((x) => x.result);
  for (const r of results) {
    if (r.parts === undefined) continue;
    console.log(`\n${r.label}, by part (${r.state.actors.toLocaleString('en-US')} actors; each part emptied in every actor in turn, heap + ArrayBuffers freed after a full GC):`);
    console.log(table(['part', 'KB/actor'], [...r.parts.map((p) => [p.part, kb(p.bytesPerActor)]), ['total', kb(r.state.measuredMean)]]));
    const held = r.held;
    if (held !== undefined) {
      // The floor any exact representation has: the data itself, before indexes, slack and objects.
      console.log(
        `held per actor (mean): ${held.customers.toFixed(0)} customers in the longest window (6 bytes each in the log) and ` +
          `${held.eventIds.toFixed(0)} event ids (6.25 bytes each): ${kb(held.dataBytes)} KB of data alone, without index, slack or objects`,
      );
    }
    if (r.historyParts !== undefined) {
      console.log(`\n${r.label}, baseline history by part (${r.history.actors} actors with one; each part emptied in every history in turn, heap freed after a full GC):`);
      console.log(table(['part', 'KB/actor'], [...r.historyParts.map((p) => [p.part, kb(p.bytesPerActor)]), ['total', kb(r.history.bytesPerActor)]]));
    }
  }
  if (o.json !== undefined) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(o.json, `${JSON.stringify(outcomes, null, 2)}\n`);
  }
  return results;
}
