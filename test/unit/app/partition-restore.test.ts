import { describe, expect, it } from 'vitest';
import { PartitionRestorer } from '../../../src/app/partition-restore.js';
import { createLogger } from '../../../src/observability/log.js';

const logger = createLogger('silent');
const noWait = () => Promise.resolve();

describe('PartitionRestorer', () => {
  it('restores each newly assigned partition once, not those it already owned', async () => {
    const restored: number[] = [];
    const restorer = new PartitionRestorer('events', async (_topic, p) => void restored.push(p), logger, 1000, noWait);
    restorer.assign([0, 1]);
    await restorer.whenRestored('events', 1);
    restorer.assign([1, 2]); // 0 revoked, 2 new, 1 kept
    await restorer.whenRestored('events', 2);
    restorer.assign([0, 1, 2]); // 0 is back: another instance owned it meanwhile
    await restorer.whenRestored('events', 0);
    expect(restored).toEqual([0, 1, 2, 0]);
  });

  it('holds the partition`s batches until its restore succeeds, retrying failures', async () => {
    let attempts = 0;
    const restorer = new PartitionRestorer(
      'events',
      async () => {
        attempts++;
        if (attempts < 3) throw new Error('clickhouse unavailable');
      },
      logger,
      1000,
      noWait,
    );
    restorer.assign([4]);
    const waiting = restorer.whenRestored('events', 4);
    expect(waiting).not.toBeNull();
    await waiting;
    expect(attempts).toBe(3);
    expect(restorer.whenRestored('events', 4)).toBeNull();
    expect(restorer.whenRestored('other-topic', 4)).toBeNull();
  });

  it('stops retrying a partition that was revoked', async () => {
    let attempts = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const restorer = new PartitionRestorer(
      'events',
      async () => {
        attempts++;
        throw new Error('clickhouse unavailable');
      },
      logger,
      1000,
      () => gate,
    );
    restorer.assign([7]);
    const waiting = restorer.whenRestored('events', 7);
    restorer.assign([]);
    release();
    await waiting;
    expect(attempts).toBe(1);
  });
});
