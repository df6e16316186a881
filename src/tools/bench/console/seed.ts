/**
 * The console benchmark's data, written through the monitor's own store
 * (ClickHouseStore.writeBatch: the rows are exactly what a running monitor
 * stores): 10,000 alerts over 2,000 actors and 30 days, a share of them
 * triaged; one heavy actor with 100,000 events over four weeks, their hourly
 * activity rows and their peers', and an alert on their last hour.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ActorActivityRow } from '../../../model/activity.js';
import type { AlertRevision, AlertUpdate, Severity } from '../../../model/alert.js';
import type { PositionedEvent } from '../../../model/batch.js';
import type { EnrichedEvent } from '../../../model/enriched.js';
import { alertStateOf } from '../../../runtime/engine/alerts/alert-state.js';
import { OpenAlert } from '../../../runtime/engine/alerts/open-alert.js';
import { insertJsonLines } from '../../../runtime/outputs/clickhouse/connection.js';
import { consoleDatabaseOf, TABLES } from '../../../runtime/outputs/clickhouse/ddl.js';
import type { ClickHouseStore } from '../../../runtime/outputs/clickhouse/store.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const HEAVY_ACTOR = 'emp-heavy';
const ROLE = 'support_agent';
const DEPARTMENT = 'support';
const RULES = ['rate.bench.distinct-customers', 'policy.bench.off-hours', 'policy.bench.no-ticket', 'rate.bench.export-volume', 'policy.bench.vip', 'rate.bench.search-burst'];
const SEVERITY_MIX: readonly Severity[] = ['low', 'medium', 'medium', 'high', 'high', 'critical', 'info'];

export interface SeedOptions {
  readonly alerts: number;
  readonly heavyEvents: number;
  /** Peers of the heavy actor with hourly activity rows (the chart's peer median). */
  readonly peers: number;
  /** End of the seeded time (the heavy actor's last event), epoch ms. */
  readonly nowMs: number;
}

export interface Seeded {
  /** The heavy actor's alert (its page is measured). */
  readonly heavyAlertId: string;
  readonly alerts: number;
  readonly events: number;
  readonly activityRows: number;
  readonly triageRows: number;
}

/** Deterministic enough for a benchmark, cheap: a linear congruential generator. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

function event(i: number, ts: number, refs: string[]): PositionedEvent {
  const e: EnrichedEvent = {
    event_id: `bench-heavy-${i}`,
    ts,
    actor_id: HEAVY_ACTOR,
    action: i % 10 === 0 ? 'search' : 'read',
    resource_type: 'customer',
    record_refs: refs,
    record_count: refs.length,
    fields: ['name', 'email', 'address'],
    outcome: i % 97 === 0 ? 'denied' : 'success',
    channel: 'support_console',
    source_ip: `10.0.${i % 256}.${(i * 3) % 256}`,
    session_id: `sess-${Math.floor(i / 50)}`,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
    ticket_id: i % 3 === 0 ? `TCK-${i}` : null,
    actor: { actor_id: HEAVY_ACTOR, known: true, role: ROLE, department: DEPARTMENT, employment_status: 'active', kind: 'human', timezone: 'UTC', allowed_zones: ['office', 'vpn'] },
    network: { zone: 'office' },
    local_time: { hour: new Date(ts).getUTCHours(), weekday: ((new Date(ts).getUTCDay() + 6) % 7) + 1, business_hours: true },
    field_classes: ['contact', 'identity'],
  };
  return { event: e, position: { topic: 'bench-console', partition: 0, offset: String(i) } };
}

function activityRow(actor: string, bucketStart: number, value: number): ActorActivityRow {
  const d = new Date(bucketStart);
  return {
    actor_id: actor,
    role: ROLE,
    department: DEPARTMENT,
    granularity: 'hour',
    bucket_start: bucketStart,
    local_hour: d.getUTCHours(),
    local_weekday: ((d.getUTCDay() + 6) % 7) + 1,
    events: value + 3,
    distinct_records: value,
    peak_5m_distinct: Math.ceil(value / 4),
    peak_1h_distinct: value,
    denied: 0,
    resource_types: ['customer'],
    channels: ['support_console'],
    zones: ['office'],
  };
}

function revision(o: {
  id: string;
  actor: string;
  rule: string;
  severity: Severity;
  windowStart: number;
  windowEnd: number;
  lastTs: number;
  eventIds: string[];
  observed: number;
}): AlertRevision {
  const finding = { rule_id: o.rule, rule_version: '1', title: 'benchmark finding', severity: o.severity, tier: 1, event_count: o.eventIds.length, window: '1h', observed: o.observed, limit: 40, baseline: 12, baseline_source: 'own', reasons: ['above own band'] };
  return {
    alert_id: o.id,
    revision: 1,
    rule_id: o.rule,
    rule_version: '1',
    rule_kind: o.rule.startsWith('rate.') ? 'rate' : 'policy',
    severity: o.severity,
    tier: 1,
    actor_id: o.actor,
    actor_role: ROLE,
    actor_department: DEPARTMENT,
    employment_status: 'active',
    window_start: o.windowStart,
    window_end: o.windowEnd,
    window_label: '1h',
    observed: o.observed,
    baseline: 12,
    baseline_source: 'own',
    score: 4.2,
    first_event_ts: o.windowStart,
    last_event_ts: o.lastTs,
    event_count: o.eventIds.length,
    suppressed_count: 0,
    event_ids: o.eventIds,
    summary: `${o.actor} read ${o.observed} distinct customers in an hour (own usual 12)`,
    explanation: { findings: [finding], context: { resource_types: ['customer'], channels: ['support_console'], zones: ['office'], field_classes: ['contact'] } },
    status: 'open',
  };
}

const update = (a: AlertRevision): AlertUpdate => ({
  alert: a,
  events: { actors: { one: a.actor_id }, eventIds: null, fromMs: a.window_start, toMs: a.last_event_ts },
  notify: false,
  state: alertStateOf(OpenAlert.fromAlert(a)),
});

async function inChunks<T>(items: readonly T[], size: number, write: (chunk: readonly T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await write(items.slice(i, i + size));
}

export async function seed(store: ClickHouseStore, o: SeedOptions): Promise<Seeded> {
  const rand = lcg(7);
  const customers = Array.from({ length: 20_000 }, () => randomBytes(16).toString('hex'));
  const pick = () => customers[Math.floor(rand() * customers.length)] ?? '';

  // The heavy actor: four weeks, mostly business hours, then a burst in the last hour.
  const burst = Math.min(400, Math.floor(o.heavyEvents / 10));
  const spanStart = o.nowMs - 28 * DAY;
  const events: PositionedEvent[] = [];
  const hourly = new Map<number, Set<string>>();
  for (let i = 0; i < o.heavyEvents - burst; i++) {
    const day = Math.floor(rand() * 28);
    const hour = rand() < 0.9 ? 8 + Math.floor(rand() * 10) : Math.floor(rand() * 24);
    const ts = Math.min(o.nowMs - 2 * HOUR, spanStart + day * DAY + hour * HOUR + Math.floor(rand() * HOUR));
    const refs = Array.from({ length: 1 + Math.floor(rand() * 3) }, pick);
    events.push(event(i, ts, refs));
    const bucket = Math.floor(ts / HOUR) * HOUR;
    const seen = hourly.get(bucket) ?? hourly.set(bucket, new Set()).get(bucket);
    for (const r of refs) seen?.add(r);
  }
  const burstStart = o.nowMs - 50 * 60_000;
  const burstIds: string[] = [];
  for (let i = 0; i < burst; i++) {
    const n = o.heavyEvents - burst + i;
    events.push(event(n, burstStart + Math.floor((i * 50 * 60_000) / burst), [pick()]));
    burstIds.push(`bench-heavy-${n}`);
  }
  events.sort((a, b) => a.event.ts - b.event.ts);
  await inChunks(events, 10_000, (chunk) => store.writeBatch({ events: chunk, alerts: [], rejected: [], activity: [] }));

  // Closed hours' activity rows, as the engine stores them when an hour closes: the heavy actor's and their peers'.
  const activity: ActorActivityRow[] = [...hourly].map(([bucket, refs]) => activityRow(HEAVY_ACTOR, bucket, refs.size));
  for (let p = 0; p < o.peers; p++) {
    for (let t = Math.floor(spanStart / HOUR) * HOUR; t < o.nowMs - HOUR; t += HOUR) {
      const h = new Date(t).getUTCHours();
      if (h >= 8 && h < 18 && rand() < 0.8) activity.push(activityRow(`emp-peer-${p}`, t, 5 + Math.floor(rand() * 20)));
    }
  }
  await inChunks(activity, 10_000, (chunk) => store.writeBatch({ events: [], alerts: [], rejected: [], activity: chunk }));

  // 10,000 alerts: the heavy actor's on their burst, the rest over 2,000 actors and 30 days.
  const heavyAlertId = `bench-alert-heavy-${randomUUID().slice(0, 8)}`;
  const alerts: AlertUpdate[] = [
    update(revision({ id: heavyAlertId, actor: HEAVY_ACTOR, rule: RULES[0] ?? '', severity: 'high', windowStart: burstStart, windowEnd: o.nowMs, lastTs: o.nowMs - 1000, eventIds: burstIds.slice(-50), observed: burst })),
  ];
  for (let i = 1; i < o.alerts; i++) {
    const last = o.nowMs - Math.floor(rand() * 30 * DAY);
    alerts.push(
      update(
        revision({
          id: `bench-alert-${i}`,
          actor: `emp-${i % 2000}`,
          rule: RULES[i % RULES.length] ?? '',
          severity: SEVERITY_MIX[i % SEVERITY_MIX.length] ?? 'medium',
          windowStart: last - HOUR,
          windowEnd: last,
          lastTs: last,
          eventIds: Array.from({ length: 1 + (i % 20) }, (_, k) => `bench-ev-${i}-${k}`),
          observed: 20 + (i % 200),
        }),
      ),
    );
  }
  await inChunks(alerts, 2_000, (chunk) => store.writeBatch({ events: [], alerts: chunk, rejected: [], activity: [] }));

  // Three in ten alerts triaged (acknowledged, a third of those resolved), as the console writes them.
  const triage: string[] = [];
  for (let i = 1; i < o.alerts; i += 1) {
    if (i % 10 >= 3) continue;
    const at = o.nowMs - (o.alerts - i) * 1000;
    const row = (action: string, from: string, to: string, resolution: string, t: number) =>
      JSON.stringify({ change_id: randomUUID(), alert_id: `bench-alert-${i}`, changed_at: Math.floor(t / 1000), changed_at_ms: t, changed_by: 'bench', action, from_status: from, to_status: to, resolution, assignee: 'bench', note: '', alert_revision: 1, alert_event_count: 1 + (i % 20), exception_id: '' });
    triage.push(row('acknowledge', 'open', 'acknowledged', '', at));
    if (i % 10 === 0) triage.push(row('resolve', 'acknowledged', 'resolved', 'true_positive', at + 1));
  }
  await insertJsonLines(store.client, consoleDatabaseOf(store.database), TABLES.alertTriage, triage.join('\n') + '\n');
  return { heavyAlertId, alerts: alerts.length, events: events.length, activityRows: activity.length, triageRows: triage.length };
}
