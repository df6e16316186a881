/**
 * The console's two ClickHouse connections (the access model of
 * src/runtime/outputs/clickhouse/access-model.ts, `custos db grants`): the
 * reader (read only) for every page, the writer (the console database only)
 * for triage, exceptions and the audit. Neither can write the monitor's tables
 * or run DDL; `custos db migrate` creates the schema.
 *
 * Opened through connectClickHouse, like the monitor's store: the server's
 * version decides whether values travel as query parameters (sql-values.ts)
 * or, on 18.16, escaped into the SQL text.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { connectClickHouse } from '../runtime/outputs/clickhouse/connect.js';
import type { ClickHouseTls } from '../runtime/outputs/clickhouse/connection.js';
import { consoleDatabaseOf } from '../runtime/outputs/clickhouse/ddl.js';

export interface ConsoleClickHouseOptions {
  readonly url: string;
  readonly database: string;
  readonly requestTimeoutMs: number;
  /** CUSTOS_CLICKHOUSE_CA_FILE and the client certificate, as the monitor connects. */
  readonly tls?: ClickHouseTls;
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

  static async connect(o: ConsoleClickHouseOptions): Promise<ConsoleClickHouse> {
    const common = { url: o.url, requestTimeoutMs: o.requestTimeoutMs, ...(o.tls && { tls: o.tls }) };
    const reader = await connectClickHouse({ ...common, username: o.reader.username, password: o.reader.password });
    try {
      const writer = await connectClickHouse({ ...common, username: o.writer.username, password: o.writer.password });
      return new ConsoleClickHouse(reader.client, writer.client, o.database);
    } catch (err) {
      await reader.client.close().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.reader.close(), this.writer.close()]);
  }
}
