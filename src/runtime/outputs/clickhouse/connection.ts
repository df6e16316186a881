/**
 * The three ways the sinks talk to ClickHouse (DDL, insert pre-serialized
 * JSONEachRow, stream a JSONEachRow result), each wrapping failures in
 * ClickHouseSinkError and tagging requests with a query id the error quotes.
 * `params` are server-side query parameters (sql-values.ts), where the server has them.
 *
 * The client is created without a default database: every statement names
 * `db.table` explicitly, so the same client can create the database first.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { qualifiedTable } from './escape.js';
import { wrapClickHouseError, type ClickHouseOperation } from './errors.js';

export interface ClickHouseConnectionOptions {
  /** HTTP endpoint, e.g. `http://127.0.0.1:8123`. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Per request; a batch insert of thousands of rows takes well under a second. */
  readonly requestTimeoutMs?: number;
  /** TLS for an `https://` URL beyond the system's CAs: the server's CA, and a client certificate (mTLS). */
  readonly tls?: ClickHouseTls;
  /** Sent with every request (src/runtime/outputs/clickhouse/server-version.ts requestSettings). */
  readonly settings?: ClickHouseSettings;
}

export interface ClickHouseTls {
  /** PEM: the CA(s) the server's certificate must chain to (CUSTOS_CLICKHOUSE_CA_FILE). */
  readonly ca: Buffer;
  /** PEM client certificate and key, both or neither (CUSTOS_CLICKHOUSE_CERT_FILE, CUSTOS_CLICKHOUSE_KEY_FILE). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export function createClickHouseClient(options: ClickHouseConnectionOptions): ClickHouseClient {
  const tls = options.tls;
  return createClient({
    url: options.url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    request_timeout: options.requestTimeoutMs ?? 30_000,
    ...(tls ? { tls: tls.cert && tls.key ? { ca_cert: tls.ca, cert: tls.cert, key: tls.key } : { ca_cert: tls.ca } } : {}),
    ...(options.settings ? { clickhouse_settings: options.settings } : {}),
    // Inserts of four tables run at once, plus the webhook outbox and its
    // delivery-state writes: keep a few sockets warm.
    max_open_connections: 8,
    // Older servers close idle keep-alive sockets after 3 s; a batch that keeps
    // the event loop busy can make the client reuse one just closed (an insert
    // then fails at once and is sent again on a fresh socket:
    // onFreshSocketIfStale). Retire idle sockets well before that.
    keep_alive: { enabled: true, idle_socket_ttl: 1500, eagerly_destroy_stale_sockets: true },
    application: 'custos',
    // The client's own logger prints the server's error text to stderr, and on
    // a parse error that text quotes row data. Failures reach the caller as
    // ClickHouseSinkError instead, which the caller logs.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/** DDL or any statement without a result. */
export async function runStatement(
  client: ClickHouseClient,
  sql: string,
  table: string | null,
  operation: ClickHouseOperation = 'ddl',
  params?: Record<string, unknown>,
): Promise<void> {
  const queryId = randomUUID();
  try {
    await client.command({ query: sql, query_id: queryId, ...(params ? { query_params: params } : {}) });
  } catch (err) {
    throw wrapClickHouseError(err, operation, table, queryId);
  }
}

/**
 * Insert a body of JSONEachRow lines (each ending in `\n`) in one request.
 *
 * Why not `client.insert`: serialization happens before any I/O (batch.ts),
 * where each value is checked and a bad row fails with a precise, data-free
 * error; the finished text is then the request body as is.
 */
export async function insertJsonLines(client: ClickHouseClient, database: string, table: string, body: string | Buffer | readonly Buffer[]): Promise<void> {
  const chunks = typeof body === 'string' ? [Buffer.from(body, 'utf8')] : bodyChunks(body);
  if (chunks.length === 0) return;
  await onFreshSocketIfStale(table, (queryId) =>
    client.exec({
      query: `INSERT INTO ${qualifiedTable(database, table)} FORMAT JSONEachRow`,
      values: Readable.from(chunks, { objectMode: false }),
      query_id: queryId,
      // Lets a newer custos write a column an older schema does not have yet
      // during a rolling upgrade, instead of failing the batch.
      clickhouse_settings: { input_format_skip_unknown_fields: 1 },
    }),
  );
}

/**
 * An insert body as the chunks it is streamed in, empty ones left out. Several
 * batches' bodies of one table (insert-coalescer.ts) go as one request without
 * being copied into one buffer: rows of either format concatenate as bytes.
 */
function bodyChunks(body: Buffer | readonly Buffer[]): Buffer[] {
  return (Buffer.isBuffer(body) ? [body] : body).filter((b) => b.length > 0);
}

/** A socket failing at once like this was closed by the server while the client held it idle. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

function isStaleSocket(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STALE_SOCKET_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs one insert (its response body is empty; reading it releases the socket).
 * The server closes keep-alive sockets idle past its timeout (3 s on older
 * servers); when a batch keeps the event loop busy longer than that, the
 * client still holds such a socket (its idle timer could not fire) and the
 * insert fails at once with ECONNRESET or EPIPE. That insert is sent once more
 * at once, on a fresh socket (the failed one is discarded), instead of failing
 * the batch's write into the output writer's backoff and a resend of every
 * table: a repeat is harmless, custos' tables deduplicate by key. A new query
 * id each time (a server still running the first would refuse the same one).
 */
async function onFreshSocketIfStale(table: string, send: (queryId: string) => Promise<{ stream: AsyncIterable<unknown> }>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const queryId = randomUUID();
    try {
      const result = await send(queryId);
      for await (const _ of result.stream) void _;
      return;
    } catch (err) {
      if (attempt === 1 && isStaleSocket(err)) continue;
      throw wrapClickHouseError(err, 'insert', table, queryId);
    }
  }
}

/**
 * Insert a body of RowBinary rows, the columns named in the server's order
 * (`(a, b, c)`, columns/rowbinary.ts). Same error handling as insertJsonLines.
 */
export async function insertRowBinary(client: ClickHouseClient, database: string, table: string, columnList: string, body: Buffer | readonly Buffer[]): Promise<void> {
  const chunks = bodyChunks(body);
  if (chunks.length === 0) return;
  await onFreshSocketIfStale(table, (queryId) =>
    client.exec({
      query: `INSERT INTO ${qualifiedTable(database, table)} ${columnList} FORMAT RowBinary`,
      values: Readable.from(chunks, { objectMode: false }),
      query_id: queryId,
    }),
  );
}

/**
 * Run a SELECT and hand each row (JSONEachRow, parsed) to `onRow` as it
 * streams in, so large result sets (history at start) never sit in memory as
 * text. `sql` must not contain a FORMAT clause.
 */
export async function streamRows<T>(
  client: ClickHouseClient,
  sql: string,
  table: string | null,
  onRow: (row: T) => void,
  params?: Record<string, unknown>,
): Promise<void> {
  const queryId = randomUUID();
  try {
    const result = await client.query({ query: sql, format: 'JSONEachRow', query_id: queryId, ...(params ? { query_params: params } : {}) });
    for await (const rows of result.stream<T>()) {
      for (const row of rows) onRow(row.json());
    }
  } catch (err) {
    throw wrapClickHouseError(err, 'query', table, queryId);
  }
}

/**
 * A SELECT's rows in the chunks they arrive in, for a reader that hands each
 * chunk on before the next is read (a large result never held whole). Leaving
 * the loop early ends the query's response.
 */
export async function* rowChunks<T>(client: ClickHouseClient, sql: string, table: string | null, params?: Record<string, unknown>): AsyncGenerator<T[]> {
  const queryId = randomUUID();
  try {
    const result = await client.query({ query: sql, format: 'JSONEachRow', query_id: queryId, ...(params ? { query_params: params } : {}) });
    for await (const rows of result.stream<T>()) yield rows.map((row) => row.json());
  } catch (err) {
    throw wrapClickHouseError(err, 'query', table, queryId);
  }
}

/** A SELECT whose result is small enough to collect. */
export async function selectRows<T>(client: ClickHouseClient, sql: string, table: string | null, params?: Record<string, unknown>): Promise<T[]> {
  const rows: T[] = [];
  await streamRows<T>(client, sql, table, (row) => rows.push(row), params);
  return rows;
}
