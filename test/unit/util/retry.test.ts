import { describe, expect, it } from 'vitest';
import { backoffMs, retry } from '../../../src/util/retry.js';

describe('retry', () => {
  it('doubles the delay from initialMs up to maxMs, jitter staying within its spread and the cap', () => {
    const b = { initialMs: 250, maxMs: 30_000 };
    expect([1, 2, 3, 8, 9, 50].map((f) => backoffMs(f, b))).toEqual([250, 500, 1_000, 30_000, 30_000, 30_000]);
    expect(backoffMs(1, { ...b, jitter: 0.2 }, () => 0)).toBe(200);
    expect(backoffMs(1, { ...b, jitter: 0.2 }, () => 1)).toBe(300);
    expect(backoffMs(9, { ...b, jitter: 0.2 }, () => 1)).toBe(30_000);
  });

  it('returns the value once an attempt succeeds, and gives up when told, with the last error', async () => {
    let attempts = 0;
    const ok = await retry(async () => (++attempts < 3 ? Promise.reject(new Error('down')) : 'stored'), { backoff: { initialMs: 1, maxMs: 1 }, sleep: async () => undefined });
    expect(ok).toEqual({ ok: true, value: 'stored' });
    const given = await retry(async () => Promise.reject(new Error('still down')), { backoff: { initialMs: 1, maxMs: 1 }, giveUp: (_e, failures) => failures === 2, sleep: async () => undefined });
    expect(given).toMatchObject({ ok: false, failures: 2, error: new Error('still down') });
  });

  it('an abort ends an injected backoff wait too, not only the default one', async () => {
    const ended = new AbortController();
    const result = await retry(async () => Promise.reject(new Error('down')), {
      backoff: { initialMs: 1, maxMs: 1 },
      signal: ended.signal,
      onRetry: () => {
        setTimeout(() => ended.abort(), 5);
      },
      // A wait that never ends by itself: before, an injected sleep ignored the signal and this never returned.
      sleep: () => new Promise<void>(() => undefined),
    });
    expect(result).toMatchObject({ ok: false, failures: 1 });
  }, 10_000);
});
