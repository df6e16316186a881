import { describe, expect, it } from 'vitest';
import { retryStartup, StartAborted } from '../../../src/runtime/app/startup-retry.js';
import { createLogger } from '../../../src/observability/log.js';
import { CustosError } from '../../../src/errors.js';

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

  it('fails at once on an error the catalogue says is not retryable (a wrong SASL password), whatever its own flags', async () => {
    let calls = 0;
    const attempt = () => {
      calls++;
      // kafkajs spells its flag `retriable`; an authentication failure is never worth another try.
      return Promise.reject(Object.assign(new Error('SASL PLAIN authentication failed'), { name: 'KafkaJSSASLAuthenticationError', retriable: true }));
    };
    await expect(retryStartup('svc', logger, attempt)).rejects.toThrow('SASL PLAIN authentication failed');
    expect(calls).toBe(1);
  });

  it('fails at once on a custos error flagged not retryable', async () => {
    let calls = 0;
    const attempt = () => {
      calls++;
      return Promise.reject(new CustosError('CUSTOS_CLICKHOUSE', 'schema newer than this custos', false));
    };
    await expect(retryStartup('svc', logger, attempt)).rejects.toThrow('schema newer');
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
