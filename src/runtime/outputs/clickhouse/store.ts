/**
 * The ClickHouse sink as the pipeline sees it: open (schema included), write
 * a batch, load history at start, hand the webhook dispatcher its outbox.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ActorActivityRow } from '../../engine/api.js';
import type { Clock } from '../../../clock.js';
import { systemClock } from '../../../clock.js';
import type { DeliveryOutbox, StoredNotification } from '../alerts/outbox.js';
import { prepareBatch, type AccessEventsEncoder } from './batch.js';
import { UNMEASURED, type StageCpu } from '../../../observability/stage-cpu.js';
import { type OutputBatch } from '../../../model/batch.js';
import { connectClickHouse } from './connect.js';
import { insertJsonLines, insertRowBinary, selectRows, type ClickHouseConnectionOptions } from './connection.js';
import { ACCESS_EVENTS } from './columns/access-events.js';
import { rowBinaryEncoder, type ServerColumn } from './columns/rowbinary.js';
import { sqlValues } from './sql-values.js';
import { ClickHouseDeliveryOutbox } from './delivery-outbox.js';
import { DEFAULT_INSERT_MAX_ROWS, InsertCoalescer, type CoalescedInsert } from './insert-coalescer.js';
import { ensureSchema, verifySchema, type SchemaInfo } from './ensure-schema.js';
import { ClickHouseSinkError } from './errors.js';
import { quoteIdentifier } from './escape.js';
import { loadActivityStoredSince, loadHistory, openPartitionHistory, type HistoryQuery, type LoadedHistory, type PartitionHistoryStream, type PartitionScope } from './history.js';
import { loadActorState, type ActorStateQuery, type LoadedActorState } from './actor-state.js';
import type { ServerFeatures } from './server-version.js';
import type { RetentionOverrides } from './ddl.js';
import { enforceRetention, type RetentionResult } from './retention.js';

export interface ClickHouseStoreOptions extends ClickHouseConnectionOptions {
  /** Database holding the custos tables; created if missing. */
  readonly database: string;
  /** Retention in days of every table with one (a TTL where supported, else enforceRetention); 0 keeps rows forever. */
  readonly retentionDays: number;
  /** Per-table retention in days, overriding retentionDays. */
  readonly retention?: RetentionOverrides;
  /** Stamps ingested_at / stored_at; the system clock unless a test injects one. */
  readonly clock?: Clock;
  /** Force the feature set instead of detecting it (tests). */
  readonly features?: ServerFeatures;
  /** false: create and alter nothing, only check the schema `custos db migrate` made (a least-privilege user). Default true. */
  readonly manageSchema?: boolean;
  /**
   * How access_events rows are sent: `json` (JSONEachRow, the default here) or `rowbinary`
   * (the encoder follows the table's columns as the server reports them at start, and falls
   * back to JSON where a type differs). The other tables are JSONEachRow. The monitor passes
   * the setting clickhouse.insert_format, whose default is rowbinary.
   */
  readonly insertFormat?: InsertFormat;
  /** Most rows of one table in one insert when concurrent batches share it (clickhouse.insert_max_rows; insert-coalescer.ts). */
  readonly insertMaxRows?: number;
  /** Counts the CPU of serialising rows (the monitor's metrics); absent: not counted. */
  readonly stageCpu?: StageCpu;
}

export const INSERT_FORMATS = ['rowbinary', 'json'] as const;
export type InsertFormat = (typeof INSERT_FORMATS)[number];

export interface WriteBatchResult {
  /** Rows sent per table (alerts: revisions actually stored). */
  readonly rows: Readonly<Record<string, number>>;
  /** Notify revisions now durable in ClickHouse: pass them to WebhookDispatcher.enqueue. */
  readonly notifications: readonly StoredNotification[];
}

export class ClickHouseStore {
  private readonly outbox: ClickHouseDeliveryOutbox;
  /** The bodies of concurrent writeBatch calls, one insert per table. */
  private readonly inserts: InsertCoalescer;

  private constructor(
    readonly client: ClickHouseClient,
    readonly database: string,
    readonly schema: SchemaInfo,
    private readonly clock: Clock,
    private readonly retention: { readonly retentionDays: number; readonly retention?: RetentionOverrides },
    /** RowBinary encoder for access_events (null: JSONEachRow). */
    readonly accessEventsEncoder: AccessEventsEncoder,
    insertMaxRows: number,
    private readonly stageCpu: StageCpu,
  ) {
    this.outbox = new ClickHouseDeliveryOutbox(client, database);
    this.inserts = new InsertCoalescer((insert) => this.insert(insert), insertMaxRows);
  }

  /** Connects, detects the server version and creates missing tables. Safe to run from several instances at once. */
  static async open(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    quoteIdentifier(options.database);
    const { client, features } = await connectClickHouse(options, options.features);
    try {
      const schema =
        options.manageSchema === false
          ? await verifySchema(client, { database: options.database, features })
          : await ensureSchema(client, {
              database: options.database,
              retentionDays: options.retentionDays,
              ...(options.retention ? { retention: options.retention } : {}),
              features,
            });
      const retention = { retentionDays: options.retentionDays, ...(options.retention ? { retention: options.retention } : {}) };
      const encoder = options.insertFormat === 'rowbinary' ? rowBinaryEncoder(ACCESS_EVENTS, await serverColumns(client, options.database, ACCESS_EVENTS.name)) : null;
      return new ClickHouseStore(client, options.database, schema, options.clock ?? systemClock, retention, encoder, options.insertMaxRows ?? DEFAULT_INSERT_MAX_ROWS, options.stageCpu ?? UNMEASURED);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Stores one batch: its rows of each non-empty table go in one insert, with
   * the rows other concurrent writeBatch calls submitted for that table
   * (insert-coalescer.ts). Resolves when every insert carrying its rows
   * succeeded (commit the Kafka offsets then); otherwise waits for all of them
   * to settle and throws a ClickHouseSinkError; retrying the whole batch is
   * safe (every table deduplicates by key). A failed insert fails every batch
   * in it, each of which retries on its own.
   */
  async writeBatch(batch: OutputBatch): Promise<WriteBatchResult> {
    const prepared = this.stageCpu.measure('serialize', () => prepareBatch(batch, batch.writtenAtMs ?? this.clock.now(), this.database, this.accessEventsEncoder));
    const outcomes = await Promise.allSettled(prepared.bodies.map((b) => this.inserts.submit(b)));
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (failures.length > 0) {
      // A non-retryable failure decides: retrying the batch cannot fix it.
      const errors = failures.map((f) => (f instanceof ClickHouseSinkError ? f : new ClickHouseSinkError('insert', null, { retryable: true, serverCode: null, reason: 'unexpected failure' })));
      throw errors.find((e) => !e.retryable) ?? errors[0];
    }
    const rows: Record<string, number> = {};
    for (const b of prepared.bodies) rows[b.table] = b.rows;
    return { rows, notifications: prepared.notifications };
  }

  /**
   * A batch is computing and will call writeBatch soon: concurrent writes wait
   * for it, to share its inserts. Call the returned function once it called
   * writeBatch, or when it will not without waiting for I/O first.
   */
  expectWrite(): () => void {
    return this.inserts.expect();
  }

  private insert(insert: CoalescedInsert): Promise<void> {
    return insert.rowBinaryColumns === undefined
      ? insertJsonLines(this.client, this.database, insert.table, insert.chunks)
      : insertRowBinary(this.client, this.database, insert.table, insert.rowBinaryColumns, insert.chunks);
  }

  loadHistory(query: HistoryQuery): Promise<LoadedHistory> {
    return loadHistory(this.client, this.database, query);
  }

  /** One partition's state, its recent events read in chunks as they are replayed (what the partition restorer uses). */
  openPartitionHistory(query: HistoryQuery & { readonly partition: PartitionScope }, chunkSize?: number): Promise<PartitionHistoryStream> {
    return openPartitionHistory(this.client, this.database, query, chunkSize);
  }

  /** Activity buckets stored since then, by any instance (periodic baseline refresh). */
  /** The stored state of a few actors (events, open alerts, activity), to rebuild what the engine evicted. */
  loadActorState(query: ActorStateQuery): Promise<LoadedActorState> {
    return loadActorState(this.client, this.database, query);
  }

  loadActivityStoredSince(storedSinceMs: number): Promise<ActorActivityRow[]> {
    return loadActivityStoredSince(this.client, this.database, storedSinceMs);
  }

  /**
   * Removes rows past retention on a server without TTL (partition drops and
   * deletes, see retention.ts); on a server with TTL the tables expire rows
   * themselves and this returns []. Needs a user allowed to ALTER the tables.
   */
  enforceRetention(nowMs = this.clock.now()): Promise<RetentionResult[]> {
    return enforceRetention(this.client, { database: this.database, features: this.schema.features, ...this.retention, nowMs });
  }

  /** Storage for the webhook dispatcher (same client and database). */
  deliveryOutbox(): DeliveryOutbox {
    return this.outbox;
  }

  /** true when the server answers /ping. */
  async ping(): Promise<boolean> {
    const result = await this.client.ping();
    return result.success;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The table's columns in the server's order (system.columns lists them as the table holds them). */
async function serverColumns(client: ClickHouseClient, database: string, table: string): Promise<ServerColumn[]> {
  const v = sqlValues(client);
  return selectRows<ServerColumn>(
    client,
    `SELECT name, type FROM system.columns WHERE database = ${v.string(database)} AND table = ${v.string(table)}`,
    'system.columns',
    v.params,
  );
}
