/**
 * Micro-benchmark of the detection engine on synthetic events (no I/O).
 *
 *   npx tsc && node dist/tools/bench/engine/main.js [events] [actors]
 *
 * Prints events/s and µs/event for the shipped rules over typical reads of
 * 1-20 records, in batches of 500 as the pipeline hands them over. Events are
 * generated before timing; refs are random 32-hex pseudonyms.
 */
import { resolve } from 'node:path';
import { ManualClock } from '../../../clock.js';
import type { ActorProfile, EnrichedEvent } from '../../../model/enriched.js';
import type { ActorActivityRow } from '../../../runtime/engine/api.js';
import { createEngine } from '../../../runtime/engine/engine.js';
import { loadRuleSet } from '../../../runtime/engine/rules/loader.js';

const total = Number(process.argv[2] ?? 300_000);
const actorCount = Number(process.argv[3] ?? 1_000);
const rulesDir = resolve(process.env.CUSTOS_RULES_DIR ?? 'rules');

// Deterministic xorshift: the same events every run.
let s = 0x9e3779b9;
const rnd = () => {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return (s >>> 0) / 4_294_967_296;
};
const hex = () => {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i += 4) b.writeUInt32BE(Math.floor(rnd() * 4_294_967_296), i);
  return b.toString('hex'); // a flat string, as decode's HMAC digest is
};

// Roles whose grants cover support-console reads: a realistic stream is mostly allowed traffic.
const roles = ['support_agent', 'support_lead'];
const actors: ActorProfile[] = Array.from({ length: actorCount }, (_, i) => ({
  actor_id: `actor-${i}`,
  known: true,
  role: roles[i % roles.length] as string,
  department: `dept-${i % 7}`,
  employment_status: i % 50 === 0 ? 'notice' : 'active',
  kind: 'human',
  timezone: 'Europe/Berlin',
  allowed_zones: [],
}));
// A pool of customers per actor so windows see repeats as in real work.
const pools = actors.map(() => Array.from({ length: 150 }, hex));

const start = Date.parse('2025-03-04T08:00:00Z');
const spanMs = Number(process.env.BENCH_SPAN_H ?? 8) * 3_600_000;
const events: EnrichedEvent[] = [];
for (let i = 0; i < total; i++) {
  const a = Math.floor(rnd() * actorCount);
  const actor = actors[a] as ActorProfile;
  const pool = pools[a] as string[];
  const n = 1 + Math.floor(rnd() * 20);
  const refs = Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)] as string);
  events.push({
    event_id: `e-${i}`,
    ts: start + Math.floor((i / total) * spanMs),
    actor_id: actor.actor_id,
    action: rnd() < 0.8 ? 'read' : 'search',
    resource_type: 'customer',
    record_refs: refs,
    record_count: n,
    fields: ['name', 'email'],
    outcome: rnd() < 0.02 ? 'denied' : 'success',
    channel: 'support_console',
    source_ip: '10.10.0.1',
    session_id: null,
    user_agent: null,
    ticket_id: 'T-1',
    actor,
    network: { zone: 'office' },
    local_time: { hour: 10, weekday: 2, business_hours: true },
    field_classes: ['identity', 'contact'],
  });
}

// Some history so baselines are in play (own, peers).
const history: ActorActivityRow[] = [];
for (const actor of actors.slice(0, actorCount / 2)) {
  for (let d = 1; d <= 14; d++) {
    for (let h = 8; h < 16; h++) {
      history.push({
        actor_id: actor.actor_id,
        role: actor.role,
        department: actor.department,
        granularity: 'hour',
        bucket_start: start - d * 86_400_000 + (h - 8) * 3_600_000,
        local_hour: h + 1,
        local_weekday: 2,
        events: 20,
        distinct_records: 200,
        peak_5m_distinct: 60,
        denied: 0,
        resource_types: ['customer'],
        channels: ['support_console'],
        zones: ['office'],
      });
    }
  }
}

const clock = new ManualClock(start);
const engine = createEngine({ rules: loadRuleSet(rulesDir), clock });
engine.restore({ activity: history, alerts: [], recentEvents: [] });

const batch = 500;
// Warm-up on a copy with other ids would change state; instead time everything, report the steady half too.
let alerts = 0;
let rows = 0;
const byRule = new Map<string, number>();
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let tHalf = t0;
for (let i = 0; i < events.length; i += batch) {
  if (i >= events.length / 2 && tHalf === t0) tHalf = process.hrtime.bigint();
  const slice = events.slice(i, i + batch);
  // Processing time follows the events, as live: a batch is evaluated once its last event happened.
  clock.set((slice[slice.length - 1] as EnrichedEvent).ts);
  const out = engine.evaluate(slice);
  alerts += out.alerts.length;
  for (const u of out.alerts) if (u.alert.revision === 1) byRule.set(u.alert.rule_id, (byRule.get(u.alert.rule_id) ?? 0) + 1);
  rows += out.activity.length;
}
const t1 = process.hrtime.bigint();
const cpu = process.cpuUsage(c0);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
const secs = Number(t1 - t0) / 1e9;
const secondHalf = Number(t1 - tHalf) / 1e9;
const st = engine.stats();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`events:            ${fmt(events.length)} (${actorCount} actors, 1-20 refs each, batches of ${batch})`);
console.log(`throughput:        ${fmt(events.length / secs)} events/s  (${((secs * 1e6) / events.length).toFixed(2)} µs/event)`);
console.log(`cpu time:          ${fmt(events.length / cpuSecs)} events/s  (${((cpuSecs * 1e6) / events.length).toFixed(2)} µs/event of CPU; wall time suffers from other load)`);
console.log(`steady (2nd half): ${fmt(events.length / 2 / secondHalf)} events/s  (${((secondHalf * 1e6) / (events.length / 2)).toFixed(2)} µs/event)`);
console.log(`alert updates:     ${fmt(alerts)}, activity rows: ${fmt(rows)}; opened: ${[...byRule].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
console.log(`state:             ${fmt(st.actors)} actors, ~${(st.approxStateBytes / 1e6).toFixed(1)} MB, open alerts ${st.openAlerts}`);
