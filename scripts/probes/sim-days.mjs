// Shared by the probes: one seed's simulated traffic grouped per actor and UTC day, with its labels.
// Each actor-day holds the distinct record ids read, the events (time, ids, count-only records) and
// the label tag of its last tagged event (an incident or look-alike id; null for benign days).
import { createSimulation } from '../../dist/tools/sim/simulator.js';

export const DAY = 86_400_000;
export const toMs = (ts) => (typeof ts === 'number' ? ts : /^\d+$/.test(ts) ? Number(ts) : Date.parse(ts));
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)];
};

export function simulatedDays(seed, incidents) {
  const sim = createSimulation({ seed, incidents });
  const days = new Map(); // actor -> Map(day -> { refs: Set, events: [{ t, ids, anon }], tag })
  const stream = sim.stream();
  for (const w of stream) {
    const t = toMs(w.ts);
    const d = Math.floor(t / DAY);
    let per = days.get(w.actor_id);
    if (per === undefined) days.set(w.actor_id, (per = new Map()));
    let x = per.get(d);
    if (x === undefined) per.set(d, (x = { refs: new Set(), events: [], tag: null }));
    const ids = w.record_ids ?? [];
    for (const r of ids) x.refs.add(r);
    x.events.push({ t, ids, anon: Math.max(0, (w.record_count ?? 0) - ids.length) });
    if (stream.lastTag) x.tag = stream.lastTag;
  }
  const labels = stream.labels();
  return {
    days,
    labels,
    roleOf: new Map(sim.actors.map((a) => [a.actor_id, a.role])),
    kindOfActor: new Map(sim.actors.map((a) => [a.actor_id, a.kind])),
    kindOf: new Map([...labels.incidents.map((i) => [i.id, `incident:${i.type}`]), ...labels.lookalikes.map((l) => [l.id, `lookalike:${l.type}`])]),
    evalDay: Math.floor(Date.parse(labels.evaluation_start) / DAY),
  };
}
