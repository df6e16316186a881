// Probe: would "one person far above peers who are quiet at the same time" separate the
// simulator's policy-allowed moderate bursts from benign hours?  Per actor and UTC clock
// hour: the peak of the sliding hour's distinct customers ending in that hour (what an
// hourly activity row's peak_1h_distinct holds); compared with the same figure of the
// actor's peers (role and department, the actor left out, idle peers count 0) in the same
// hour, and with the actor's own largest hour in the benign history.
// Usage: node scripts/probes/peers-same-hour.mjs 1,2,3,4,5   (after npm run build)
import { createSimulation } from '../../dist/tools/sim/simulator.js';

const HOUR = 3_600_000;
const seeds = (process.argv[2] ?? '1,2,3,4,5').split(',').map(Number);
const toMs = (ts) => (typeof ts === 'number' ? ts : /^\d+$/.test(ts) ? Number(ts) : Date.parse(ts));

const rows = [];
for (const seed of seeds) {
  const sim = createSimulation({ seed, incidents: 'allowed' });
  const groupOf = new Map(sim.actors.map((a) => [a.actor_id, `${a.role}/${a.department}`]));
  const roleOf = new Map(sim.actors.map((a) => [a.actor_id, a.role]));
  const groupSize = new Map();
  for (const g of groupOf.values()) groupSize.set(g, (groupSize.get(g) ?? 0) + 1);
  // Per actor: the sliding hour (ref -> latest touch; queue of touches) and the peak per clock hour.
  const sliding = new Map();
  const peaks = new Map(); // `${actor}|${hour}` -> { peak, tag }
  const stream = sim.stream();
  for (const w of stream) {
    const t = toMs(w.ts);
    let s = sliding.get(w.actor_id);
    if (s === undefined) sliding.set(w.actor_id, (s = { last: new Map(), queue: [], head: 0 }));
    for (const ref of w.record_ids ?? []) {
      s.last.set(ref, t);
      s.queue.push([ref, t]);
    }
    while (s.head < s.queue.length && s.queue[s.head][1] <= t - HOUR) {
      const [ref, at] = s.queue[s.head++];
      if (s.last.get(ref) === at) s.last.delete(ref);
    }
    if (s.head > 4096) { s.queue = s.queue.slice(s.head); s.head = 0; }
    const key = `${w.actor_id}|${Math.floor(t / HOUR)}`;
    const p = peaks.get(key) ?? { peak: 0, tag: null };
    p.peak = Math.max(p.peak, s.last.size);
    if (stream.lastTag) p.tag = stream.lastTag;
    peaks.set(key, p);
  }
  const labels = stream.labels();
  const kindOf = new Map([...labels.incidents.map((i) => [i.id, `incident:${i.type}`]), ...labels.lookalikes.map((l) => [l.id, `lookalike:${l.type}`])]);
  const evalStart = Date.parse(labels.evaluation_start) / HOUR;
  const byGroupHour = new Map();
  const ownMax = new Map();
  for (const [k, p] of peaks) {
    const [a, h] = k.split('|');
    const gk = `${groupOf.get(a)}|${h}`;
    if (!byGroupHour.has(gk)) byGroupHour.set(gk, []);
    byGroupHour.get(gk).push([a, p.peak]);
    if (Number(h) < evalStart && p.tag === null) ownMax.set(a, Math.max(ownMax.get(a) ?? 0, p.peak));
  }
  for (const [k, p] of peaks) {
    const [a, h] = k.split('|');
    if (Number(h) < evalStart || p.peak < 20) continue;
    const g = groupOf.get(a);
    const others = byGroupHour.get(`${g}|${h}`).filter(([b]) => b !== a).map(([, n]) => n);
    while (others.length < groupSize.get(g) - 1) others.push(0);
    others.sort((x, y) => x - y);
    const p90 = others.length === 0 ? 0 : others[Math.min(others.length - 1, Math.floor(0.9 * others.length))];
    rows.push({ role: roleOf.get(a), peers: others.length, n: p.peak, p90, own: ownMax.get(a) ?? 0, kind: p.tag === null ? 'benign' : kindOf.get(p.tag) ?? 'other' });
  }
}

const byRole = (list) => JSON.stringify(list.reduce((m, r) => ((m[r.role] = (m[r.role] ?? 0) + 1), m), {}));
const bursts = rows.filter((r) => r.kind === 'incident:moderate_burst');
const benign = rows.filter((r) => r.kind === 'benign' && r.peers >= 3);
console.log(`seeds ${seeds.join(',')}: actor-hours with a peak of 20+ customers after the history: ${benign.length} benign, ${bursts.length} of moderate bursts`);
console.log('burst hours (peak / peers p90 same hour / own largest history hour):', bursts.map((r) => `${r.role} ${r.n}/${r.p90}/${r.own}`).join(', '));
console.log('\nown x  peers x | benign hours (by role) | burst hours');
for (const [ko, kp] of [[0, 2], [0, 3], [1, 2], [1, 3], [1.2, 3], [1.5, 3], [1.5, 4]]) {
  const hit = (r) => r.n >= ko * r.own && r.n >= kp * Math.max(r.p90, 5);
  console.log(`${String(ko).padEnd(5)} ${String(kp).padEnd(7)} | ${benign.filter(hit).length} ${byRole(benign.filter(hit))} | ${bursts.filter(hit).length}/${bursts.length}`);
}
const sup = benign.filter((r) => r.role === 'support_agent');
console.log('\nbenign support-agent hours by peak:', [25, 30, 35, 40, 45].map((t) => `>=${t}: ${sup.filter((r) => r.n >= t).length}`).join(', '));
