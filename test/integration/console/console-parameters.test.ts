/**
 * Where the server has query parameters, the console sends no untrusted value
 * as SQL text: the queue's filters, an alert's id, an actor's id (chart, open
 * hour, evidence, actor page), triage history and the subject report's
 * pseudonym all travel as `param_*` values. Checked on what the server
 * received (the chDB front end's request log), so it runs in the
 * clickhouse-modern project; on 18.16 the same queries escape
 * (clickhouse-escape.test.ts covers the escaping, the console's other
 * integration tests run every page there).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConsoleClickHouse } from '../../../src/console/clickhouse.js';
import { loadActorPage } from '../../../src/console/pages/actor.js';
import { loadAlertPage } from '../../../src/console/pages/alert.js';
import { loadQueue } from '../../../src/console/pages/queue.js';
import { subjectReport } from '../../../src/console/reports/subject-report.js';
import { createPseudonymizer } from '../../../src/privacy/pseudonym.js';
import { loadRuleSet } from '../../../src/runtime/engine/index.js';
import { ClickHouseStore } from '../../../src/runtime/outputs/clickhouse/store.js';
import { alert, event, position, T0, update } from '../../unit/sinks/fixtures.js';
import { testDatabase, type TestDatabase } from '../sinks/clickhouse-test-db.js';

const queryLog = inject('clickhouseQueryLog' as never) as string | undefined;
const KEY = 'console-parameters-test-key-0123456789abcdef';

interface LoggedRequest {
  readonly query: string;
  readonly params: Record<string, string>;
}

describe.skipIf(!queryLog)("the console's untrusted values travel as query parameters on a current server", () => {
  let db: TestDatabase;
  let store: ClickHouseStore;
  let ch: ConsoleClickHouse;
  const marker = `mark${Date.now().toString(36)}`;
  const actor = `${marker}-actor' OR 1=1 --`;
  const alertId = `${marker}-alert`;
  const rule = `${marker}-rule`;
  const customer = `${marker}-customer`;
  const pseudonym = createPseudonymizer(KEY)(customer);

  beforeAll(async () => {
    db = testDatabase();
    store = await ClickHouseStore.open({ ...db.connection, database: db.database, retentionDays: 30 });
    const e = event({ event_id: `${marker}-event`, actor_id: actor, ts: T0 - 60_000, record_refs: [pseudonym] });
    const a = alert({ alert_id: alertId, actor_id: actor, rule_id: rule, event_ids: [e.event_id], window_start: T0 - 30 * 60_000, window_end: T0, first_event_ts: T0 - 60_000, last_event_ts: T0 - 60_000 });
    await store.writeBatch({ events: [{ event: e, position: position('7') }], alerts: [update(a, true)], rejected: [], activity: [] });
    ch = await ConsoleClickHouse.connect({ ...db.connection, reader: db.connection, writer: db.connection, database: db.database, requestTimeoutMs: 30_000 });
  });
  afterAll(async () => {
    await ch?.close();
    await store?.close();
    await db?.drop();
  });

  it('queue, alert page, actor page, triage history and subject report send no marker in their text', async () => {
    const queue = await loadQueue(ch, { status: 'all', severity: 'low', rule, actor, fromMs: null, toMs: null, sort: 'severity', page: 0 });
    expect(queue.rows.map((r) => r.alert_id)).toEqual([alertId]);
    const page = await loadAlertPage(ch, alertId, loadRuleSet('rules'));
    expect(page?.evidence.map((x) => x.event_id)).toEqual([`${marker}-event`]);
    // The alert's hour has no activity row: the open hour is counted from the event.
    expect(page?.chart.open).toEqual([Math.floor((T0 - 60_000) / 3_600_000) * 3600]);
    const actorPage = await loadActorPage(ch, actor);
    expect(actorPage.recent.map((r) => r.event_id)).toEqual([`${marker}-event`]);
    const report = await subjectReport(ch.reader, db.database, { current: { id: '', secret: KEY }, old: [] }, customer);
    expect(report.accesses.map((x) => x.event_id)).toEqual([`${marker}-event`]);

    const requests = readFileSync(queryLog as string, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedRequest);
    const reads = requests.filter((r) => /^\s*SELECT/i.test(r.query) && r.query.includes(db.database));
    const inText = reads.filter((r) => r.query.includes(marker) || r.query.includes(pseudonym));
    expect(inText.map((r) => r.query.slice(0, 200))).toEqual([]);
    const bound = reads.filter((r) => Object.values(r.params).some((v) => String(v).includes(marker) || String(v).includes(pseudonym)));
    // Queue rows and counts, alert row, chart (own, peers, time zone, open hour), evidence, triage,
    // actor profile, recent, heat map, alerts, subject report.
    expect(bound.length).toBeGreaterThanOrEqual(14);
  });
});
