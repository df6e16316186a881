import { describe, expect, it } from 'vitest';
import { retryStartup, StartAborted } from '../../../src/runtime/app/startup-retry.js';
import { createLogger } from '../../../src/observability/log.js';

const logger = createLogger('silent');
const notReady = () => Promise.reject(Object.assign(new Error('connection refused'), { retryable: true }));

describe('retryStartup', () => {
  it('retries a retryable failure until the service answers', async () => {
    let calls = 0;
    const value = await retryStartup('svc', logger, async () => {
      calls++;
      if (calls < 3) throw new Error('not yet');
      return 'up';
    });
    expect(value).toBe('up');
    expect(calls).toBe(3);
  });

  it('fails at once on an error flagged not retryable', async () => {
    let calls = 0;
    const attempt = () => {
      calls++;
      return Promise.reject(Object.assign(new Error('bad credentials'), { retryable: false }));
    };
    await expect(retryStartup('svc', logger, attempt)).rejects.toThrow('bad credentials');
    expect(calls).toBe(1);
  });

  it('ends the wait with StartAborted as soon as a stop is requested', async () => {
    const stop = new AbortController();
    let calls = 0;
    const waiting = retryStartup(
      'svc',
      logger,
      () => {
        calls++;
        if (calls === 4) stop.abort();
        return notReady();
      },
      60_000,
      stop.signal,
    );
    await expect(waiting).rejects.toBeInstanceOf(StartAborted);
    expect(calls).toBe(4);
  });
});
