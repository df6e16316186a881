import { describe, expect, it } from 'vitest';
import { RETAINED_TABLES, retentionTargets, schemaStatements, ttlStatements } from '../../../../src/runtime/outputs/clickhouse/ddl.js';
import { monthEndMs } from '../../../../src/runtime/outputs/clickhouse/retention.js';
import { COMMON_SUBSET } from '../../../../src/runtime/outputs/clickhouse/server-version.js';

const MODERN = { lowCardinality: true, ttl: true, queryParameters: true, insertSettings: true };
const find = (statements: string[], fragment: string): string => {
  const found = statements.find((s) => s.includes(fragment));
  if (!found) throw new Error(`no statement with ${fragment}`);
  return found;
};

describe('schema DDL', () => {
  it('the common subset uses nothing 18.16 refuses', () => {
    const text = schemaStatements({ database: 'custos', features: COMMON_SUBSET, retentionDays: 400 }).join('\n');
    for (const unsupported of ['LowCardinality', 'DateTime64', 'IPv4', 'IPv6', 'Map(', 'CODEC', 'TTL', 'INDEX', '{']) {
      expect(text).not.toContain(unsupported);
    }
  });

  it('every statement is idempotent', () => {
    for (const statement of schemaStatements({ database: 'custos', features: MODERN, retentionDays: 1 })) {
      expect(statement).toMatch(/^CREATE (DATABASE|TABLE|MATERIALIZED VIEW|VIEW) IF NOT EXISTS /);
    }
  });

  it('a modern server gets LowCardinality and a TTL on every table that holds data, per-table retention winning', () => {
    const statements = schemaStatements({ database: 'custos', features: MODERN, retentionDays: 400, retention: { alerts: 90, actor_activity: 0 } });
    const events = find(statements, '`access_events`\n(');
    expect(events).toContain('action LowCardinality(String)');
    expect(events).toContain('channel LowCardinality(Nullable(String))');
    expect(events).toContain('actor_id String');
    expect(events).toContain('TTL ts + toIntervalDay(400)');
    expect(find(statements, '`rejected_events`\n(')).toContain('TTL received_at + toIntervalDay(400)');
    expect(find(statements, '`alerts`\n(')).toContain('TTL last_event_ts + toIntervalDay(90)');
    expect(find(statements, '`alert_notifications`\n(')).toContain('TTL stored_at + toIntervalDay(400)');
    expect(find(statements, '`alert_deliveries`\n(')).toContain('TTL updated_at + toIntervalDay(400)');
    expect(find(statements, '`partition_progress`\n(')).toContain('TTL stored_at + toIntervalDay(400)');
    expect(find(statements, '`actor_activity`\n(')).not.toContain('TTL');
    expect(find(statements, '`schema_version`\n(')).not.toContain('TTL');
  });

  it('retention targets: monthly partitions go whole, the unpartitioned alert tables by delete', () => {
    expect(retentionTargets().map((t) => `${t.table}:${t.column}:${t.monthlyPartitions ? 'partitions' : 'delete'}`)).toEqual([
      'access_events:ts:partitions',
      'alerts:last_event_ts:delete',
      'alert_notifications:stored_at:delete',
      'alert_deliveries:updated_at:delete',
      'rejected_events:received_at:partitions',
      'actor_activity:bucket_start:partitions',
      'partition_progress:stored_at:partitions',
    ]);
    expect([...RETAINED_TABLES].sort()).toEqual(retentionTargets().map((t) => t.table).sort());
  });

  it('a changed retention alters the existing tables TTL, and only where it differs', () => {
    const options = { database: 'custos', features: MODERN, retentionDays: 30, retention: { actor_activity: 0 } };
    const current = new Map<string, string | null>([
      ['access_events', 'ts + toIntervalDay(400)'],
      ['alerts', null],
      ['rejected_events', 'received_at + toIntervalDay(30)'],
      ['actor_activity', 'bucket_start + toIntervalDay(400)'],
    ]);
    expect(ttlStatements(options, current)).toEqual([
      'ALTER TABLE `custos`.`access_events` MODIFY TTL ts + toIntervalDay(30)',
      'ALTER TABLE `custos`.`alerts` MODIFY TTL last_event_ts + toIntervalDay(30)',
      'ALTER TABLE `custos`.`actor_activity` REMOVE TTL',
    ]);
    expect(ttlStatements({ ...options, features: COMMON_SUBSET }, current)).toEqual([]);
  });

  it('a month partition ends at the next month', () => {
    expect(monthEndMs('202312')).toBe(Date.UTC(2024, 0, 1));
    expect(monthEndMs('202402')).toBe(Date.UTC(2024, 2, 1));
    expect(monthEndMs('all')).toBeNull();
    expect(monthEndMs('202413')).toBeNull();
  });

  it('retention 0 means no TTL even where supported', () => {
    expect(schemaStatements({ database: 'custos', features: MODERN, retentionDays: 0 }).join('\n')).not.toContain('TTL');
  });

  it('engines and keys deduplicate what they should', () => {
    const statements = schemaStatements({ database: 'db1', features: COMMON_SUBSET, retentionDays: 0 });
    const events = find(statements, '`access_events`\n(');
    expect(events).toContain('ENGINE = ReplacingMergeTree(ingested_at)');
    expect(events).toContain('PARTITION BY toYYYYMM(ts)');
    expect(events).toContain('ORDER BY (actor_id, ts, event_id)');
    expect(events).toContain("ts DateTime('UTC')");
    const alerts = find(statements, '`alerts`\n(');
    expect(alerts).toContain('ENGINE = ReplacingMergeTree(revision)');
    // Unpartitioned: revisions of one alert must always meet in a merge.
    expect(alerts).not.toContain('PARTITION BY');
    expect(alerts).toMatch(/ORDER BY alert_id$/m);
    expect(find(statements, '`alert_deliveries`\n(')).toContain('ORDER BY (alert_id, revision, endpoint_id)');
    expect(find(statements, '`rejected_events`\n(')).toContain('ORDER BY (source_topic, source_partition, source_offset)');
    expect(find(statements, '`actor_activity`\n(')).toContain('ORDER BY (actor_id, granularity, bucket_start)');
    expect(find(statements, '`actor_activity`\n(')).toContain('ENGINE = ReplacingMergeTree(events)');
    expect(find(statements, 'MATERIALIZED VIEW')).toMatch(/TO `db1`\.`alert_notifications`[\s\S]*WHERE notify = 1 OR status = 'closed'$/);
    expect(find(statements, '`access_events_dedup`')).toContain('FROM `db1`.`access_events` FINAL');
  });

  it('tables come before the views that read them', () => {
    const statements = schemaStatements({ database: 'custos', features: COMMON_SUBSET, retentionDays: 0 });
    const index = (fragment: string) => statements.findIndex((s) => s.includes(fragment));
    expect(index('CREATE DATABASE')).toBe(0);
    expect(index('`alerts`\n(')).toBeLessThan(index('MATERIALIZED VIEW'));
    expect(index('`alert_notifications`\n(')).toBeLessThan(index('MATERIALIZED VIEW'));
  });

  it('refuses a database name that is not a plain identifier', () => {
    expect(() => schemaStatements({ database: 'custos; DROP DATABASE x', features: COMMON_SUBSET, retentionDays: 0 })).toThrow(RangeError);
  });
});
