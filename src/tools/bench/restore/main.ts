/**
 * Restore benchmark (`custos bench restore`, issue 13): how long the monitor
 * takes to restore one partition's window state when it is assigned the
 * partition, with N events of that partition stored in ClickHouse within the
 * longest window (default 1 M and 2 M; 2 M is history.max_recent_events, the
 * most a restore loads). Events are simulated traffic through the real
 * decode and enrich, dated within the window before now, stored through the
 * real store (one partition, its progress rows as the monitor writes them).
 * Each size is measured in fresh processes (child.ts), alternating the
 * baseline (a bare read of the same rows, streamed and discarded), the
 * monitor's restore (store.openPartitionHistory, each chunk of events replayed
 * as it is read) and the same rows read whole and then restored at once (the
 * monitor's way before 2026-12-06), over several rounds. Times, never
 * asserted in a test.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../clock.js';
import { createEngine, loadRuleSet } from '../../../runtime/engine/index.js';
import { loadEnrichmentTables } from '../../../runtime/enrich/tables.js';
import { ClickHouseStore } from '../../../runtime/outputs/clickhouse/store.js';
import { SETTINGS } from '../../../config/settings.js';
import type { PositionedEvent } from '../../../model/batch.js';
import { createWireEventReader } from '../../replay/wire-events.js';
import { createSimulation } from '../../sim/simulator.js';
import { table } from '../../../util/text-table.js';
import { FIGURES_PREFIX, type RestoreChildArgs, type RestoreFigures } from './figures.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

export interface RestoreOptions {
  readonly clickhouseUrl: string;
  readonly clickhouseUsername: string;
  readonly clickhousePassword: string;
  /** Stored events of the partition, one measurement each (ascending: each size adds to the one before). */
  readonly sizes: readonly number[];
  readonly rounds: number;
  readonly actors: number;
  readonly rulesDir: string;
  readonly json?: string;
  readonly out?: (text: string) => void;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const PSEUDONYM_KEY = 'custos-bench-restore-pseudonym-key-not-secret';
const SEED_BATCH = 20_000;

function runChild(args: RestoreChildArgs): Promise<RestoreFigures> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(here, 'child.js'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(FIGURES_PREFIX));
      if (code !== 0 || !line) reject(new Error(`restore child (${args.mode}) exited ${code}`));
      else resolvePromise(JSON.parse(line.slice(FIGURES_PREFIX.length)) as RestoreFigures);
    });
  });
}

const defaultOf = (key: keyof typeof SETTINGS): number => Number((SETTINGS[key] as { default?: unknown }).default);

export interface RestoreResult {
  readonly sizes: readonly { readonly stored: number; readonly runs: readonly RestoreFigures[] }[];
}

export async function runRestoreBenchmark(o: RestoreOptions): Promise<RestoreResult> {
  const out = o.out ?? ((text: string) => process.stdout.write(text));
  const sizes = [...o.sizes].sort((a, b) => a - b);
  const rulesDir = resolve(o.rulesDir);
  const stamp = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const database = `custos_bench_restore_${stamp}`;
  const topic = `custos-bench-restore-${stamp}`;
  const partition = 0;
  const maxRecentEvents = defaultOf('history.max_recent_events');
  const requestTimeoutMs = defaultOf('clickhouse.request_timeout_ms');
  const activityLookbackMs = defaultOf('history.lookback_days') * 86_400_000;
  const windowMs = createEngine({ rules: loadRuleSet(rulesDir), clock: systemClock }).historyWindowMs();
  const tmp = mkdtempSync(join(tmpdir(), 'custos-bench-restore-'));
  const store = await ClickHouseStore.open({ url: o.clickhouseUrl, username: o.clickhouseUsername, password: o.clickhousePassword, database, retentionDays: 0, insertFormat: 'rowbinary' });
  try {
    const sim = createSimulation({ seed: 7, actors: o.actors, days: 3650, incidents: 'none', lookalikes: false });
    const directoryFile = join(tmp, 'actors.csv');
    writeFileSync(directoryFile, sim.directoryCsv);
    const reader = createWireEventReader({
      pseudonymKey: PSEUDONYM_KEY,
      tables: loadEnrichmentTables({
        directoryFile,
        zonesFile: join(rulesDir, 'enrichment', 'zones.yaml'),
        fieldsFile: join(rulesDir, 'enrichment', 'fields.yaml'),
        calendarFile: join(rulesDir, 'enrichment', 'calendar.yaml'),
        defaultTimezone: 'UTC',
      }),
    });
    const stream = sim.stream()[Symbol.iterator]();
    out(
      `custos bench restore: database ${database}, one partition of topic ${topic}; window ${Math.round(windowMs / 60_000)} min (the rules' longest plus lateness), ` +
        `history.max_recent_events ${maxRecentEvents.toLocaleString('en-US')}, ClickHouse request timeout ${requestTimeoutMs / 1000} s (the defaults)\n`,
    );
    let stored = 0;
    const results: { stored: number; runs: RestoreFigures[] }[] = [];
    for (const size of sizes) {
      // Simulated traffic of `actors` people and services, its time compressed into the window before now.
      const seedStart = performance.now();
      const nowMs = Date.now();
      const from = nowMs - windowMs + 10 * 60_000;
      const span = nowMs - 60_000 - from;
      const adding = size - stored;
      let batch: PositionedEvent[] = [];
      let maxTs = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const last = batch[batch.length - 1] as PositionedEvent;
        await store.writeBatch({
          events: batch,
          alerts: [],
          rejected: [],
          activity: [],
          progress: [{ topic, partition, endOffset: last.position.offset, maxTsMs: maxTs, events: batch.length }],
        });
        batch = [];
      };
      for (let i = 0; i < adding; i++) {
        const next = stream.next();
        if (next.done) throw new Error(`the simulation ran out after ${stored + i} events`);
        const w = { ...next.value, ts: Math.floor(from + (i * span) / adding), event_id: `${next.value.event_id}-${stored + i}` };
        const e = reader.read(Buffer.from(JSON.stringify(w)));
        if (e === null) continue;
        if (e.ts > maxTs) maxTs = e.ts;
        batch.push({ event: e, position: { topic, partition, offset: String(stored + i) } });
        if (batch.length >= SEED_BATCH) await flush();
      }
      await flush();
      stored = size;
      out(`stored ${stored.toLocaleString('en-US')} events in the partition (${((performance.now() - seedStart) / 1000).toFixed(0)} s to add ${adding.toLocaleString('en-US')})\n`);
      const args = {
        url: o.clickhouseUrl,
        username: o.clickhouseUsername,
        password: o.clickhousePassword,
        database,
        topic,
        partition,
        committedOffset: String(stored),
        rulesDir,
        maxRecentEvents,
        activityLookbackMs,
        requestTimeoutMs,
      };
      const runs: RestoreFigures[] = [];
      for (let round = 1; round <= o.rounds; round++) {
        runs.push(await runChild({ ...args, mode: 'bare' }));
        runs.push(await runChild({ ...args, mode: 'whole' }));
        runs.push(await runChild({ ...args, mode: 'streamed' }));
        const r = runs[runs.length - 1] as RestoreFigures;
        out(`  round ${round}/${o.rounds}: restored ${r.events.toLocaleString('en-US')} events in ${((r.loadMs + r.restoreMs) / 1000).toFixed(1)} s\n`);
      }
      results.push({ stored, runs });
    }
    out(report(results));
    const result = { sizes: results };
    if (o.json) writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await dropSchema(store.client, database).catch(() => undefined);
    await store.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function range(values: readonly (number | null)[], digits = 1): string {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return 'n/a';
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

function report(results: readonly { stored: number; runs: readonly RestoreFigures[] }[]): string {
  const s = (ms: number) => ms / 1000;
  const rows = results.flatMap(({ stored, runs }) => {
    const bare = runs.filter((r) => r.mode === 'bare');
    const restoreRow = (label: string, mode: RestoreFigures['mode']) => {
      const restore = runs.filter((r) => r.mode === mode);
      return [
        `${stored.toLocaleString('en-US')}: ${label}`,
        range(restore.map((r) => r.events), 0),
        range(restore.map((r) => s(r.loadMs))),
        range(restore.map((r) => s(r.restoreMs))),
        range(restore.map((r) => s(r.loadMs + r.restoreMs))),
        range(restore.map((r) => s(r.loadCpuMs + r.restoreCpuMs))),
        range(restore.map((r) => (r.clickhouseCpuMs === null ? null : s(r.clickhouseCpuMs)))),
        range(restore.map((r) => r.peakRssMb), 0),
      ];
    };
    return [
      [
        `${stored.toLocaleString('en-US')}: bare read of the rows (baseline)`,
        range(bare.map((r) => r.events), 0),
        range(bare.map((r) => s(r.loadMs))),
        '-',
        range(bare.map((r) => s(r.loadMs))),
        range(bare.map((r) => s(r.loadCpuMs))),
        range(bare.map((r) => (r.clickhouseCpuMs === null ? null : s(r.clickhouseCpuMs)))),
        range(bare.map((r) => r.peakRssMb), 0),
      ],
      restoreRow('custos, read whole then restored (before)', 'whole'),
      restoreRow('custos, streamed (the monitor)', 'streamed'),
    ];
  });
  const rounds = results[0]?.runs.filter((r) => r.mode === 'streamed').length ?? 0;
  return (
    `\nRestore of one partition, ranges over ${rounds} rounds (each a fresh process; the baseline and the two restores alternate):\n` +
    `${table(['stored events', 'events read', 'load s', 'restore s', 'total s', 'Node CPU s', 'ClickHouse CPU s', 'peak RSS MB'], rows)}\n` +
    `read whole: store.loadHistory (query, JSON rows to events), then engine.restore (windows rebuilt from them).\n` +
    `streamed: store.openPartitionHistory (anchor, alerts, count) as load, then each chunk of events replayed as it is read (beginRestore) as restore.\n`
  );
}
