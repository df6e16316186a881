/**
 * The only way a value reaches ClickHouse SQL text.
 *
 * Why this exists: the oldest server custos supports (Debian's 18.16) has no
 * server-side query parameters (`{name:Type}`), so values must be written into
 * the SQL text. Every untrusted string (actor ids, event ids, record refs,
 * endpoint ids, anything from an event or a user) goes through `quoteString`;
 * every number through `sqlInteger`; every database or table name through
 * `quoteIdentifier`. Nothing else in the sinks concatenates values into SQL.
 *
 * Row data for inserts does not use this module: it travels as JSONEachRow in
 * the request body, where the server parses it as data, never as SQL.
 */

/** C0 controls, DEL, the two characters that can end or escape a literal. */
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f\\']/g;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(ch: string): string {
  if (ch === '\\') return '\\\\';
  if (ch === "'") return "\\'";
  // \xHH is understood by every ClickHouse version; it keeps NUL, newlines
  // and other controls out of the SQL text entirely, so no comment, line or
  // statement boundary can be formed by the value.
  return '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
}

/**
 * A complete single-quoted ClickHouse string literal that denotes exactly
 * `value` (as UTF-8). Lone UTF-16 surrogates, which have no UTF-8 form, become
 * U+FFFD explicitly (the HTTP encoder would otherwise do it silently).
 */
export function quoteString(value: string): string {
  if (typeof value !== 'string') throw new TypeError('quoteString expects a string');
  const wellFormed = value.replace(LONE_SURROGATE, '\ufffd');
  return "'" + wellFormed.replace(NEEDS_ESCAPE, escapeChar) + "'";
}

/** `('a', 'b')` for `IN`. An empty list is refused: `IN ()` is not valid SQL on older servers. */
export function quoteStringList(values: readonly string[]): string {
  if (values.length === 0) throw new RangeError('quoteStringList needs at least one value');
  return '(' + values.map(quoteString).join(', ') + ')';
}

/**
 * Database and table names: a plain identifier only (letters, digits,
 * underscore; not starting with a digit; at most 64 characters). Anything else
 * is refused rather than escaped: names come from configuration, and a name
 * that needs quoting is a mistake worth stopping for.
 */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function isPlainIdentifier(name: string): boolean {
  return typeof name === 'string' && PLAIN_IDENTIFIER.test(name);
}

export function quoteIdentifier(name: string): string {
  if (!isPlainIdentifier(name)) {
    throw new RangeError(`not a plain identifier (letters, digits, _; at most 64; not starting with a digit): ${JSON.stringify(String(name).slice(0, 80))}`);
  }
  return '`' + name + '`';
}

/** `` `db`.`table` `` with both parts validated. */
export function qualifiedTable(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

/** A safe integer rendered as SQL; anything else (NaN, fractions, huge values, strings) is refused. */
export function sqlInteger(value: number): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new RangeError(`not a safe integer: ${String(value)}`);
  }
  return String(value);
}

/** A UInt64 given as decimal digits (Kafka offsets), rendered as SQL; anything else is refused. */
export function sqlUInt64(value: string): string {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value) || BigInt(value) > 18_446_744_073_709_551_615n) {
    throw new RangeError(`not a UInt64 in decimal digits: ${JSON.stringify(String(value).slice(0, 40))}`);
  }
  return BigInt(value).toString();
}

/** Epoch milliseconds as whole epoch seconds, for comparisons with DateTime columns (`toDateTime(n)` is time-zone free). */
export function sqlEpochSeconds(epochMs: number): string {
  if (typeof epochMs !== 'number' || !Number.isSafeInteger(epochMs) || epochMs < 0) {
    throw new RangeError(`not a non-negative epoch-ms integer: ${String(epochMs)}`);
  }
  return String(Math.floor(epochMs / 1000));
}
