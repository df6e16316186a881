/** The error catalogue: foreign errors mapped at the boundary, retry decided by the code alone. */
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classify, CustosError, describeError, ERRORS } from '../../src/errors.js';
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

  // kafkajs' own classes, wrapped the way its retrier wraps them (kafkajs/src/retry/index.js); its type
  // declarations leave out some constructors' arguments.
  const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
  const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
  const afterRetries = (e: Error) => new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 5, retryTime: 4_800, cause: e } as never);
  const connectionError = (message: string, code: string) => new KafkaJSConnectionError(`Connection error: ${message}`, { broker: '127.0.0.1:9094', code } as never);

  it('waits for a broker that is not up yet even after kafkajs gave up its own retries (it calls that "not retriable")', () => {
    const refused = afterRetries(connectionError('connect ECONNREFUSED 127.0.0.1:9094', 'ECONNREFUSED'));
    expect(refused.retriable).toBe(false);
    expect(classify(refused)).toEqual({ code: 'CUSTOS_KAFKA', retryable: true, known: true });
    // A non-retriable cause stays not retryable.
    const fatal = new KafkaJSProtocolError({ message: 'Invalid request', type: 'INVALID_REQUEST', code: 42, retriable: false } as never);
    expect(classify(new NonRetriable(fatal, { cause: fatal }))).toMatchObject({ code: 'CUSTOS_KAFKA', retryable: false });
  });

  it('maps a broker certificate that does not verify to CUSTOS_TLS naming CUSTOS_KAFKA_SSL_CA_FILE, wrapped or not', () => {
    const wrongCa = connectionError('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN');
    for (const err of [wrongCa, afterRetries(wrongCa)]) {
      expect(classify(err)).toEqual({ code: 'CUSTOS_TLS', retryable: false, known: true });
      expect(describeError(err).message).toContain('CUSTOS_KAFKA_SSL_CA_FILE');
      expect(describeError(err).message).toContain('SELF_SIGNED_CERT_IN_CHAIN');
    }
  });

  it('names CUSTOS_KAFKA_SSL_SERVERNAME when the broker certificate names another host', () => {
    const err = afterRetries(connectionError("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'));
    expect(classify(err)).toMatchObject({ code: 'CUSTOS_TLS', retryable: false });
    expect(describeError(err).message).toContain('check CUSTOS_KAFKA_SSL_SERVERNAME');
  });

  it('maps a client certificate the broker refused (or none given where required) to CUSTOS_TLS naming CUSTOS_KAFKA_SSL_CERT_FILE', () => {
    for (const code of ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA']) {
      const err = afterRetries(connectionError('ssl3_read_bytes: alert', code));
      expect(classify(err), code).toMatchObject({ code: 'CUSTOS_TLS', retryable: false });
      expect(describeError(err).message).toContain('CUSTOS_KAFKA_SSL_CERT_FILE');
    }
  });

  it('maps a refused SASL login to CUSTOS_KAFKA_AUTH naming the SASL settings, also inside kafkajs` wrapper', () => {
    const sasl = new SaslError('SASL SCRAM SHA256 authentication failed: invalid credentials');
    for (const err of [sasl, new NonRetriable(sasl, { cause: sasl })]) {
      expect(classify(err)).toEqual({ code: 'CUSTOS_KAFKA_AUTH', retryable: false, known: true });
      expect(describeError(err).message).toContain('CUSTOS_KAFKA_SASL_PASSWORD');
    }
  });

  it('maps an ACL refusal (a broker *_AUTHORIZATION_FAILED) to CUSTOS_KAFKA_AUTH, by its type, not its text', () => {
    const denied = new KafkaJSProtocolError({ message: 'Not authorized to access group: Group authorization failed', type: 'GROUP_AUTHORIZATION_FAILED', code: 30, retriable: false } as never);
    expect(classify(denied)).toMatchObject({ code: 'CUSTOS_KAFKA_AUTH', retryable: false });
    expect(describeError(denied).message).toContain('ACL');
    // A message that only mentions authentication is not a refused login.
    expect(classify(connectionError('Connection closed during authentication', 'ECONNRESET'))).toEqual({ code: 'CUSTOS_KAFKA', retryable: true, known: true });
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
