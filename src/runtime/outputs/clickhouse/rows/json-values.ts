/**
 * Checked conversions of model values into JSONEachRow row values. Each row
 * is one flat object literal, in column order, turned into text by a single
 * JSON.stringify: measured faster than assembling the line from per-field
 * strings (V8 serializes a flat object in one native pass; string pieces cost
 * an allocation each and a rope to flatten). See bench-insert.ts.
 *
 * The checks throw RangeError naming the field (never the value): the store
 * reports it as a non-retryable serialize failure instead of letting the
 * server fail the whole insert with a parse error that quotes row data.
 *
 * Times go to ClickHouse as whole epoch seconds, which 18.16 and current
 * servers alike read into DateTime('UTC') independently of the server's zone.
 */

export function uint(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${field} must be a non-negative integer`);
  return value;
}

/** DateTime holds 1970-01-01 .. 2106-02-07 (UInt32 seconds). */
const MAX_DATETIME_MS = 4_294_967_295_000;

/** Epoch ms checked to fit DateTime; stored as is in the `*_ms` UInt64 columns. */
export function epochMs(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_DATETIME_MS) {
    throw new RangeError(`${field} must be epoch milliseconds within 1970..2106`);
  }
  return value;
}

export function epochSeconds(epochMsValue: number, field: string): number {
  return Math.floor(epochMs(epochMsValue, field) / 1000);
}

/**
 * Kafka offsets arrive as decimal strings. A number when exact (always, in
 * practice); beyond 2^53 the digits are sent as a JSON string, which
 * ClickHouse parses into UInt64 without loss.
 */
export function uint64(value: string, field: string): number | string {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) throw new RangeError(`${field} must be a decimal UInt64 string`);
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

export function flag(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** JSON has no Infinity/NaN: a non-finite figure is stored as null rather than failing the batch. */
export function nullableFloat(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : value;
}

/** For non-nullable Float64 columns: a non-finite figure becomes 0 (JSON cannot carry it). */
export function float(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/** ClickHouse JSON output quotes 64-bit integers on some versions and settings, not on others. */
export function toNumber(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}
