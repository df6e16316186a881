/**
 * Measures ClickHouseStore.writeBatch: batches of enriched events (default
 * 5,000) into a scratch database that is dropped afterwards. Prints rows/s for
 * the store, for its serializer alone, and for the client's own object insert
 * (the approach the store does not use) as a reference.
 *
 *   npm run build && node dist/tools/bench/insert/main.js [--rows 5000] [--runs 10]
 *
 * ClickHouse URL from CUSTOS_CLICKHOUSE_URL, default http://127.0.0.1:8123.
 */
import { qualifiedTable } from '../../../runtime/outputs/clickhouse/escape.js';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { prepareBatch } from '../../../runtime/outputs/clickhouse/batch.js';
import { type PositionedEvent } from '../../../model/batch.js';
import { TABLES } from '../../../runtime/outputs/clickhouse/ddl.js';
import { ClickHouseStore } from '../../../runtime/outputs/clickhouse/store.js';
import { dropSchema } from '../../../runtime/outputs/clickhouse/ensure-schema.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '5000' }, runs: { type: 'string', default: '10' } } });
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);
const URL_ = process.env.CUSTOS_CLICKHOUSE_URL || 'http://127.0.0.1:8123';

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Realistic shape: 200 actors, 1-5 record refs, a few fields, mostly office traffic. */
function makeEvents(n: number, batchNo: number): PositionedEvent[] {
  const base = Date.now() - 3_600_000;
  return Array.from({ length: n }, (_, i) => {
    const actor = `emp-${(i * 7919) % 200}`;
    const event: EnrichedEvent = {
      event_id: `bench-${batchNo}-${i}-${hex(4)}`,
      ts: base + i * 13,
      actor_id: actor,
      action: i % 10 === 0 ? 'search' : 'read',
      resource_type: 'customer',
      record_refs: Array.from({ length: 1 + (i % 5) }, () => hex(16)),
      record_count: 1 + (i % 5),
      fields: ['name', 'email', 'address'],
      outcome: i % 50 === 0 ? 'denied' : 'success',
      channel: 'backoffice',
      source_ip: `10.0.${i % 256}.${(i * 3) % 256}`,
      session_id: `sess-${hex(6)}`,
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      ticket_id: i % 3 === 0 ? `TCK-${i}` : null,
      actor: { actor_id: actor, known: true, role: 'support_agent', department: 'support', employment_status: 'active', kind: 'human', timezone: 'Europe/Berlin', allowed_zones: ['office', 'vpn'] },
      network: { zone: 'office' },
      local_time: { hour: 14, weekday: 3, business_hours: true },
      field_classes: ['contact', 'identity'],
    };
    return { event, position: { topic: 'access-events', partition: i % 6, offset: String(batchNo * n + i) } };
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rate = (ms: number): string => `${Math.round((ROWS / ms) * 1000).toLocaleString('en-US')} rows/s (${ms.toFixed(1)} ms/batch)`;

async function main(): Promise<void> {
  const database = `custos_bench_${hex(4)}`;
  const store = await ClickHouseStore.open({ url: URL_, database, retentionDays: 0 });
  try {
    const batches = Array.from({ length: RUNS + 2 }, (_, b) => makeEvents(ROWS, b));
    const serialize: number[] = [];
    const write: number[] = [];
    const viaClient: number[] = [];

    for (const [b, events] of batches.entries()) {
      const t0 = performance.now();
      prepareBatch({ events, alerts: [], rejected: [], activity: [] }, Date.now(), database);
      const t1 = performance.now();
      await store.writeBatch({ events, alerts: [], rejected: [], activity: [] });
      const t2 = performance.now();
      if (b >= 2) {
        serialize.push(t1 - t0);
        write.push(t2 - t1);
      }
    }

    // Reference: the client's object insert (one object + JSON.stringify per row).
    for (const [b, events] of batches.entries()) {
      const objects = events.map(({ event: e, position: p }) => ({
        ...e, actor: undefined, network: undefined, local_time: undefined,
        ts: Math.floor(e.ts / 1000), ts_ms: e.ts, actor_known: 1, actor_role: e.actor.role, actor_department: e.actor.department,
        employment_status: e.actor.employment_status, actor_kind: e.actor.kind, actor_timezone: e.actor.timezone,
        actor_allowed_zones: e.actor.allowed_zones, network_zone: e.network.zone, local_hour: e.local_time.hour,
        local_weekday: e.local_time.weekday, business_hours: 1, source_topic: p.topic, source_partition: p.partition,
        source_offset: p.offset, ingested_at: Math.floor(Date.now() / 1000),
      }));
      const t0 = performance.now();
      await store.client.insert({ table: qualifiedTable(database, TABLES.accessEvents), values: objects, format: 'JSONEachRow' });
      if (b >= 2) viaClient.push(performance.now() - t0);
    }

    const [stored] = await (await store.client.query({ query: `SELECT uniqExact(event_id) AS n FROM ${qualifiedTable(database, TABLES.accessEvents)}`, format: 'JSONEachRow' })).json<{ n: string }>();
    console.log(`ClickHouse ${store.schema.server.text} at ${URL_}; ${RUNS} batches of ${ROWS} events (2 warm-up batches not counted); ${stored?.n} distinct events stored`);
    console.log(`writeBatch (serialize + insert), median: ${rate(median(write))}`);
    console.log(`writeBatch, best:                        ${rate(Math.min(...write))}`);
    console.log(`serializer alone, median:                ${rate(median(serialize))}`);
    console.log(`reference: client.insert of objects:     ${rate(median(viaClient))} (object building not counted)`);
  } finally {
    await dropSchema(store.client, database);
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
