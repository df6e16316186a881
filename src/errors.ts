/**
 * Every error custos raises has a stable code, a documented meaning
 * (docs/errors.md, kept in sync by test/unit/docs/errors.test.ts), an explicit
 * `retryable` flag and the exit code it ends `custos run` with at start.
 * Foreign errors (kafkajs, ClickHouse, HTTP) are mapped here, at the
 * boundary, by `classify`: retry code reads only its answer, never a message.
 */
import { tlsFailureOf } from './util/tls-failure.js';

/**
 * `retryable` is the code's default; `varies`: each error of the code says for
 * itself (the boundary classifies it), `retryable` being the default for one
 * that cannot tell.
 */
export interface ErrorSpec {
  readonly retryable: boolean;
  readonly varies?: true;
  readonly exit: number;
  readonly meaning: string;
}

export const ERRORS = {
  CUSTOS_CONFIG: { retryable: false, exit: 78, meaning: 'A setting is missing or invalid; the message names the variable (or file key) and the rule it broke.' },
  CUSTOS_RULES_INVALID: { retryable: false, exit: 78, meaning: 'A rule, list or exception file is invalid; every problem is listed with file, line and reason.' },
  CUSTOS_INVALID_SOURCE: { retryable: false, exit: 78, meaning: 'An enrichment file (directory, zones, fields, calendar) cannot be used; every problem with file, line and reason.' },
  CUSTOS_CHECK: { retryable: false, exit: 78, meaning: 'The configuration check (`custos check`, also run by `custos run` at start) found errors across the rules folder, the enrichment files and their cross-checks; every finding with file, line and reason.' },
  CUSTOS_ENGINE_CONFIG: { retryable: false, exit: 78, meaning: 'The detection engine was given an unusable option.' },
  CUSTOS_USAGE: { retryable: false, exit: 78, meaning: 'A command was given arguments it cannot use (flags that conflict or are missing, a file or folder that cannot be read, a request the server cannot do such as SQL grants on 18.16); the message says which.' },
  CUSTOS_CONSOLE_USERS: { retryable: false, exit: 78, meaning: 'The console users file (CUSTOS_CONSOLE_USERS_FILE) cannot be read or is invalid; every problem is listed.' },
  CUSTOS_CLICKHOUSE: { retryable: true, varies: true, exit: 1, meaning: 'A ClickHouse request failed; `retryable` says whether trying again can help (network, overload: yes; a schema changed by hand: no).' },
  CUSTOS_CLICKHOUSE_AUTH: { retryable: false, exit: 78, meaning: 'ClickHouse refused the user or password (CUSTOS_CLICKHOUSE_USERNAME, CUSTOS_CLICKHOUSE_PASSWORD), or the user lacks a privilege custos needs.' },
  CUSTOS_CLICKHOUSE_SCHEMA: { retryable: false, exit: 78, meaning: 'CUSTOS_CLICKHOUSE_MANAGE_SCHEMA is false and the database lacks this version of the custos schema: run `custos db migrate` as a user allowed to create tables.' },
  CUSTOS_TLS: { retryable: false, exit: 78, meaning: 'A TLS handshake failed for a reason retrying cannot fix: the server certificate did not verify against the configured CA (CUSTOS_KAFKA_SSL_CA_FILE, CUSTOS_CLICKHOUSE_CA_FILE; else the system CAs) or names another host, or a Kafka broker or the ClickHouse server refused the client certificate or required one (CUSTOS_KAFKA_SSL_CERT_FILE, CUSTOS_KAFKA_SSL_KEY_FILE; CUSTOS_CLICKHOUSE_CERT_FILE, CUSTOS_CLICKHOUSE_KEY_FILE); the message names the setting.' },
  CUSTOS_KAFKA: { retryable: true, varies: true, exit: 1, meaning: 'A Kafka request failed; `retryable` follows kafkajs (`retriable`) of the error under its wrappers: a broker not up yet is waited for even after kafkajs gives up its own retries.' },
  CUSTOS_KAFKA_AUTH: { retryable: false, exit: 78, meaning: 'Kafka refused the SASL credentials (CUSTOS_KAFKA_SASL_MECHANISM, CUSTOS_KAFKA_SASL_USERNAME, CUSTOS_KAFKA_SASL_PASSWORD) or the client is not authorised.' },
  CUSTOS_ERASURE_INCOMPLETE: { retryable: true, exit: 1, meaning: '`custos db erase` could not finish: the server had not applied its mutations within `--wait-seconds`, or rows holding the customer\'s pseudonyms kept being stored; what was done stays done and audited as failed: run it again (it is idempotent).' },
  CUSTOS_START_ABORTED: { retryable: false, exit: 0, meaning: 'A stop was requested while the start still waited for a service: not a failure.' },
  CUSTOS_UNEXPECTED: { retryable: true, exit: 1, meaning: 'An error custos does not know (from a library, or an internal invariant broken: a bug); retried where retrying is safe, and logged at error level every time, saying it is retried anyway, so it is not retried silently.' },
} as const satisfies Readonly<Record<string, ErrorSpec>>;

export type ErrorCode = keyof typeof ERRORS;

/** Base of custos' own errors: a code from the catalogue and whether retrying can help. */
export class CustosError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    retryable: boolean = ERRORS[code].retryable,
  ) {
    super(message);
    this.retryable = retryable;
  }
}

export interface Classified {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** false for an error of unknown origin (CUSTOS_UNEXPECTED): retried, but logged as unexpected. */
  readonly known: boolean;
}

/** ClickHouse server codes that mean the credentials or privileges are wrong, not the weather. */
// 164 READONLY, 291 DATABASE_ACCESS_DENIED, 392 QUERY_IS_PROHIBITED (allow_ddl 0): a user of the access model doing what it may not.
const CLICKHOUSE_AUTH_CODES = new Set([164, 192, 193, 194, 291, 392, 497, 516]);

export function classify(err: unknown): Classified {
  if (err instanceof CustosError) {
    if (err.code === 'CUSTOS_CLICKHOUSE' && CLICKHOUSE_AUTH_CODES.has((err as { serverCode?: number | null }).serverCode ?? -1)) {
      return { code: 'CUSTOS_CLICKHOUSE_AUTH', retryable: false, known: true };
    }
    return { code: err.code, retryable: err.retryable, known: true };
  }
  const name = err instanceof Error ? err.name : '';
  if (name.startsWith('KafkaJS')) {
    const k = classifyKafka(err as Error);
    return { code: k.code, retryable: k.retryable, known: true };
  }
  return { code: 'CUSTOS_UNEXPECTED', retryable: true, known: false };
}

interface KafkaFailure {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** For what configuration must fix: what happened and which settings to check (no secrets, no data). */
  readonly reason: string | null;
}

/**
 * kafkajs wraps what it ran into: in KafkaJSNumberOfRetriesExceeded after its
 * own retries, in KafkaJSNonRetriableError around an error it will not retry.
 * Both say "not retriable" of themselves, so the error underneath decides: a
 * broker still starting is worth waiting for, a refused password is not.
 */
function kafkaCause(err: Error): Error {
  let e = err;
  for (let depth = 0; depth < 4 && (e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSNonRetriableError'); depth++) {
    const cause = (e as { cause?: unknown }).cause;
    if (!(cause instanceof Error) || cause === e) break;
    e = cause;
  }
  return e;
}

/** Broker error types that mean the credentials or the ACLs are wrong, not the weather. */
const KAFKA_AUTH_TYPE = /^(SASL_AUTHENTICATION_FAILED|UNSUPPORTED_SASL_MECHANISM|[A-Z_]+_AUTHORIZATION_FAILED)$/;

function classifyKafka(err: Error): KafkaFailure {
  const cause = kafkaCause(err);
  const tls = tlsFailureOf(cause);
  if (tls?.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { code: 'CUSTOS_TLS', retryable: false, reason: `Kafka TLS: the broker's certificate names another host (${tls.code}): check CUSTOS_KAFKA_SSL_SERVERNAME (unset: the host names in CUSTOS_KAFKA_BROKERS)` };
  }
  if (tls?.side === 'server-certificate') {
    return { code: 'CUSTOS_TLS', retryable: false, reason: `Kafka TLS: the broker's certificate did not verify (${tls.code}): check CUSTOS_KAFKA_SSL_CA_FILE (the CA that signed the brokers' certificates; unset: the system CAs)` };
  }
  if (tls?.side === 'client-certificate') {
    return { code: 'CUSTOS_TLS', retryable: false, reason: `Kafka TLS: the broker refused the client certificate (${tls.code}): check CUSTOS_KAFKA_SSL_CERT_FILE and CUSTOS_KAFKA_SSL_KEY_FILE (a certificate the brokers trust, required by this listener)` };
  }
  const type = (cause as { type?: unknown }).type;
  if (cause.name === 'KafkaJSSASLAuthenticationError' || (typeof type === 'string' && KAFKA_AUTH_TYPE.test(type))) {
    const authorisation = typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED');
    return {
      code: 'CUSTOS_KAFKA_AUTH',
      retryable: false,
      reason: authorisation
        ? `Kafka refused an operation (${type}): the principal custos logs in as (CUSTOS_KAFKA_SASL_USERNAME or the client certificate) lacks an ACL it needs`
        : 'Kafka refused the SASL login: check CUSTOS_KAFKA_SASL_MECHANISM, CUSTOS_KAFKA_SASL_USERNAME and CUSTOS_KAFKA_SASL_PASSWORD',
    };
  }
  // kafkajs spells its flag `retriable`.
  return { code: 'CUSTOS_KAFKA', retryable: (cause as { retriable?: unknown }).retriable !== false, reason: null };
}

/** Error summary for logs: code, message and name only (no row data, no request bodies, no causes). */
export function describeError(err: unknown): { code: ErrorCode; message: string; name?: string } {
  const c = classify(err);
  if (err instanceof Error) {
    // A Kafka failure configuration must fix says which settings to check; kafkajs' own text follows.
    const reason = err.name.startsWith('KafkaJS') ? classifyKafka(err).reason : null;
    return { code: c.code, message: (reason ? `${reason}; ${err.message}` : err.message).slice(0, 500), name: err.name };
  }
  return { code: c.code, message: String(err).slice(0, 500) };
}

export interface RetriedFailureLog {
  readonly level: 'warn' | 'error';
  /** Said where retrying is not known to help: the log line says it is retried anyway. */
  readonly note?: string;
}

/**
 * How a failure that is retried anyway (an output, a partition restore, a
 * rebuild: nothing may be skipped) is logged at each attempt: `warn` when the
 * catalogue says retrying can help; otherwise `error`, saying so, so that an
 * unknown or non-retryable error is never retried silently.
 */
export function retriedFailureLog(err: unknown): RetriedFailureLog {
  const c = classify(err);
  if (!c.known) return { level: 'error', note: `unknown error (${c.code}): retried anyway, with this log at every attempt, until an operator steps in` };
  if (!c.retryable) return { level: 'error', note: `${c.code} is not retryable: retried anyway so that nothing is skipped, until an operator fixes its cause` };
  return { level: 'warn' };
}
