/**
 * Which optional schema features the connected server supports, decided from
 * `SELECT version()`. The schema is written in the subset common to Debian's
 * ClickHouse 18.16 (local and CI) and current releases (production); the
 * features below are added only where the version says they work.
 */
import { CustosError } from '../../../errors.js';
import type { ClickHouseClient } from '@clickhouse/client';

export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** What the server said, e.g. `18.16.1` or `25.3.2.39`. */
  readonly text: string;
}

export interface ServerFeatures {
  /** `LowCardinality(String)` without `allow_experimental_low_cardinality_type`. */
  readonly lowCardinality: boolean;
  /** Table-level `TTL` expressions (retention without a cron job). */
  readonly ttl: boolean;
  /**
   * Server-side query parameters (`{name:Type}` with `param_name` in the URL):
   * untrusted values travel apart from the SQL text. Without them (18.16),
   * values are written into the text through escape.ts.
   */
  readonly queryParameters: boolean;
  /** The `async_insert` and `optimize_on_insert` settings exist (21.11+): custos turns them off explicitly (see requestSettings). */
  readonly insertSettings: boolean;
}

/**
 * Conservative threshold for both features: 20.3, the first long-term-support
 * release after LowCardinality stopped being experimental (19.x) and table TTL
 * appeared (19.6). A server below it gets the common subset, which is correct,
 * only less compact.
 */
const MODERN_SINCE = { major: 20, minor: 3 } as const;

export function parseServerVersion(text: string): ServerVersion {
  const match = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) throw new RangeError(`unrecognised ClickHouse version: ${JSON.stringify(text.slice(0, 40))}`);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), text: text.trim() };
}

export function isAtLeast(version: ServerVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

export function featuresOf(version: ServerVersion): ServerFeatures {
  const modern = isAtLeast(version, MODERN_SINCE.major, MODERN_SINCE.minor);
  return { lowCardinality: modern, ttl: modern, queryParameters: modern, insertSettings: isAtLeast(version, 21, 11) };
}

/** No features: the common subset. Used by tests and as the safe default. */
export const COMMON_SUBSET: ServerFeatures = Object.freeze({ lowCardinality: false, ttl: false, queryParameters: false, insertSettings: false });

/**
 * Settings custos sends with every request instead of trusting the server's
 * defaults, which differ between servers and embedded engines (chDB's
 * defaults are quote_64bit 0 and async_insert 1):
 *  - 64-bit integers quoted in JSON output, so offsets beyond 2^53 keep every digit;
 *  - inserts synchronous: a batch's offsets commit only after its rows are
 *    stored, and an asynchronous insert returns before they are (and would
 *    merge identical redelivered bodies, hiding duplicates from the tests of deduplication);
 *  - no replacing at insert (`optimize_on_insert`): every revision a batch
 *    stores stays a row until a merge, as on 18.16, so a restore as of an
 *    offset finds the revision below it even when one insert held both.
 * Only settings the server knows: an unknown one fails every request.
 */
export function requestSettings(features: ServerFeatures): Record<string, 0 | 1> {
  return { output_format_json_quote_64bit_integers: 1, ...(features.insertSettings ? { async_insert: 0, optimize_on_insert: 0 } : {}) };
}

export async function queryServerVersion(client: ClickHouseClient): Promise<ServerVersion> {
  const result = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
  const rows = await result.json<{ v: string }>();
  const first = rows[0];
  // A server answering without a row is a server in trouble, not a configuration to fix: retried.
  if (!first) throw new CustosError('CUSTOS_CLICKHOUSE', 'ClickHouse answered SELECT version() without a row', true);
  return parseServerVersion(first.v);
}
