/**
 * Test-case events as the runner hands them to `toEnriched`: wire contract v1
 * objects (what a producer would put on the topic) plus the test-only `zone`,
 * after expanding `repeat` / `every` / `generate_records` / `distinct_actors`.
 */
import type { EventV1 } from '../../model/contract-v1.js';
import type { Outcome } from '../../model/event.js';
import type { CaseActorSpec, CaseEventSpec, TestCaseSpec } from '../../runtime/engine/rules/schema.js';

/** A contract v1 event (src/model/contract-v1.ts) with `fields` and `outcome` filled in, plus the test-only `zone`. */
export type CaseEvent = Omit<EventV1, 'fields' | 'outcome'> & {
  readonly fields: readonly string[];
  readonly outcome: Outcome;
  /** Test-only: the network zone to enrich with (instead of resolving source_ip). */
  readonly zone?: string;
};

export type CaseActor = CaseActorSpec;

export interface CaseContext {
  /** Business hours for this case: ISO weekdays and local hours [start, end). */
  readonly businessHours: { readonly start: number; readonly end: number; readonly weekdays: readonly number[] };
}

export const DEFAULT_CASE_BUSINESS_HOURS = { start: 8, end: 19, weekdays: [1, 2, 3, 4, 5] } as const;

export function caseTs(ts: string | number): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}

/** Expands a case's events in order. Record ids are `c-NNNNNN`, fresh per generated record. */
export function expandCaseEvents(spec: TestCaseSpec): CaseEvent[] {
  const out: CaseEvent[] = [];
  let nextRecord = 1;
  spec.events.forEach((ev: CaseEventSpec, n) => {
    const base = caseTs(ev.ts);
    for (let k = 0; k < ev.repeat; k++) {
      const { repeat, every, generate_records, zone, event_id, distinct_actors, ts: _ts, ...wire } = ev;
      let recordIds = wire.record_ids;
      if (generate_records !== undefined) {
        recordIds = [];
        for (let j = 0; j < generate_records; j++) recordIds.push(`c-${String(nextRecord++).padStart(6, '0')}`);
      }
      const id = event_id ?? `e${n + 1}`;
      out.push({
        ...wire,
        ...(recordIds !== undefined ? { record_ids: recordIds } : {}),
        ...(zone !== undefined ? { zone } : {}),
        ...(distinct_actors ? { actor_id: `${wire.actor_id}-${k + 1}` } : {}),
        event_id: repeat > 1 ? `${id}-${k + 1}` : id,
        ts: typeof ev.ts === 'number' || k > 0 ? base + k * every : ev.ts,
      });
    }
  });
  return out;
}
