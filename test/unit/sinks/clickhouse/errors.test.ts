import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { classifyClickHouseError, isAlreadyExists, wrapClickHouseError } from '../../../../src/runtime/outputs/clickhouse/errors.js';

const oldServer = (code: number, text: string) => new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception`);
const newServer = (code: number, type: string) => new ClickHouseError({ message: 'something', code: String(code), type });
const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:8123`), { code });

describe('ClickHouse error classification', () => {
  it.each([
    ['schema error from 18.16', oldServer(60, "Table custos.x doesn't exist."), false, 60],
    ['parse error from 18.16', oldServer(27, 'Cannot parse input: expected , before: secret-row-data'), false, 27],
    ['unknown column on a current server', newServer(16, 'NO_SUCH_COLUMN_IN_TABLE'), false, 16],
    ['too many parts', oldServer(252, 'Too many parts (300). Merges are processing significantly slower than inserts.'), true, 252],
    ['memory limit on a current server', newServer(241, 'MEMORY_LIMIT_EXCEEDED'), true, 241],
  ])('%s', (_, err, retryable, serverCode) => {
    expect(classifyClickHouseError(err)).toMatchObject({ retryable, serverCode });
  });

  it.each([
    ['connection refused', errno('ECONNREFUSED')],
    ['connection reset', errno('ECONNRESET')],
    ['wrapped network error', Object.assign(new Error('request failed'), { cause: errno('EHOSTUNREACH') })],
    ['client timeout', new Error('Timeout error.')],
    ['socket hang up', new Error('socket hang up')],
    ['proxy 502 without a ClickHouse exception', new Error('<html>502 Bad Gateway</html>')],
  ])('%s is retryable', (_, err) => {
    expect(classifyClickHouseError(err).retryable).toBe(true);
  });

  it.each(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'])(
    'a server that refused the client certificate (%s) is a TLS configuration error naming CUSTOS_CLICKHOUSE_CERT_FILE, not retried',
    (code) => {
      const err = Object.assign(new Error('request failed'), { cause: Object.assign(new Error('ssl3_read_bytes: alert'), { code }) });
      expect(classifyClickHouseError(err)).toMatchObject({ retryable: false, tls: true });
      const wrapped = wrapClickHouseError(err, 'version', null);
      expect(wrapped.code).toBe('CUSTOS_TLS');
      expect(wrapped.message).toContain('CUSTOS_CLICKHOUSE_CERT_FILE');
      expect(wrapped.message).toContain(code);
      expect(wrapped.message).not.toContain('CUSTOS_CLICKHOUSE_CA_FILE');
    },
  );

  it('a server certificate that does not verify names CUSTOS_CLICKHOUSE_CA_FILE', () => {
    const wrapped = wrapClickHouseError(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'version', null);
    expect(wrapped.code).toBe('CUSTOS_TLS');
    expect(wrapped.message).toContain('CUSTOS_CLICKHOUSE_CA_FILE');
  });

  it('our own argument checks are not retryable', () => {
    expect(classifyClickHouseError(new RangeError('not a safe integer')).retryable).toBe(false);
  });

  it('the wrapped error names operation, table and query id, never the server text', () => {
    const wrapped = wrapClickHouseError(oldServer(27, 'Cannot parse input before: customer-secret'), 'insert', 'access_events', 'q-1');
    expect(wrapped.message).toBe('ClickHouse insert on access_events failed: server error 27 (CANNOT_PARSE_INPUT_ASSERTION_FAILED) [query_id q-1]');
    expect(wrapped.cause).toBeUndefined();
    expect(JSON.stringify(wrapped)).not.toContain('customer-secret');
  });

  it('recognises the "already exists" race of concurrent DDL, also once wrapped', () => {
    expect(isAlreadyExists(oldServer(57, 'Table custos.alerts already exists.'))).toBe(true);
    expect(isAlreadyExists(wrapClickHouseError(oldServer(82, 'Database custos already exists.'), 'ddl', null))).toBe(true);
    expect(isAlreadyExists(oldServer(60, 'missing'))).toBe(false);
  });
});
