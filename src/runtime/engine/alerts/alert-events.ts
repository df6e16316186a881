/**
 * Which stored events an alert is about (AlertEvents): the store renders its
 * ready-to-run query from this (src/runtime/outputs/clickhouse/events-query.ts).
 */
import type { AlertEvents } from '../../../model/alert.js';
import type { OpenAlert } from './open-alert.js';

export function alertEventsOf(a: OpenAlert, sampleCap: number): AlertEvents {
  // A policy-only alert whose every event id is in the sample: exactly those events.
  let policyOnly = true;
  for (const f of a.findings.values()) if (f.kind !== 'policy') policyOnly = false;
  const exact = policyOnly && a.eventCount <= sampleCap && a.eventIds.length === a.eventCount && a.eventIds.length > 0;
  return {
    // A storm alert speaks for many actors: its sampled ones.
    actors: a.storm === null ? { one: a.actorId } : { sample: [...a.storm.sample] },
    eventIds: exact ? [...a.eventIds] : null,
    fromMs: a.windowStart,
    toMs: a.lastTs,
  };
}
