// Probe: would a trend of the person's own days (a Mann-Kendall count over their last
// active days) together with a level above their own usual day separate the simulator's
// policy-allowed slow incidents (multi_day_scrape, peer_relative_rise) from benign days
// and from the look-alikes that rise too (new_hire_ramp, batch_growth)?
// Per actor and UTC day: distinct customers read that day. For each actor-day of the
// evaluation period: S = sum over pairs i<j of sign(v_j - v_i) over the last N active days
// (this one included), and the level = the 3rd largest of them / the median of the actor's
// active days before those N (benign history only).
// Usage: node scripts/probes/day-trend.mjs 1,2,3,4,5   (after npm run build)
import { DAY, median, simulatedDays } from './sim-days.mjs';

const seeds = (process.argv[2] ?? '1,2,3,4,5').split(',').map(Number);
const N = Number(process.argv[3] ?? 7);

const rows = [];
for (const seed of seeds) {
  const { days, roleOf, kindOf, evalDay } = simulatedDays(seed, 'allowed');
  for (const [actor, per] of days) {
    const list = [...per.entries()].sort((a, b) => a[0] - b[0]).map(([d, x]) => ({ d, n: x.refs.size, tag: x.tag }));
    for (let k = 0; k < list.length; k++) {
      if (list[k].d < evalDay || k + 1 < N) continue;
      const last = list.slice(k + 1 - N, k + 1);
      const history = list.slice(0, k + 1 - N).filter((x) => x.tag === null).map((x) => x.n);
      if (history.length < 5) continue;
      let s = 0;
      for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) s += Math.sign(last[j].n - last[i].n);
      const third = [...last].map((x) => x.n).sort((a, b) => b - a)[2];
      const tags = [...new Set(last.map((x) => x.tag).filter((t) => t !== null))];
      const kind = tags.length === 0 ? 'benign' : kindOf.get(tags[0]) ?? 'other';
      rows.push({ seed, actor, role: roleOf.get(actor), day: list[k].d, s, level: third / Math.max(1, median(history)), third, kind, id: tags[0] ?? null, today: list[k].tag !== null });
    }
  }
}

const kinds = ['incident:multi_day_scrape', 'incident:peer_relative_rise', 'lookalike:new_hire_ramp', 'lookalike:batch_growth', 'lookalike:busy_day', 'lookalike:vacation_return'];
const benign = rows.filter((r) => r.kind === 'benign');
const actorDays = new Set(benign.map((r) => `${r.seed}|${r.actor}|${r.day}`)).size;
console.log(`seeds ${seeds.join(',')}, last ${N} active days: ${actorDays} benign actor-days judged`);
console.log('\nS at least | level at least | third day at least | benign actor-days | ' + kinds.map((k) => k.split(':')[1]).join(' | '));
for (const [s0, l0, t0] of [[7, 1.3, 40], [9, 1.3, 40], [11, 1.3, 40], [9, 1.5, 40], [11, 1.5, 40], [9, 1.3, 20], [11, 1.3, 20], [13, 1.3, 20], [11, 1.5, 20], [13, 1.5, 20], [15, 1.3, 20]]) {
  const hit = (r) => r.s >= s0 && r.level >= l0 && r.third >= t0;
  const cells = kinds.map((k) => {
    const all = new Set(rows.filter((r) => r.kind === k).map((r) => `${r.seed}|${r.id}`));
    const got = new Set(rows.filter((r) => r.kind === k && hit(r)).map((r) => `${r.seed}|${r.id}`));
    return `${got.size}/${all.size}`;
  });
  console.log(`${s0} | ${l0} | ${t0} | ${benign.filter(hit).length} | ${cells.join(' | ')}`);
}
const incidents = rows.filter((r) => r.kind.startsWith('incident:') && (r.kind.endsWith('scrape') || r.kind.endsWith('rise')));
const best = new Map();
for (const r of incidents) { const k = `${r.seed}|${r.id}`; const b = best.get(k); if (!b || r.s > b.s) best.set(k, r); }
console.log('\nper incident, its best day (S, level, third day):', [...best.values()].map((r) => `${r.kind.split(':')[1].split('_')[0]} ${r.role} ${r.s}/${r.level.toFixed(2)}/${r.third}`).join(', '));
for (const [s0, l0, t0] of [[11, 1.5, 20], [13, 1.5, 20], [13, 1.3, 20]]) {
  const hit = (r) => r.s >= s0 && r.level >= l0 && r.third >= t0;
  const flagged = benign.filter(hit);
  const actors = new Map();
  for (const r of flagged) actors.set(`${r.seed}|${r.actor}`, r.role);
  const byRole = {};
  for (const role of actors.values()) byRole[role] = (byRole[role] ?? 0) + 1;
  console.log(`S>=${s0} level>=${l0} third>=${t0}: benign flagged actor-days ${flagged.length}, distinct actors ${actors.size}`, JSON.stringify(byRole), '| look-alike roles:', rows.filter((r) => r.kind.startsWith('lookalike:batch') && hit(r)).map((r) => r.role).filter((v, i, a) => a.indexOf(v) === i).join(','));
}
