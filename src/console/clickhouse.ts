/**
 * The console's two ClickHouse connections (clickhouse-users.ts): the reader
 * for every page, the writer for triage, exceptions and the audit. Neither can
 * write the monitor's tables or run DDL; the monitor creates the schema.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouseClient } from '../runtime/outputs/clickhouse/connection.js';
import { consoleDatabaseOf } from '../runtime/outputs/clickhouse/ddl.js';

export interface ConsoleClickHouseOptions {
  readonly url: string;
  readonly database: string;
  readonly requestTimeoutMs: number;
  readonly reader: { readonly username: string; readonly password: string };
  readonly writer: { readonly username: string; readonly password: string };
}

export class ConsoleClickHouse {
  readonly consoleDatabase: string;

  private constructor(
    readonly reader: ClickHouseClient,
    readonly writer: ClickHouseClient,
    readonly database: string,
  ) {
    this.consoleDatabase = consoleDatabaseOf(database);
  }

  static connect(o: ConsoleClickHouseOptions): ConsoleClickHouse {
    const common = { url: o.url, requestTimeoutMs: o.requestTimeoutMs };
    return new ConsoleClickHouse(
      createClickHouseClient({ ...common, username: o.reader.username, password: o.reader.password }),
      createClickHouseClient({ ...common, username: o.writer.username, password: o.writer.password }),
      o.database,
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.reader.close(), this.writer.close()]);
  }
}
