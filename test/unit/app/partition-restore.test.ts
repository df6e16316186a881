import { describe, expect, it } from 'vitest';
import { PartitionRestorer, type PartitionHistory } from '../../../src/runtime/app/partition-restore.js';
import type { RestoreSeed } from '../../../src/runtime/engine/index.js';
import type { EnrichedEvent } from '../../../src/model/enriched.js';
import { createLogger } from '../../../src/observability/log.js';
import { CustosError } from '../../../src/errors.js';

const logger = createLogger('silent');
const noWait = () => Promise.resolve();
const eventsOf = (...actors: string[]): EnrichedEvent[] => actors.map((actor_id) => ({ actor_id }) as EnrichedEvent);
async function* chunks(...parts: readonly EnrichedEvent[][]): AsyncGenerator<EnrichedEvent[]> {
  for (const part of parts) yield part;
}
const stateOf = (...actors: string[]): PartitionHistory => ({ activity: [], alerts: [], recentEvents: chunks(eventsOf(...actors)) });

/** An engine that records each finished restore: the actors of the events it replayed, in order. */
function recordingEngine() {
  const restored: string[][] = [];
  const forgotten: string[][] = [];
  const held = new Set<string>();
  const engine = {
    beginRestore: (_seed: RestoreSeed) => {
      const replayed: string[] = [];
      return { replay: (events: readonly EnrichedEvent[]) => void replayed.push(...events.map((e) => e.actor_id)), finish: () => void restored.push(replayed) };
    },
    forget: (ids: Iterable<string>) => void forgotten.push([...ids].sort()),
    holds: (id: string) => held.has(id),
  };
  return { engine, restored, forgotten, held };
}

/** A restorer over a recording engine; `load` decides what each partition's stored state is. */
function harness(load: (partition: number) => Promise<PartitionHistory>, concurrency = 2) {
  const r = recordingEngine();
  const restorer = new PartitionRestorer('events', { load: (_t, p) => load(p), engine: r.engine, logger, concurrency, sleep: noWait });
  return { restorer, ...r };
}

describe('PartitionRestorer', () => {
  it('restores each newly assigned partition, not those it keeps; a partition back from another owner is restored again', async () => {
    const loads: number[] = [];
    const h = harness(async (p) => {
      loads.push(p);
      return stateOf(`actor-${p}`);
    });
    h.restorer.assign([0, 1], true);
    expect(await h.restorer.whenRestored('events', 0)).toBe(true);
    await h.restorer.whenRestored('events', 1);
    h.restorer.assign([1, 2]); // 0 revoked, 2 new, 1 kept
    await h.restorer.whenRestored('events', 2);
    h.restorer.assign([0, 1, 2]); // 0 is back: another instance owned it meanwhile
    await h.restorer.whenRestored('events', 0);
    expect(loads).toEqual([0, 1, 2, 0]);
    expect(h.restored).toEqual([['actor-0'], ['actor-1'], ['actor-2'], ['actor-0']]);
    expect(h.restorer.whenRestored('other-topic', 0)).toBeNull();
  });

  it('forgets the actors of a revoked partition (restored or evaluated here), and only those', async () => {
    const h = harness(async (p) => stateOf(`restored-${p}`));
    h.restorer.assign([0, 1], true);
    await h.restorer.whenRestored('events', 0);
    await h.restorer.whenRestored('events', 1);
    h.restorer.noteActors('events', 0, ['live-a', 'live-b']);
    h.restorer.noteActors('events', 1, ['live-c']);
    h.restorer.assign([1]);
    expect(h.forgotten).toEqual([['live-a', 'live-b', 'restored-0']]);
  });

  it('a batch of a partition not assigned here (fetched before a rejoin revoked it) is given up', async () => {
    const h = harness(async (p) => stateOf(`actor-${p}`));
    h.restorer.assign([0], true);
    await h.restorer.whenRestored('events', 0);
    expect(h.restorer.whenRestored('events', 0)).toBeNull();
    expect(await h.restorer.whenRestored('events', 5)).toBe(false);
  });

  it('stops tracking actors the engine expired, so a later revoke forgets only the held ones', async () => {
    const h = harness(async () => stateOf());
    h.restorer.assign([0], true);
    await h.restorer.whenRestored('events', 0);
    h.restorer.noteActors('events', 0, ['kept', 'expired']);
    h.held.add('kept');
    h.restorer.prune();
    h.restorer.assign([]);
    expect(h.forgotten).toEqual([['kept']]);
  });

  it('after a fresh join (membership lost) forgets everything and restores every partition again', async () => {
    const h = harness(async (p) => stateOf(`actor-${p}`));
    h.restorer.assign([0, 1], true);
    await h.restorer.whenRestored('events', 1);
    h.restorer.assign([0, 1], true);
    await h.restorer.whenRestored('events', 0);
    await h.restorer.whenRestored('events', 1);
    expect(h.forgotten).toEqual([['actor-0'], ['actor-1']]);
    expect(h.restored).toHaveLength(4);
  });

  it('retries a failing load; batches wait for it', async () => {
    let attempts = 0;
    const h = harness(async () => {
      attempts++;
      if (attempts < 3) throw new Error('clickhouse unavailable');
      return stateOf('a');
    });
    h.restorer.assign([4], true);
    expect(await h.restorer.whenRestored('events', 4)).toBe(true);
    expect(attempts).toBe(3);
    expect(h.restorer.whenRestored('events', 4)).toBeNull();
  });

  it('does not apply a state loaded for a partition revoked meanwhile, and tells its batch to give up', async () => {
    let deliver!: (h: PartitionHistory) => void;
    const h = harness(() => new Promise<PartitionHistory>((r) => (deliver = r)));
    h.restorer.assign([7], true);
    const waiting = h.restorer.whenRestored('events', 7);
    await new Promise((r) => setImmediate(r)); // the load has started
    h.restorer.assign([]);
    deliver(stateOf('x'));
    expect(await waiting).toBe(false);
    expect(h.restored).toEqual([]);
  });

  it('a restore given up because the monitor stops is not reported as restored', async () => {
    const h = harness(async () => {
      throw new Error('clickhouse unavailable');
    });
    h.restorer.assign([3], true);
    const waiting = h.restorer.whenRestored('events', 3);
    h.restorer.stop();
    expect(await waiting).toBe(false);
  });

  it('after a stop, a batch asking after a partition whose restore was given up is told to give up, not to go on without its state; a restored one goes on', async () => {
    const h = harness(async (p) => {
      if (p === 3) throw new Error('clickhouse unavailable');
      return stateOf(`actor-${p}`);
    });
    h.restorer.assign([2, 3], true);
    expect(await h.restorer.whenRestored('events', 2)).toBe(true);
    const waiting = h.restorer.whenRestored('events', 3);
    h.restorer.stop();
    expect(await waiting).toBe(false);
    // Asked again once the given-up restore settled (a batch fetched after the stop began).
    expect(await h.restorer.whenRestored('events', 3)).toBe(false);
    expect(h.restorer.whenRestored('events', 2)).toBeNull();
  });

  it('runs at most `concurrency` loads at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const h = harness(async (p) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return stateOf(`a-${p}`);
    }, 2);
    h.restorer.assign([0, 1, 2, 3, 4], true);
    for (const p of [0, 1, 2, 3, 4]) expect(await h.restorer.whenRestored('events', p)).toBe(true);
    expect(peak).toBe(2);
    expect(h.restored).toHaveLength(5);
  });

  it('retries a failed load whatever the error, but logs an unknown or non-retryable one at error saying it is retried anyway (issue 8 point 5)', async () => {
    const lines: { level: string; msg: string; note?: string; err: { code: string } }[] = [];
    const recording = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const failures: unknown[] = [
      new CustosError('CUSTOS_CLICKHOUSE', 'ClickHouse history failed: network ECONNRESET (retryable)', true),
      new CustosError('CUSTOS_CLICKHOUSE_AUTH', 'ClickHouse refused the user'),
      new Error('something custos does not know'),
    ];
    const { engine } = recordingEngine();
    const restorer = new PartitionRestorer('events', {
      load: async () => {
        const next = failures.shift();
        if (next !== undefined) throw next;
        return stateOf('a');
      },
      engine,
      logger: recording,
      sleep: noWait,
    });
    restorer.assign([0], true);
    expect(await restorer.whenRestored('events', 0)).toBe(true);
    const failed = lines.filter((l) => l.msg.startsWith('restoring the partition state failed'));
    expect(failed.map((l) => [l.level, l.err.code])).toEqual([
      ['warn', 'CUSTOS_CLICKHOUSE'],
      ['error', 'CUSTOS_CLICKHOUSE_AUTH'],
      ['error', 'CUSTOS_UNEXPECTED'],
    ]);
    expect(failed[0]?.note).toBeUndefined();
    expect(failed[1]?.note).toContain('CUSTOS_CLICKHOUSE_AUTH is not retryable: retried anyway');
    expect(failed[2]?.note).toContain('unknown error (CUSTOS_UNEXPECTED): retried anyway');
  });
  it('replays the events chunk by chunk as they are read, in order, as one restore', async () => {
    const h = harness(async () => ({ activity: [], alerts: [], recentEvents: chunks(eventsOf('a', 'b'), eventsOf('c'), eventsOf('a')) }));
    h.restorer.assign([0], true);
    expect(await h.restorer.whenRestored('events', 0)).toBe(true);
    expect(h.restored).toEqual([['a', 'b', 'c', 'a']]);
    h.restorer.assign([]);
    expect(h.forgotten).toEqual([['a', 'b', 'c']]);
  });

  it('a read failing half-way forgets what it replayed, and the retry replays everything again', async () => {
    let attempts = 0;
    async function* failingAfterFirst(): AsyncGenerator<EnrichedEvent[]> {
      yield eventsOf('a', 'b');
      throw new CustosError('CUSTOS_CLICKHOUSE', 'ClickHouse history failed: network ECONNRESET (retryable)', true);
    }
    const h = harness(async () => {
      attempts++;
      return { activity: [], alerts: [], recentEvents: attempts === 1 ? failingAfterFirst() : chunks(eventsOf('a', 'b'), eventsOf('c')) };
    });
    h.restorer.assign([0], true);
    expect(await h.restorer.whenRestored('events', 0)).toBe(true);
    expect(h.restored).toEqual([['a', 'b'], ['a', 'b', 'c']]);
    expect(h.forgotten).toEqual([['a', 'b']]);
  });

  it('a partition revoked during its replay stops reading, forgets what was replayed and tells its batch to give up', async () => {
    let h!: ReturnType<typeof harness>;
    let readAfterRevoke = false;
    async function* revokedAfterFirst(): AsyncGenerator<EnrichedEvent[]> {
      yield eventsOf('a');
      h.restorer.assign([]); // revoked while the restore reads the rest
      yield eventsOf('b');
      readAfterRevoke = true;
      yield eventsOf('c');
    }
    h = harness(async () => ({ activity: [], alerts: [], recentEvents: revokedAfterFirst() }));
    h.restorer.assign([9], true);
    expect(await h.restorer.whenRestored('events', 9)).toBe(false);
    expect(h.restored).toEqual([['a']]);
    expect(readAfterRevoke).toBe(false);
    expect(h.forgotten).toEqual([['a', 'b']]);
  });

  it('tells the alignment where a restored partition stands, but not for a partition revoked while its state loaded', async () => {
    const deliveries: ((h: PartitionHistory) => void)[] = [];
    const told: [number, number | null, boolean][] = [];
    const { engine } = recordingEngine();
    const restorer = new PartitionRestorer('events', {
      load: () => new Promise<PartitionHistory>((r) => deliveries.push(r)),
      engine,
      logger,
      sleep: noWait,
      alignment: { restored: (p, anchorMs, caughtUp) => void told.push([p, anchorMs, caughtUp]) },
    });
    restorer.assign([1, 2], true);
    const one = restorer.whenRestored('events', 1);
    const two = restorer.whenRestored('events', 2);
    await new Promise((r) => setImmediate(r)); // both loads have started
    restorer.assign([2]); // 1 revoked while loading
    const position = { anchorMs: 1_000, caughtUp: false };
    deliveries[0]?.({ ...stateOf('x'), position });
    deliveries[1]?.({ ...stateOf('y'), position });
    expect([await one, await two]).toEqual([false, true]);
    expect(told).toEqual([[2, 1_000, false]]);
  });
});
