// Probe: what the optional-field minimiser costs per event on the throughput benchmark's events
// (seed 7, 300 actors, its first 100,000), with the default policy (session id pseudonymised) and
// with the session id kept clear, CPU µs/event, best of 5 passes after a warm-up; and how often the
// session ids repeat (why their pseudonyms are memoised: src/privacy/minimise.ts).
// Usage: node scripts/probes/minimise-cost.mjs   (after npm run build)
import { createSimulation } from '../../dist/tools/sim/simulator.js';
import { createOptionalFieldMinimiser, DEFAULT_MINIMISATION } from '../../dist/privacy/minimise.js';

const KEY = 'benchmark-pseudonym-key-not-a-secret-0000';
const sim = createSimulation({ seed: 7, actors: 300, days: 60, incidents: 'default' });
const events = [];
for (const e of sim.stream()) {
  events.push({ source_ip: e.source_ip ?? null, user_agent: e.user_agent ?? null, session_id: e.session_id ?? null });
  if (events.length >= 100_000) break;
}
const withSession = events.filter((e) => e.session_id !== null).length;
console.log(`events ${events.length}, with a session id ${withSession}, distinct session ids ${new Set(events.map((e) => e.session_id)).size}`);

function microsPerEvent(minimise) {
  for (const e of events) minimise(e);
  let best = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    const start = process.cpuUsage();
    for (const e of events) minimise(e);
    const used = process.cpuUsage(start);
    best = Math.min(best, used.user + used.system);
  }
  return (best / events.length).toFixed(3);
}
console.log(`default policy ${microsPerEvent(createOptionalFieldMinimiser(DEFAULT_MINIMISATION, KEY))} µs/event`);
console.log(`session id clear ${microsPerEvent(createOptionalFieldMinimiser({ ...DEFAULT_MINIMISATION, session_id: 'clear' }, KEY))} µs/event`);
