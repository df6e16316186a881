import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyResponse, DEFAULT_RETRY_POLICY, nextDelayMs, parseRetryAfter } from '../../../../src/runtime/outputs/alerts/retry-policy.js';

const middle = () => 0.5; // jitter factor exactly 1.0
const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);

describe('backoff schedule', () => {
  it('doubles from 1 s and stops at the 5 min cap', () => {
    const schedule = Array.from({ length: 12 }, (_, i) => backoffDelayMs(i + 1, DEFAULT_RETRY_POLICY, middle));
    expect(schedule).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000]);
  });

  it('jitter stays within ±20% and never exceeds the cap', () => {
    expect(backoffDelayMs(1, DEFAULT_RETRY_POLICY, () => 0)).toBe(800);
    expect(backoffDelayMs(1, DEFAULT_RETRY_POLICY, () => 0.999999)).toBe(1200);
    expect(backoffDelayMs(50, DEFAULT_RETRY_POLICY, () => 0.999999)).toBe(300000);
    expect(backoffDelayMs(50, DEFAULT_RETRY_POLICY, () => 0)).toBe(240000);
  });

  it('Retry-After lengthens the wait but never shortens it, and is bounded', () => {
    expect(nextDelayMs(1, 30_000, DEFAULT_RETRY_POLICY, middle)).toBe(30_000);
    expect(nextDelayMs(5, 1000, DEFAULT_RETRY_POLICY, middle)).toBe(16_000);
    expect(nextDelayMs(1, 86_400_000, DEFAULT_RETRY_POLICY, middle)).toBe(3_600_000);
  });
});

describe('response classification', () => {
  it.each([200, 201, 202, 204, 299])('%i is delivered', (status) => {
    expect(classifyResponse(status, null, NOW)).toEqual({ kind: 'delivered', httpStatus: status });
  });

  it.each([500, 502, 503, 504, 408, 429])('%i is retried', (status) => {
    expect(classifyResponse(status, null, NOW)).toMatchObject({ kind: 'retry', httpStatus: status, error: `http ${status}` });
  });

  it.each([400, 401, 403, 404, 410, 413, 422, 301, 302, 307])('%i is a permanent failure', (status) => {
    expect(classifyResponse(status, null, NOW)).toMatchObject({ kind: 'permanent', httpStatus: status });
  });

  it('429 carries its Retry-After', () => {
    expect(classifyResponse(429, '120', NOW)).toMatchObject({ kind: 'retry', retryAfterMs: 120_000 });
  });
});

describe('Retry-After parsing', () => {
  it('reads seconds and HTTP dates, ignores garbage', () => {
    expect(parseRetryAfter('5', NOW)).toBe(5000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-5', NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });
});
