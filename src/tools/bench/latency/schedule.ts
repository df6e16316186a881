/**
 * When the latency benchmark produces: a steady rate (messages due by a given
 * elapsed time) and incidents at known times, evenly spread inside each round
 * after a warm-up. Pure, so the schedule is unit-tested.
 */

/** Messages due after `elapsedMs` at `ratePerSecond` (a steady rate: whole messages, never ahead of time). */
export function messagesDue(ratePerSecond: number, elapsedMs: number): number {
  if (!(ratePerSecond > 0) || !(elapsedMs > 0)) return 0;
  return Math.floor((ratePerSecond * elapsedMs) / 1000);
}

export interface IncidentSlot {
  /** 0-based index over the whole run (also the incident's actor number). */
  readonly index: number;
  /** 1-based round. */
  readonly round: number;
  /** When to produce it, ms after the steady production started. */
  readonly atMs: number;
}

export interface IncidentScheduleOptions {
  readonly warmupMs: number;
  readonly rounds: number;
  readonly roundMs: number;
  readonly perRound: number;
}

/**
 * Incidents at the middle of `perRound` equal slices of each round, so none
 * falls on a round's edge; rounds follow the warm-up back to back.
 */
export function incidentSchedule(o: IncidentScheduleOptions): IncidentSlot[] {
  const slots: IncidentSlot[] = [];
  for (let r = 0; r < o.rounds; r++) {
    for (let k = 0; k < o.perRound; k++) {
      slots.push({ index: slots.length, round: r + 1, atMs: o.warmupMs + r * o.roundMs + ((k + 0.5) * o.roundMs) / o.perRound });
    }
  }
  return slots;
}

/** When steady production stops: after the warm-up and every round. */
export function productionEndMs(o: IncidentScheduleOptions): number {
  return o.warmupMs + o.rounds * o.roundMs;
}
