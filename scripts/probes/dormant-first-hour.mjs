// Probe: on an actor's first day back after >= 7 silent days, the busiest sliding hour's distinct customers
// against the median of their earlier benign active days (and against their usual busiest hour): one line
// per such day, benign, incident or look-alike. Would "a day's worth in the first hour back" find dormant wake-ups?
// Usage: node scripts/probes/dormant-first-hour.mjs 1,2,3,4,5 [allowed|default]   (after npm run build)
import { median, simulatedDays } from './sim-days.mjs';
const HOUR = 3_600_000;
const seeds = (process.argv[2] ?? '1,2,3,4,5').split(',').map(Number);
const set = process.argv[3] ?? 'allowed';
const out = [];
for (const seed of seeds) {
  const { days: per, roleOf, kindOfActor, kindOf, evalDay } = simulatedDays(seed, set);
  for (const [actor, m] of per) {
    if (kindOfActor.get(actor) === 'service') continue;
    const days = [...m.keys()].sort((a, b) => a - b);
    const stats = new Map();
    const peakHour = (ev) => { let best = 0; for (let i = 0; i < ev.length; i++) { const s = new Set(); let anon = 0; for (let j = i; j < ev.length && ev[j].t - ev[i].t < HOUR; j++) { for (const id of ev[j].ids) s.add(id); anon += ev[j].anon; } best = Math.max(best, s.size + anon); } return best; };
    for (const d of days) { const x = m.get(d); x.events.sort((a, b) => a.t - b.t); stats.set(d, { n: x.refs.size + x.events.reduce((a, e) => a + e.anon, 0), peak: null, tag: x.tag }); }
    for (let k = 1; k < days.length; k++) {
      const d = days[k], gap = d - days[k - 1] - 1;
      if (gap < 7 || d < evalDay) continue;
      const before = days.slice(0, k).map((dd) => stats.get(dd)).filter((s) => s.tag === null);
      if (before.length < 5) continue;
      const usualDay = median(before.map((s) => s.n));
      const usualPeak = median(days.slice(Math.max(0, k - 20), k).filter((dd) => stats.get(dd).tag === null).map((dd) => peakHour(m.get(dd).events)));
      const x = m.get(d); const peak = peakHour(x.events);
      const tag = x.tag; const kind = tag === null ? 'benign' : kindOf.get(tag) ?? 'other';
      out.push({ seed, actor, role: roleOf.get(actor), gap, peak, day: stats.get(d).n, usualDay, usualPeak, kind });
    }
  }
}
for (const r of out.sort((a, b) => (a.kind < b.kind ? -1 : 1))) console.log(`${r.kind.padEnd(28)} s${r.seed} ${r.role.padEnd(18)} gap ${String(r.gap).padStart(2)} peak1h ${String(r.peak).padStart(6)} day ${String(r.day).padStart(6)} usualDay ${String(r.usualDay).padStart(6)} usualPeak ${String(r.usualPeak).padStart(6)}  peak/usualDay ${(r.peak / Math.max(1, r.usualDay)).toFixed(2)}  peak/usualPeak ${(r.peak / Math.max(1, r.usualPeak)).toFixed(2)}`);
