/**
 * What a run left behind, read back from ClickHouse and Kafka the way an
 * analyst or an operator would: events as the deduplicating view shows them,
 * each alert's final revision, the revisions that notify, and whether the
 * consumer group has committed everything.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import { selectRows } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable } from '../../runtime/outputs/clickhouse/escape.js';

export interface StoredCounts {
  /** Rows in access_events, duplicates of replayed batches included. */
  readonly raw: number;
  /** Rows analysts see (access_events_dedup). */
  readonly visible: number;
  /** Distinct event ids stored. */
  readonly distinct: number;
}

export async function storedCounts(ch: ClickHouseClient, database: string): Promise<StoredCounts> {
  const [raw] = await selectRows<{ n: string }>(ch, `SELECT count() AS n, uniqExact(event_id) AS d FROM ${qualifiedTable(database, TABLES.accessEvents)}`, null);
  const [row] = await selectRows<{ n: string; d: string }>(ch, `SELECT count() AS n, uniqExact(event_id) AS d FROM ${qualifiedTable(database, TABLES.accessEventsDedup)}`, null);
  return { raw: Number(raw?.n ?? 0), visible: Number(row?.n ?? 0), distinct: Number(row?.d ?? 0) };
}

/** Distinct events stored of one partition, to time a fault during that partition's catch-up. */
export async function storedInPartition(ch: ClickHouseClient, database: string, partition: number): Promise<number> {
  const [row] = await selectRows<{ n: string }>(ch, `SELECT uniqExact(event_id) AS n FROM ${qualifiedTable(database, TABLES.accessEvents)} WHERE source_partition = ${Math.trunc(partition)}`, null);
  return Number(row?.n ?? 0);
}

/**
 * Each alert's final revision as a comparable record: every column an analyst
 * or a receiver sees, plus the engine state; not when it was stored, nor the
 * Kafka position a batch boundary stamped it with, and the database name in
 * its query replaced, so two runs into two databases compare equal.
 */
export async function finalAlerts(ch: ClickHouseClient, database: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = await selectRows<Record<string, unknown>>(ch, `SELECT * FROM ${qualifiedTable(database, TABLES.alertsLatest)}`, null);
  const out = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const { stored_at: _a, stored_at_ms: _b, source_topic: _c, source_partition: _d, source_offset: _e, notify: _f, ...rest } = r;
    out.set(String(r.alert_id), { ...rest, query: String(r.query).split(database).join('<db>') });
  }
  return out;
}

/**
 * `alert_id#revision` of every revision a webhook is owed: the outbox also
 * holds closing revisions, which only destinations that resolve incidents
 * receive (the webhook does not).
 */
export async function notifyRevisions(ch: ClickHouseClient, database: string): Promise<Set<string>> {
  const rows = await selectRows<{ alert_id: string; revision: string | number }>(
    ch,
    `SELECT DISTINCT alert_id, revision FROM ${qualifiedTable(database, TABLES.alertNotifications)} WHERE notify = 1 AND status != 'closed'`,
    null,
  );
  return new Set(rows.map((r) => `${r.alert_id}#${Number(r.revision)}`));
}

/** True when the group has committed every partition of the topic up to its end. */
export async function groupCaughtUp(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  return ends.every((e) => {
    const c = byPartition.get(e.partition);
    return c !== undefined && c !== '-1' && BigInt(c) >= BigInt(e.high);
  });
}
