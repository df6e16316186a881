/**
 * One error type for everything that goes wrong talking to ClickHouse, with a
 * `retryable` flag the pipeline acts on: retry the batch (offsets stay
 * uncommitted) or stop and page someone.
 *
 * The message names the operation and table, the server's error code and the
 * query id (to find the full text in the server log or system.query_log). It
 * never carries the server's message or the original error: on a parse error
 * the server quotes the offending input, which is row data.
 */
import { ClickHouseError } from '@clickhouse/client';
import { CustosError } from '../../../errors.js';
import { tlsFailureOf } from '../../../util/tls-failure.js';

export type ClickHouseOperation = 'ping' | 'version' | 'ddl' | 'insert' | 'query' | 'serialize';

/** Server error codes worth retrying: overload, timeouts, replication and network trouble. */
const RETRYABLE_SERVER_CODES = new Map<number, string>([
  [159, 'TIMEOUT_EXCEEDED'],
  [160, 'TOO_SLOW'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [203, 'NO_FREE_CONNECTION'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [225, 'NO_ZOOKEEPER'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [252, 'TOO_MANY_PARTS'],
  [279, 'ALL_CONNECTION_TRIES_FAILED'],
  [285, 'TOO_FEW_LIVE_REPLICAS'],
  [286, 'UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [394, 'QUERY_WAS_CANCELLED'],
  [425, 'SYSTEM_ERROR'],
  [999, 'KEEPER_EXCEPTION'],
]);

/** Names for the non-retryable codes an operator is most likely to meet. */
const KNOWN_FATAL_CODES = new Map<number, string>([
  [16, 'NO_SUCH_COLUMN_IN_TABLE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [36, 'BAD_ARGUMENTS'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [44, 'ILLEGAL_COLUMN'],
  [47, 'UNKNOWN_IDENTIFIER'],
  [53, 'TYPE_MISMATCH'],
  [57, 'TABLE_ALREADY_EXISTS'],
  [60, 'UNKNOWN_TABLE'],
  [62, 'SYNTAX_ERROR'],
  [81, 'UNKNOWN_DATABASE'],
  [82, 'DATABASE_ALREADY_EXISTS'],
  [115, 'UNKNOWN_SETTING'],
  [117, 'INCORRECT_DATA'],
  [164, 'READONLY'],
  [192, 'UNKNOWN_USER'],
  [193, 'WRONG_PASSWORD'],
  [497, 'ACCESS_DENIED'],
  [516, 'AUTHENTICATION_FAILED'],
]);

/** Socket-level failures: the request may not have reached the server, or its answer was lost. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export interface ClickHouseFailure {
  readonly retryable: boolean;
  /** ClickHouse error code when the server answered with an exception. */
  readonly serverCode: number | null;
  /** Short, data-free description: `server error 60 (UNKNOWN_TABLE)`, `network ECONNREFUSED`, `timeout`. */
  readonly reason: string;
  /** Set when the certificate check failed: a configuration error (exit 78), not the network's weather. */
  readonly tls?: true;
}

export class ClickHouseSinkError extends CustosError {
  override readonly name = 'ClickHouseSinkError';
  readonly serverCode: number | null;

  constructor(
    readonly operation: ClickHouseOperation,
    readonly table: string | null,
    failure: ClickHouseFailure,
    readonly queryId: string | null = null,
  ) {
    const where = table ? `${operation} on ${table}` : operation;
    const id = queryId ? ` [query_id ${queryId}]` : '';
    super(failure.tls ? 'CUSTOS_TLS' : 'CUSTOS_CLICKHOUSE', `ClickHouse ${where} failed: ${failure.reason}${failure.retryable ? ' (retryable)' : ''}${id}`, failure.retryable);
    this.serverCode = failure.serverCode;
  }
}

/** 18.16 answers `Code: 60, e.displayText() = ...`; current servers `Code: 60. DB::Exception: ...`. */
const SERVER_CODE_PREFIX = /^\s*Code:\s*(\d+)[.,]/;

function serverCodeOf(err: unknown): number | null {
  if (err instanceof ClickHouseSinkError) return err.serverCode;
  if (err instanceof ClickHouseError) {
    const code = Number(err.code);
    return Number.isInteger(code) ? code : null;
  }
  if (err instanceof Error) {
    const match = SERVER_CODE_PREFIX.exec(err.message);
    if (match) return Number(match[1]);
  }
  return null;
}

function errnoOf(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

export function classifyClickHouseError(err: unknown): ClickHouseFailure {
  const tls = tlsFailureOf(err);
  if (tls?.side === 'server-certificate') {
    return { retryable: false, serverCode: null, tls: true, reason: `TLS certificate verification failed (${tls.code}): check CUSTOS_CLICKHOUSE_CA_FILE and the server's certificate` };
  }
  if (tls?.side === 'client-certificate') {
    // The server's openSSL section verifies clients (verificationMode strict or relaxed with a caConfig) and refused ours, or we sent none.
    return { retryable: false, serverCode: null, tls: true, reason: `the server refused the TLS client certificate (${tls.code}): check CUSTOS_CLICKHOUSE_CERT_FILE and CUSTOS_CLICKHOUSE_KEY_FILE (a certificate from a CA the server trusts; this server requires one)` };
  }
  const serverCode = serverCodeOf(err);
  if (serverCode !== null) {
    const retryableName = RETRYABLE_SERVER_CODES.get(serverCode);
    if (retryableName) return { retryable: true, serverCode, reason: `server error ${serverCode} (${retryableName})` };
    const name = KNOWN_FATAL_CODES.get(serverCode);
    return { retryable: false, serverCode, reason: `server error ${serverCode}${name ? ` (${name})` : ''}` };
  }
  const errno = errnoOf(err);
  if (errno) return { retryable: true, serverCode: null, reason: `network ${errno}` };
  const message = err instanceof Error ? err.message : '';
  if (/timeout/i.test(message)) return { retryable: true, serverCode: null, reason: 'timeout' };
  if (/socket hang up|other side closed|aborted/i.test(message)) return { retryable: true, serverCode: null, reason: 'connection lost' };
  // Our own argument checks (escape.ts, serializers) throw RangeError/TypeError: a bug, not weather.
  if (err instanceof RangeError || err instanceof TypeError) return { retryable: false, serverCode: null, reason: `invalid request (${err.name})` };
  // An HTTP error without a ClickHouse exception in the body: a proxy or load
  // balancer answering 502/503, or a truncated response. Worth another try.
  return { retryable: true, serverCode: null, reason: 'HTTP error without a ClickHouse exception' };
}

export function wrapClickHouseError(err: unknown, operation: ClickHouseOperation, table: string | null, queryId: string | null = null): ClickHouseSinkError {
  if (err instanceof ClickHouseSinkError) return err;
  return new ClickHouseSinkError(operation, table, classifyClickHouseError(err), queryId);
}

/** Codes that mean "someone else created it first": harmless for idempotent DDL run by two instances at once. */
export function isAlreadyExists(err: unknown): boolean {
  const code = serverCodeOf(err);
  // 57 table, 82 database, 15 column (two instances adding the same column at once).
  return code === 57 || code === 82 || code === 15;
}
