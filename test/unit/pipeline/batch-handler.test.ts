/**
 * The batch handler and the output writer: every durable output retried with
 * the same output until it acknowledged (one that did is not written again),
 * followers told once after, and what happens when a batch is given up (its
 * engine output is carried over, never dropped), without Kafka or ClickHouse.
 */
import { describe, expect, it } from 'vitest';
import type { ActorActivityRow, AlertState, AlertUpdate } from '../../../src/runtime/engine/api.js';
import type { Alert } from '../../../src/model/alert.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { createBatchHandler } from '../../../src/runtime/pipeline/batch-handler.js';
import type { BatchProcessor } from '../../../src/runtime/pipeline/batch-processor.js';
import { CarryOver } from '../../../src/runtime/pipeline/carry-over.js';
import { OutputWriter } from '../../../src/runtime/pipeline/output-writer.js';
import type { Output } from '../../../src/runtime/outputs/output.js';
import type { BatchOutput, DeadLetter } from '../../../src/model/batch.js';
import { type OutputBatch } from '../../../src/model/batch.js';

const update = (id: string): AlertUpdate => ({ alert: { alert_id: id, revision: 1 } as Alert, events: { actors: { one: id }, eventIds: null, fromMs: 0, toMs: 0 }, notify: true, state: { alertId: id } as AlertState });
const row = (actor: string): ActorActivityRow => ({ actor_id: actor }) as ActorActivityRow;
const deadLetter = { record: { reason: 'malformed_json' } } as DeadLetter;

function outputOf(n: number, over: Partial<BatchOutput> = {}): BatchOutput {
  return { events: [], rejected: [], deadLetters: [], alerts: [update(`a${n}`)], activity: [row(`r${n}`)], processed: 2, ...over };
}

const STORED = { kind: 'stored', through: '8', held: false };
const ABANDONED = { kind: 'abandoned' };

function writerOf(outputs: Output[]): OutputWriter {
  return new OutputWriter({ outputs, metrics: new Metrics(false), logger: createLogger('silent'), now: () => 1_000, backoff: { initialMs: 1, maxMs: 1 }, sleep: async () => undefined });
}

type PartitionState = { whenRestored(topic: string, partition: number): Promise<boolean> | null; noteActors(): void };
const restoring = (whenRestored: () => Promise<boolean> | null): PartitionState => ({ whenRestored, noteActors: () => undefined });

function harness(outputs: BatchOutput[], partitionState?: PartitionState) {
  const writes: OutputBatch[] = [];
  const sent: (readonly DeadLetter[])[] = [];
  const enqueued: string[] = [];
  const state = { storeFailures: 0, deadLetterFailures: 0, abandon: false };
  const carryOver = new CarryOver();
  let next = 0;
  const processed = () => next;
  const handler = createBatchHandler({
    ...(partitionState && { partitionState }),
    processor: {
      prepare: () => ({ events: [], enriched: [], rejected: [], deadLetters: [], processed: outputs[next]?.processed ?? 2 }),
      evaluate: () => outputs[next++],
    } as unknown as BatchProcessor,
    carryOver,
    writer: writerOf([
      {
        name: 'dead_letter',
        role: 'durable',
        write: async (b) => {
          if (!b.deadLetters || b.deadLetters.length === 0) return;
          if (state.deadLetterFailures-- > 0) throw Object.assign(new Error('broker down'), { retryable: true });
          sent.push(b.deadLetters);
        },
      },
      {
        name: 'store',
        role: 'durable',
        write: async (b) => {
          writes.push(b);
          if (state.storeFailures-- > 0) throw Object.assign(new Error('clickhouse down'), { retryable: true });
        },
      },
      { name: 'notify', role: 'follower', write: async (b) => void enqueued.push(...b.alerts.map((u) => u.alert.alert_id)) },
    ]),
    metrics: new Metrics(false),
    logger: createLogger('silent'),
    sleep: async () => undefined,
  });
  const heartbeats = { count: 0, onBeat: (_n: number) => undefined as void };
  const control = {
    heartbeat: async () => heartbeats.onBeat(++heartbeats.count),
    shouldAbandon: () => state.abandon,
  };
  const messages = [{ key: null, value: null, offset: '7' }, { key: null, value: null, offset: '8' }];
  const run = () => handler({ topic: 't', partition: 0, messages }, control);
  return { run, writes, sent, enqueued, state, carryOver, heartbeats, processed };
}

describe('batch handler', () => {
  it('evaluates a newly assigned partition`s batch only after its state is restored, heartbeating meanwhile', async () => {
    let restored!: (ok: boolean) => void;
    const pending = new Promise<boolean>((r) => (restored = r));
    const h = harness([outputOf(1)], restoring(() => pending));
    h.heartbeats.onBeat = (n) => {
      expect(h.processed()).toBe(0); // nothing evaluated while restoring
      if (n === 3) restored(true);
    };
    expect(await h.run()).toEqual(STORED);
    expect(h.heartbeats.count).toBe(3);
    expect(h.processed()).toBe(1);
  });

  it('gives up a batch whose partition is lost while its state is being restored, evaluating nothing', async () => {
    const h = harness([outputOf(1)], restoring(() => new Promise<boolean>(() => undefined)));
    h.heartbeats.onBeat = (n) => {
      if (n === 2) h.state.abandon = true;
    };
    expect(await h.run()).toEqual(ABANDONED);
    expect(h.processed()).toBe(0);
    expect(h.carryOver.take()).toEqual({ alerts: [], activity: [] });
  });

  it('gives up, evaluating nothing, when the restore was given up or a heartbeat fails (a rebalance waits)', async () => {
    const given = harness([outputOf(1)], restoring(() => Promise.resolve(false)));
    expect(await given.run()).toEqual(ABANDONED);
    expect(given.processed()).toBe(0);

    const rebalancing = harness([outputOf(1)], restoring(() => new Promise<boolean>(() => undefined)));
    rebalancing.heartbeats.onBeat = () => {
      throw new Error('The group is rebalancing, so a rejoin is needed');
    };
    expect(await rebalancing.run()).toEqual(ABANDONED);
    expect(rebalancing.processed()).toBe(0);
  });

  it('gives a failing write up, carrying its output over, once a heartbeat fails (a rebalance waits for the batch to end)', async () => {
    const h = harness([outputOf(1)]);
    h.state.storeFailures = 50;
    h.heartbeats.onBeat = (n) => {
      // Stands for the consumer stopping much later: before, the write went on failing until then, holding the rebalance.
      if (n >= 20) h.state.abandon = true;
      throw Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS' });
    };
    expect(await h.run()).toEqual(ABANDONED);
    expect(h.writes).toHaveLength(1);
    expect(h.heartbeats.count).toBe(1);
    expect(h.carryOver.takeWith(outputOf(2)).alerts.map((u) => u.alert.alert_id)).toEqual(['a1', 'a2']);
  });

  it('retries a failing store with the same processed output, then notifies', async () => {
    const h = harness([outputOf(1)]);
    h.state.storeFailures = 2;
    expect(await h.run()).toEqual(STORED);
    expect(h.writes).toHaveLength(3);
    expect(h.writes[1]).toEqual(h.writes[0]);
    expect(h.writes[2]).toEqual(h.writes[0]);
    expect(h.enqueued).toEqual(['a1']);
  });

  it('retries only the outputs that failed: a failing dead-letter send is retried alone, the store written once', async () => {
    const h = harness([outputOf(1, { deadLetters: [deadLetter] })]);
    h.state.deadLetterFailures = 2;
    expect(await h.run()).toEqual(STORED);
    expect(h.sent).toEqual([[deadLetter]]);
    expect(h.writes).toHaveLength(1);
    // Followers only after every durable output acknowledged.
    expect(h.enqueued).toEqual(['a1']);
  });

  it('stamps the write once, so every output and every retry records the same instant', async () => {
    const h = harness([outputOf(1)]);
    h.state.storeFailures = 2;
    await h.run();
    expect(h.writes.map((w) => w.writtenAtMs)).toEqual([1_000, 1_000, 1_000]);
  });

  it('a given-up batch keeps its alerts and activity, and the next write stores them', async () => {
    const h = harness([outputOf(1), outputOf(2)]);
    h.state.storeFailures = 1;
    h.state.abandon = true; // the consumer is stopping / lost the partition while the store fails
    expect(await h.run()).toEqual(ABANDONED);
    expect(h.enqueued).toEqual([]);
    expect(h.carryOver.size).toBe(2);

    h.state.abandon = false;
    expect(await h.run()).toEqual(STORED);
    const last = h.writes.at(-1);
    expect(last?.alerts.map((u) => u.alert.alert_id)).toEqual(['a1', 'a2']);
    expect(last?.activity.map((r) => r.actor_id)).toEqual(['r1', 'r2']);
    expect(h.enqueued).toEqual(['a1', 'a2']);
    expect(h.carryOver.size).toBe(0);
  });

  it('a batch cut by partition alignment stores and commits the prefix taken, and holds the rest', async () => {
    const h = harness([outputOf(1, { processed: 1 }), outputOf(2, { processed: 0, alerts: [], activity: [] })]);
    expect(await h.run()).toEqual({ kind: 'stored', through: '7', held: true });
    expect(h.writes).toHaveLength(1);
    // Nothing taken at all: nothing to store, the partition waits; the empty evaluation still
    // tells the alignment where it is held (or it would never be resumed).
    expect(await h.run()).toEqual({ kind: 'stored', through: null, held: true });
    expect(h.writes).toHaveLength(1);
    expect(h.processed()).toBe(2);
  });

  it('a batch given up while dead-lettering keeps its engine output too', async () => {
    const h = harness([outputOf(1, { deadLetters: [deadLetter] })]);
    h.state.deadLetterFailures = 5;
    h.state.abandon = true;
    expect(await h.run()).toEqual(ABANDONED);
    // The store acknowledged (outputs are written independently); the batch as a whole did not,
    // so its engine output is kept for the next write (storing it twice is harmless).
    expect(h.writes).toHaveLength(1);
    expect(h.enqueued).toEqual([]);
    expect(h.carryOver.take().alerts.map((u) => u.alert.alert_id)).toEqual(['a1']);
  });
});

describe('sink health', () => {
  it('turns unhealthy only after failing longer than the grace period, and recovers on success', async () => {
    const { SinkHealth } = await import('../../../src/runtime/pipeline/sink-health.js');
    let now = 0;
    const health = new SinkHealth(() => now, 1000);
    health.failed();
    now = 1000;
    health.failed(); // still failing: the clock runs from the first failure
    expect(health.healthy).toBe(true);
    now = 1001;
    expect(health.healthy).toBe(false);
    health.succeeded();
    expect(health.healthy).toBe(true);
    expect(health.failingForMs()).toBe(0);
  });
});

describe('carry-over', () => {
  it('drops what it keeps for actors whose partition moved to another instance', () => {
    const carry = new CarryOver();
    const alertOf = (actor: string): AlertUpdate => ({ alert: { alert_id: `al-${actor}`, actor_id: actor } as Alert, events: { actors: { one: actor }, eventIds: null, fromMs: 0, toMs: 0 }, notify: true, state: { alertId: `al-${actor}` } as AlertState });
    carry.keep({ alerts: [alertOf('moved'), alertOf('stays')], activity: [row('moved'), row('stays')] });
    carry.dropActors(new Set(['moved']));
    expect(carry.take()).toEqual({ alerts: [alertOf('stays')], activity: [row('stays')] });
  });
});

describe('batch handler: actors evicted under the cap', () => {
  /** `over`: a rebuild and heartbeat of the test's own instead of the failing-then-succeeding ones. */
  function rebuildHarness(
    rebuildFailures: number,
    abandonAfterFailure = false,
    over: { rebuild?: () => Promise<void>; heartbeat?: () => Promise<void>; heartbeatIntervalMs?: number; sleep?: (ms: number) => Promise<void>; shouldAbandon?: () => boolean } = {},
  ) {
    const log: string[] = [];
    const state = { failures: rebuildFailures, abandon: false };
    const metrics = new Metrics(false);
    const enriched = [{ actor_id: 'alice' }, { actor_id: 'bob' }, { actor_id: 'alice' }];
    const handler = createBatchHandler({
      processor: {
        prepare: () => ({ events: [], enriched, rejected: [], deadLetters: [], processed: 1 }),
        evaluate: () => {
          log.push('evaluate');
          return outputOf(1);
        },
      } as unknown as BatchProcessor,
      carryOver: new CarryOver(),
      writer: writerOf([{ name: 'store', role: 'durable', write: async () => undefined }]),
      metrics,
      logger: createLogger('silent'),
      sleep: over.sleep ?? (async () => undefined),
      caps: () => ({ actorsEvicted: 3, alertsClosedEarly: 0, historiesDropped: 0, stormFolds: 0 }),
      ...(over.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: over.heartbeatIntervalMs }),
      evictedActors: {
        among: (ids) => [...new Set(ids)].filter((id) => id === 'alice'),
        rebuild: over.rebuild ?? (async (ids) => {
          log.push(`rebuild ${ids.join(',')}`);
          if (state.failures-- > 0) {
            if (abandonAfterFailure) state.abandon = true;
            throw new Error('clickhouse down');
          }
        }),
      },
    });
    const control = { heartbeat: over.heartbeat ?? (async () => undefined), shouldAbandon: over.shouldAbandon ?? (() => state.abandon) };
    return { run: () => handler({ topic: 't', partition: 0, messages: [{ key: null, value: null, offset: '3' }] }, control), log, metrics };
  }

  it('rebuilds the evicted actors of a batch (each once) before evaluating it, retrying a failed load', async () => {
    const h = rebuildHarness(2);
    expect(await h.run()).toEqual({ kind: 'stored', through: '3', held: false });
    expect(h.log).toEqual(['rebuild alice', 'rebuild alice', 'rebuild alice', 'evaluate']);
    expect((await h.metrics.registry.getSingleMetricAsString('custos_engine_capped_total'))).toContain('what="actors"} 3');
  });

  it('heartbeats while a rebuild`s request hangs (a frozen ClickHouse), so the group keeps the member', async () => {
    let beats = 0;
    let answer!: () => void;
    const h = rebuildHarness(0, false, {
      heartbeatIntervalMs: 5,
      // Answers only once the member has heartbeaten three times while waiting: before, it never heartbeat during the request.
      rebuild: () => new Promise<void>((resolve) => (answer = resolve)),
      heartbeat: async () => {
        if (++beats === 3) answer();
      },
    });
    expect(await h.run()).toEqual({ kind: 'stored', through: '3', held: false });
    expect(beats).toBeGreaterThanOrEqual(3);
    expect(h.log).toEqual(['evaluate']);
  });

  it('gives the batch up unevaluated when the consumer stops while the rebuild fails', async () => {
    const h = rebuildHarness(1, true);
    expect(await h.run()).toEqual(ABANDONED);
    expect(h.log).toEqual(['rebuild alice']);
  });

  it('a consumer stopping while a failed rebuild waits out its backoff gives the batch up then, not after the wait', async () => {
    let asked = 0;
    const h = rebuildHarness(1, false, {
      // A backoff wait that does not end by itself (one of up to 30 s after a long outage): before, the stop was held until it did.
      sleep: () => new Promise<void>(() => undefined),
      // The consumer is not stopping when the failure is seen, and is told to stop during the wait.
      shouldAbandon: () => asked++ > 0,
    });
    expect(await h.run()).toEqual(ABANDONED);
    expect(h.log).toEqual(['rebuild alice']);
  }, 10_000);

  it('heartbeats through a failed rebuild`s backoff wait, not only once before it', async () => {
    const h = rebuildHarness(1, false, {
      heartbeatIntervalMs: 5,
      // A wait of 100 ms (one of up to 30 s after a long outage, longer than some session timeouts).
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 100))),
      heartbeat: async () => {
        h.log.push('beat');
      },
    });
    expect(await h.run()).toEqual({ kind: 'stored', through: '3', held: false });
    const first = h.log.indexOf('rebuild alice');
    const second = h.log.indexOf('rebuild alice', first + 1);
    // Before, one beat came between the failure and the next attempt, whatever the wait.
    expect(h.log.slice(first + 1, second).filter((x) => x === 'beat').length).toBeGreaterThanOrEqual(4);
  });

  it('a failed heartbeat during a failed rebuild`s backoff wait gives the batch up, so that the group can rebalance', async () => {
    let beats = 0;
    const h = rebuildHarness(5, false, {
      heartbeat: async () => {
        if (++beats === 2) throw new Error('The group is rebalancing, so a rejoin is needed');
      },
    });
    expect(await h.run()).toEqual(ABANDONED);
    expect(h.log).toEqual(['rebuild alice', 'rebuild alice']);
  });
});

describe('batch handler: one partition`s synchronous stages per turn of the event loop', () => {
  it('sends the inserts a batch started before the next partition`s batch is decoded', async () => {
    const order: string[] = [];
    const handler = createBatchHandler({
      processor: {
        prepare: (_topic: string, partition: number) => {
          order.push(`prepare p${partition}`);
          return { partition, events: [], enriched: [], rejected: [], deadLetters: [], processed: 1 };
        },
        evaluate: (prepared: { partition: number }) =>
          outputOf(1, { progress: [{ topic: 't', partition: prepared.partition, endOffset: '3', maxTsMs: 0, events: 0 }] }),
      } as unknown as BatchProcessor,
      carryOver: new CarryOver(),
      writer: writerOf([
        {
          name: 'store',
          role: 'durable',
          // Stands for an insert: sending its request takes a chain of microtasks and
          // nextTicks (socket, body stream), then the answer comes on a later turn.
          write: async (b) => {
            for (let hop = 0; hop < 20; hop++) await Promise.resolve();
            order.push(`sent p${b.progress?.[0]?.partition}`);
            await new Promise<void>((resolve) => setImmediate(resolve));
          },
        },
      ]),
      metrics: new Metrics(false),
      logger: createLogger('silent'),
      sleep: async () => undefined,
    });
    const control = { heartbeat: async () => undefined, shouldAbandon: () => false };
    const batchOf = (partition: number) => ({ topic: 't', partition, messages: [{ key: null, value: null, offset: '3' }] });
    // kafkajs starts the batches of one fetch together.
    const outcomes = await Promise.all([0, 1, 2].map((p) => handler(batchOf(p), control)));
    expect(outcomes).toEqual([STORED, STORED, STORED].map((o) => ({ ...o, through: '3' })));
    // Without turns: prepare p0, prepare p1, prepare p2, then the three requests: a batch's
    // inserts were not even sent before every other partition's synchronous work was done.
    expect(order).toEqual(['prepare p0', 'sent p0', 'prepare p1', 'sent p1', 'prepare p2', 'sent p2']);
  });
});

describe('batch handler: the batches of one fetch announced to the outputs', () => {
  /** An output that groups writes (as the ClickHouse output does) sees how many batches are announced. */
  function announcing(prepare: (partition: number) => void = () => undefined, partitionState?: PartitionState) {
    const state = { announced: 0, seen: [] as string[] };
    const handler = createBatchHandler({
      ...(partitionState && { partitionState }),
      processor: {
        prepare: (_topic: string, partition: number) => {
          prepare(partition);
          return { partition, events: [], enriched: [], rejected: [], deadLetters: [], processed: 1 };
        },
        evaluate: (prepared: { partition: number }) => outputOf(1, { progress: [{ topic: 't', partition: prepared.partition, endOffset: '3', maxTsMs: 0, events: 0 }] }),
      } as unknown as BatchProcessor,
      carryOver: new CarryOver(),
      writer: writerOf([
        {
          name: 'store',
          role: 'durable',
          write: async (b) => void state.seen.push(`write p${b.progress?.[0]?.partition} with ${state.announced} announced`),
          expect: () => {
            state.announced++;
            let done = false;
            return () => {
              if (!done) state.announced--;
              done = true;
            };
          },
        },
      ]),
      metrics: new Metrics(false),
      logger: createLogger('silent'),
      sleep: async () => undefined,
    });
    const beats = { onBeat: () => undefined as void };
    const control = { heartbeat: async () => beats.onBeat(), shouldAbandon: () => false };
    const run = (p: number) => handler({ topic: 't', partition: p, messages: [{ key: null, value: null, offset: '3' }] }, control);
    return { state, run, beats };
  }

  it('announces every batch before any computes, and withdraws each once its write began', async () => {
    const h = announcing();
    await Promise.all([0, 1, 2].map((p) => h.run(p)));
    // Each write is handed over while the batches not yet written (itself included) are announced.
    expect(h.state.seen).toEqual(['write p0 with 3 announced', 'write p1 with 2 announced', 'write p2 with 1 announced']);
    expect(h.state.announced).toBe(0);
  });

  it('withdraws a batch that fails, and one that waits for its partition`s restore before it waits', async () => {
    const failing = announcing((p) => {
      if (p === 1) throw new Error('boom');
    });
    const outcomes = await Promise.allSettled([0, 1, 2].map((p) => failing.run(p)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(failing.state.seen).toEqual(['write p0 with 3 announced', 'write p2 with 1 announced']);
    expect(failing.state.announced).toBe(0);

    let restored!: (ok: boolean) => void;
    const pending = new Promise<boolean>((r) => (restored = r));
    const waiting = announcing(undefined, restoring(() => pending));
    const announcedWhileRestoring: number[] = [];
    waiting.beats.onBeat = () => {
      announcedWhileRestoring.push(waiting.state.announced);
      restored(true);
    };
    await waiting.run(0);
    expect(announcedWhileRestoring).toEqual([0]);
    expect(waiting.state.seen).toEqual(['write p0 with 0 announced']);
  });
});

describe('output writer: a backoff wait ends when the write is to be given up', () => {
  it('a consumer stopping while a failing write waits out its backoff gives the write up then, not after the wait', async () => {
    const state = { stopping: false, attempts: 0 };
    const writer = new OutputWriter({
      outputs: [
        {
          name: 'store',
          role: 'durable',
          write: async () => {
            state.attempts++;
            // The consumer is told to stop while this attempt fails (as at a shutdown during a ClickHouse outage).
            state.stopping = true;
            throw Object.assign(new Error('clickhouse down'), { retryable: true });
          },
        },
      ],
      metrics: new Metrics(false),
      logger: createLogger('silent'),
      now: () => 1_000,
      // The real backoff wait (no injected sleep), far longer than this test may take: before, write() returned only after it.
      backoff: { initialMs: 600_000, maxMs: 600_000 },
    });
    // shouldAbandon(failures) is false for the failure just seen (a tick's limit), true once the consumer stops.
    let asked = 0;
    const given = await writer.write({ events: [], rejected: [], alerts: [], activity: [] }, { shouldAbandon: () => asked++ > 0 && state.stopping });
    expect(given).toBe(false);
    expect(state.attempts).toBe(1);
  }, 10_000);
});
