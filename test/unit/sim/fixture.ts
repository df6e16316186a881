import { createSimulation, type Simulation } from '../../../src/tools/sim/simulator.js';
import type { SimLabels } from '../../../src/tools/sim/types.js';
import type { WireEvent } from '../../../src/tools/sim/wire.js';

export interface Run {
  readonly sim: Simulation;
  readonly events: WireEvent[];
  readonly tags: (string | undefined)[];
  readonly labels: SimLabels;
}

/** A modest scenario: 80 actors, 21 days (two weeks of history, one of incidents; includes the 1st of April). */
export const SMALL = { seed: 7, actors: 80, days: 21, start: '2026-03-16', historyDays: 14 } as const;

const cache = new Map<string, Run>();

export function run(cfg: Parameters<typeof createSimulation>[0] = SMALL): Run {
  const key = JSON.stringify(cfg);
  const hit = cache.get(key);
  if (hit) return hit;
  const sim = createSimulation(cfg);
  const stream = sim.stream();
  const events: WireEvent[] = [];
  const tags: (string | undefined)[] = [];
  for (const e of stream) {
    events.push(e);
    tags.push(stream.lastTag);
  }
  const r = { sim, events, tags, labels: stream.labels() };
  cache.set(key, r);
  return r;
}

export function tsOf(e: WireEvent): number {
  return typeof e.ts === 'number' ? e.ts : Date.parse(e.ts);
}

export function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const cols = (header ?? '').split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}
