/**
 * Which optional schema features the connected server supports, decided from
 * `SELECT version()`. The schema is written in the subset common to Debian's
 * ClickHouse 18.16 (local and CI) and current releases (production); the
 * features below are added only where the version says they work.
 */
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
  return { lowCardinality: modern, ttl: modern };
}

/** No features: the common subset. Used by tests and as the safe default. */
export const COMMON_SUBSET: ServerFeatures = Object.freeze({ lowCardinality: false, ttl: false });

export async function queryServerVersion(client: ClickHouseClient): Promise<ServerVersion> {
  const result = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
  const rows = await result.json<{ v: string }>();
  const first = rows[0];
  if (!first) throw new Error('SELECT version() returned no row');
  return parseServerVersion(first.v);
}
