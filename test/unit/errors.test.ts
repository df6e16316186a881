/** The error catalogue: foreign errors mapped at the boundary, retry decided by the code alone. */
import { describe, expect, it } from 'vitest';
import { classify, CustosError, ERRORS } from '../../src/errors.js';
import { ConfigError } from '../../src/config/load.js';
import { ClickHouseSinkError } from '../../src/runtime/outputs/clickhouse/errors.js';
import { RuleSetInvalidError } from '../../src/runtime/engine/errors.js';

const kafkajs = (name: string, retriable: boolean, message = 'x') => Object.assign(new Error(message), { name, retriable });

describe('classify', () => {
  it('reads kafkajs` own flag, spelled `retriable`', () => {
    expect(classify(kafkajs('KafkaJSConnectionError', true))).toEqual({ code: 'CUSTOS_KAFKA', retryable: true, known: true });
    expect(classify(kafkajs('KafkaJSProtocolError', false))).toEqual({ code: 'CUSTOS_KAFKA', retryable: false, known: true });
  });

  it('never retries a Kafka authentication failure, whatever kafkajs says', () => {
    expect(classify(kafkajs('KafkaJSSASLAuthenticationError', true))).toMatchObject({ code: 'CUSTOS_KAFKA_AUTH', retryable: false });
  });

  it('maps ClickHouse credential refusals to CUSTOS_CLICKHOUSE_AUTH (not retried), other server errors by their flag', () => {
    expect(classify(new ClickHouseSinkError('ping', null, { retryable: false, serverCode: 516, reason: 'server error 516' }))).toMatchObject({ code: 'CUSTOS_CLICKHOUSE_AUTH', retryable: false });
    expect(classify(new ClickHouseSinkError('insert', 't', { retryable: true, serverCode: 252, reason: 'too many parts' }))).toMatchObject({ code: 'CUSTOS_CLICKHOUSE', retryable: true });
  });

  it('custos` own errors carry their code; a duck-typed `retryable: false` on a foreign error is not believed', () => {
    expect(classify(new ConfigError(['x']))).toMatchObject({ code: 'CUSTOS_CONFIG', retryable: false });
    expect(classify(new RuleSetInvalidError([]))).toMatchObject({ code: 'CUSTOS_RULES_INVALID', retryable: false });
    expect(classify(Object.assign(new Error('?'), { retryable: false }))).toEqual({ code: 'CUSTOS_UNEXPECTED', retryable: true, known: false });
  });

  it('every code has a meaning and an exit code; CustosError defaults to the catalogue`s flag', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(spec.meaning.length, code).toBeGreaterThan(20);
      expect([0, 1, 78]).toContain(spec.exit);
    }
    expect(new CustosError('CUSTOS_KAFKA', 'x').retryable).toBe(true);
  });
});
