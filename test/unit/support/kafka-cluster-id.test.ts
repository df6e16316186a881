/**
 * The test brokers' cluster ids go on kafka-storage's command line after
 * `-t`: one that starts with '-' is read as an option and the broker never
 * starts (a CI run failed so, 1 draw in 64).
 */
import { describe, expect, it } from 'vitest';
import { kafkaClusterId } from '../../support/kafka-tls-broker.js';

describe('kafkaClusterId', () => {
  it('is 16 bytes of URL-safe base64 and never starts with "-" (10,000 draws)', () => {
    const ids = Array.from({ length: 10_000 }, () => kafkaClusterId());
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
