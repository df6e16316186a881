import { describe, expect, it } from 'vitest';
import { StopOnce } from '../../../src/runtime/app/stop-once.js';

describe('StopOnce', () => {
  it('runs the steps once and resolves finished on a graceful stop', async () => {
    let runs = 0;
    const lifecycle = new StopOnce(async () => {
      runs++;
    });
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    await expect(lifecycle.finished).resolves.toBeUndefined();
    expect(runs).toBe(1);
  });

  it('rejects finished with the fatal error after running the steps', async () => {
    const order: string[] = [];
    const lifecycle = new StopOnce(async () => {
      order.push('steps');
    });
    const fatal = new Error('consumer crashed');
    await lifecycle.fail(fatal);
    await expect(lifecycle.finished).rejects.toBe(fatal);
    expect(order).toEqual(['steps']);
  });

  it('reports a failure that arrives while a graceful stop is in progress', async () => {
    let release!: () => void;
    const lifecycle = new StopOnce(() => new Promise<void>((resolve) => (release = resolve)));
    const graceful = lifecycle.stop();
    const fatal = new Error('consumer crashed during stop');
    const failing = lifecycle.fail(fatal);
    release();
    await Promise.all([graceful, failing]);
    await expect(lifecycle.finished).rejects.toBe(fatal);
  });

  it('rejects finished when a shutdown step throws', async () => {
    const lifecycle = new StopOnce(async () => {
      throw new Error('close failed');
    });
    await lifecycle.stop();
    await expect(lifecycle.finished).rejects.toThrow('close failed');
  });
});
