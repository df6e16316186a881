/**
 * How an untrusted value reaches a query: as a server-side query parameter
 * (`{v0:String}` in the text, the value in `param_v0`) where the server has
 * them, so the value never is SQL text; escaped into the text by escape.ts
 * only for servers without them (18.16).
 *
 * Which of the two a query uses is a property of the connection: connect.ts
 * marks each client it opens (`markQueryParameters`), and a query asks with
 * `sqlValues(client)`. Numbers are validated integers written as text either way.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { quoteString, quoteStringList, sqlUInt64 } from './escape.js';

const parameterClients = new WeakSet<ClickHouseClient>();

/** Called by connectClickHouse for a client whose server supports query parameters. */
export function markQueryParameters(client: ClickHouseClient): void {
  parameterClients.add(client);
}

export function usesQueryParameters(client: ClickHouseClient): boolean {
  return parameterClients.has(client);
}

export class SqlValues {
  private readonly values: Record<string, string | string[]> = {};
  private count = 0;

  constructor(readonly bind: boolean) {}

  /** A string value: `{vN:String}` or a quoted literal. */
  string(value: string): string {
    if (!this.bind) return quoteString(value);
    return this.placeholder(String(value), 'String');
  }

  /** A non-empty list for `IN`: `{vN:Array(String)}` or `('a', 'b')`. */
  stringList(values: readonly string[]): string {
    if (!this.bind) return quoteStringList(values);
    if (values.length === 0) throw new RangeError('stringList needs at least one value');
    return this.placeholder(values.map(String), 'Array(String)');
  }

  /** A non-empty array value (for `has`, `hasAny`): `{vN:Array(String)}` or `['a', 'b']`. */
  stringArray(values: readonly string[]): string {
    if (values.length === 0) throw new RangeError('stringArray needs at least one value');
    if (!this.bind) return '[' + values.map(quoteString).join(', ') + ']';
    return this.placeholder(values.map(String), 'Array(String)');
  }

  /** A UInt64 in decimal digits (a Kafka offset): validated either way. */
  uint64(value: string): string {
    const digits = sqlUInt64(value);
    return this.bind ? this.placeholder(digits, 'UInt64') : digits;
  }

  /** What to send as `query_params` (undefined when nothing was bound). */
  get params(): Record<string, string | string[]> | undefined {
    return this.count === 0 ? undefined : this.values;
  }

  private placeholder(value: string | string[], type: string): string {
    const name = `v${this.count++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

export function sqlValues(client: ClickHouseClient): SqlValues {
  return new SqlValues(usesQueryParameters(client));
}
