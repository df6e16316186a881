/**
 * A stored table defined once, as a list of columns: each column's name, its
 * ClickHouse type (with the LowCardinality placeholders ddl.ts resolves per
 * server), how a row value is written from the model, and how the model is
 * read back from it. From that one list come the DDL column list, the
 * JSONEachRow writer, the RowBinary encoder (rowbinary.ts), the SELECT list
 * of the columns read back and the reader. A new column is one entry.
 */
import { RowBuffer } from './row-buffer.js';

/** LowCardinality(String) where the server supports it, String otherwise. */
export const LC = 'LC';
/** LowCardinality(Nullable(String)) where supported, Nullable(String) otherwise. */
export const LC_NULLABLE = 'LC?';
export const UTC = "DateTime('UTC')";

/** The types custos stores; each has a JSONEachRow value and a RowBinary encoding. */
export type ColumnType =
  | 'String'
  | typeof LC
  | typeof LC_NULLABLE
  | 'Nullable(String)'
  | 'Array(String)'
  | 'UInt8'
  | 'UInt16'
  | 'UInt32'
  | 'UInt64'
  | 'Nullable(UInt16)'
  | 'Nullable(UInt32)'
  | 'Nullable(UInt64)'
  | 'Float64'
  | 'Nullable(Float64)'
  | typeof UTC;

export interface Column<Row, Context, Draft> {
  readonly name: string;
  readonly type: ColumnType;
  /** The stored value (a JSON value: number, string, null, string[]), checked; throws RangeError naming the field. */
  readonly write: (row: Row, context: Context) => unknown;
  /**
   * Puts the stored value back into the model being rebuilt; false when it is
   * outside the model (the row is skipped). Absent: not read back.
   */
  readonly read?: (value: unknown, into: Draft) => boolean | void;
}

export interface ColumnTable<Row, Context, Model, Draft> {
  readonly name: string;
  readonly columns: readonly Column<Row, Context, Draft>[];
  /** [name, type] pairs for the DDL. */
  readonly ddlColumns: readonly (readonly [string, ColumnType])[];
  /** One JSONEachRow line, newline included. */
  readonly jsonLine: (row: Row, context: Context) => string;
  /** The read-back columns, comma-separated, for a SELECT. */
  readonly readColumns: string;
  /** The model from a row of the read-back columns (JSONEachRow, parsed); null when a value is outside the model. */
  readonly fromRow: (row: Readonly<Record<string, unknown>>) => Model | null;
}

export interface ColumnTableSpec<Row, Context, Model, Draft> {
  readonly name: string;
  readonly columns: readonly Column<Row, Context, Draft>[];
  /** A fresh draft to read a row into, and the model it becomes. */
  readonly draft: () => Draft;
  readonly finish: (draft: Draft) => Model;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function defineColumnTable<Row, Context, Model, Draft>(spec: ColumnTableSpec<Row, Context, Model, Draft>): ColumnTable<Row, Context, Model, Draft> {
  const { columns } = spec;
  const names = new Set<string>();
  for (const c of columns) {
    // invariant: column names are code, checked before they become generated code.
    if (!IDENTIFIER.test(c.name) || names.has(c.name)) throw new Error(`${spec.name}: bad or repeated column name ${c.name}`);
    names.add(c.name);
  }
  const readers = columns.filter((c) => c.read !== undefined);
  return {
    name: spec.name,
    columns,
    ddlColumns: columns.map((c) => [c.name, c.type] as const),
    jsonLine: jsonLineWriter(columns),
    readColumns: readers.map((c) => c.name).join(', '),
    fromRow: (row) => {
      const draft = spec.draft();
      for (const c of readers) if (c.read?.(row[c.name], draft) === false) return null;
      return spec.finish(draft);
    },
  };
}

/**
 * The JSONEachRow writer: one flat object literal in column order, one
 * JSON.stringify. Generated (new Function) from the column names, which are
 * checked identifiers: V8 serializes an object literal of a fixed shape in
 * one native pass, measured faster than assembling the line from per-field
 * strings or filling an object key by key (dictionary mode).
 */
function jsonLineWriter<Row, Context, Draft>(columns: readonly Column<Row, Context, Draft>[]): (row: Row, context: Context) => string {
  const fields = columns.map((c, i) => `${c.name}: w[${i}](row, context)`).join(',\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('w', `return function jsonLine(row, context) {\nreturn JSON.stringify({\n${fields}\n}) + '\\n';\n};`) as (
    w: readonly ((row: Row, context: Context) => unknown)[],
  ) => (row: Row, context: Context) => string;
  return make(columns.map((c) => c.write));
}

/** Writes rows into one buffer, one line (or binary row) each; the body of one INSERT. */
export function writeRows<T>(items: readonly T[], write: (item: T, out: RowBuffer) => void, initialBytes?: number): Buffer {
  const out = new RowBuffer(initialBytes);
  for (const item of items) write(item, out);
  return out.bytes();
}
