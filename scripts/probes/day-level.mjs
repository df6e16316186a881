// Probe: the mean of log(1 + distinct) over the last N active days, against the actor's earlier benign days
// (mean and sd of log(1+x)), as z = (m - mu) / (sd / sqrt(N)) and as a plain ratio exp(m - mu): would a
// level of the whole week separate slow incidents from benign weeks better than the k-th busiest day?
// Human actors only; per incident, found or not and the median day of the incident it was first found on.
// Usage: node scripts/probes/day-level.mjs 1,2,3,4,5 [N=7]   (after npm run build; tuning seeds only)
import { DAY, simulatedDays } from './sim-days.mjs';
const seeds = (process.argv[2] ?? '1,2,3,4,5').split(',').map(Number);
const N = Number(process.argv[3] ?? 7);
const rows = [];
const incStart = new Map();
for (const seed of seeds) {
  const { days, labels, roleOf, kindOfActor, kindOf, evalDay } = simulatedDays(seed, 'allowed');
  for (const i of labels.incidents) incStart.set(`${seed}|${i.id}`, Math.floor(i.start_ms / DAY));
  for (const [actor, per] of days) {
    if (kindOfActor.get(actor) === 'service') continue;
    const list = [...per.entries()].sort((a, b) => a[0] - b[0]).map(([d, x]) => ({ d, n: x.refs.size, tag: x.tag }));
    for (let k = 0; k < list.length; k++) {
      if (list[k].d < evalDay || k + 1 < N) continue;
      const last = list.slice(k + 1 - N, k + 1);
      const history = list.slice(0, k + 1 - N).filter((x) => x.tag === null).map((x) => Math.log1p(x.n));
      if (history.length < 5) continue;
      const mu = history.reduce((s, v) => s + v, 0) / history.length;
      const sd = Math.max(0.1, Math.sqrt(history.reduce((s, v) => s + (v - mu) ** 2, 0) / (history.length - 1)));
      const m = last.reduce((s, x) => s + Math.log1p(x.n), 0) / N;
      const z = (m - mu) / (sd / Math.sqrt(N));
      const sum = last.reduce((s, x) => s + x.n, 0);
      const tags = [...new Set(last.map((x) => x.tag).filter((t) => t !== null))];
      const kind = tags.length === 0 ? 'benign' : kindOf.get(tags[0]) ?? 'other';
      rows.push({ seed, actor, role: roleOf.get(actor), day: list[k].d, z, ratio: Math.exp(m - mu), sd, sum, kind, id: tags[0] ?? null });
    }
  }
}
const kinds = ['incident:multi_day_scrape', 'incident:peer_relative_rise', 'incident:dormant_wakeup', 'lookalike:new_hire_ramp', 'lookalike:batch_growth', 'lookalike:busy_day', 'lookalike:vacation_return', 'lookalike:larger_usual_report'];
const benign = rows.filter((r) => r.kind === 'benign');
console.log(`seeds ${seeds.join(',')}, last ${N} active days: ${new Set(benign.map((r) => `${r.seed}|${r.actor}|${r.day}`)).size} benign human actor-days judged`);
console.log('z at least | ratio at least | sum at least | benign actor-days (actors) | ' + kinds.map((k) => k.split(':')[1]).join(' | '));
for (const [z0, r0, s0] of [[3, 1.2, 100], [4, 1.2, 100], [4, 1.3, 100], [5, 1.2, 100], [5, 1.3, 100], [6, 1.3, 100], [5, 1.4, 100], [6, 1.4, 100], [7, 1.4, 100], [8, 1.5, 100]]) {
  const hit = (r) => r.z >= z0 && r.ratio >= r0 && r.sum >= s0;
  const cells = kinds.map((k) => {
    const all = new Set(rows.filter((r) => r.kind === k).map((r) => `${r.seed}|${r.id}`));
    const got = rows.filter((r) => r.kind === k && hit(r));
    const ids = new Set(got.map((r) => `${r.seed}|${r.id}`));
    const ttd = [...ids].map((id) => Math.min(...got.filter((r) => `${r.seed}|${r.id}` === id).map((r) => r.day)) - (incStart.get(id) ?? NaN)).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    return `${ids.size}/${all.size}${ttd.length ? ` (d${ttd[Math.floor(ttd.length / 2)]})` : ''}`;
  });
  const b = benign.filter(hit);
  console.log(`${z0} | ${r0} | ${s0} | ${b.length} (${new Set(b.map((r) => r.seed + r.actor)).size}) | ${cells.join(' | ')}`);
}
