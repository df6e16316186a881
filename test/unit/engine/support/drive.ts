import type { ManualClock } from '../../../../src/clock.js';
import type { EnrichedEvent } from '../../../../src/model/enriched.js';
import type { ActorActivityRow, AlertUpdate, createEngine } from '../../../../src/runtime/engine/index.js';

export interface Driven {
  readonly updates: AlertUpdate[];
  readonly rows: ActorActivityRow[];
  /** The updates each event's evaluation produced, in event order. */
  readonly perEvent: AlertUpdate[][];
  /** The activity rows each event's evaluation closed, in event order. */
  readonly rowsPerEvent: ActorActivityRow[][];
}

/** Evaluates one event per batch at clock = event time, as a live monitor would. */
export function drive(engine: ReturnType<typeof createEngine>, clock: ManualClock, events: readonly EnrichedEvent[]): Driven {
  const perEvent: AlertUpdate[][] = [];
  const rowsPerEvent: ActorActivityRow[][] = [];
  for (const e of events) {
    clock.set(e.ts);
    const out = engine.evaluate([e]);
    perEvent.push([...out.alerts]);
    rowsPerEvent.push([...out.activity]);
  }
  return { updates: perEvent.flat(), rows: rowsPerEvent.flat(), perEvent, rowsPerEvent };
}
