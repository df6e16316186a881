/**
 * Test helpers: the real decode + enrich for rule test cases (with the
 * shipped enrichment files), and a builder of EnrichedEvents for direct
 * engine tests.
 */
import { createHmac } from 'node:crypto';
import type { ActorProfile, EnrichedEvent } from '../../../../src/model/enriched.js';
import type { ToEnriched } from '../../../../src/runtime/engine/index.js';
import { createRealCaseEnricher } from '../../../../src/tools/rule-tests/real-case-enricher.js';

/** Rule cases run through the real decode and enrich with the shipped zones, fields and calendar. */
export function shippedCaseEnricher(): ToEnriched {
  return createRealCaseEnricher({
    zonesFile: 'rules/enrichment/zones.yaml',
    fieldsFile: 'rules/enrichment/fields.yaml',
    calendarFile: 'rules/enrichment/calendar.yaml',
    defaultTimezone: 'UTC',
  });
}

export function ref(id: string): string {
  return createHmac('sha256', 'unit-test-key').update(id).digest('hex').slice(0, 32);
}

export const T0 = Date.parse('2025-03-04T10:00:00Z'); // a Tuesday, 11:00 in Berlin

/**
 * A processing time after every event of the engine tests (as when the engine
 * catches up on a backlog): for tests that do not exercise the clock. The
 * engine does not evaluate an event more than `clock_skew` ahead of its clock.
 */
export const LATER = Date.parse('2025-06-01T00:00:00Z');

export function profile(over: Partial<ActorProfile> = {}): ActorProfile {
  return {
    actor_id: 'alice',
    known: true,
    role: 'support_agent',
    department: 'customer_care',
    employment_status: 'active',
    kind: 'human',
    timezone: 'Europe/Berlin',
    allowed_zones: [],
    ...over,
  };
}

let seq = 0;
export interface EventInit extends Partial<Omit<EnrichedEvent, 'actor' | 'network' | 'local_time'>> {
  actor?: Partial<ActorProfile>;
  zone?: string;
  business_hours?: boolean;
  hour?: number;
  weekday?: number;
  /** Generate this many fresh refs. */
  n?: number;
}

/** An EnrichedEvent with sensible defaults (a support read at T0, business hours, office). */
export function ev(init: EventInit = {}): EnrichedEvent {
  const { actor, zone, business_hours, hour, weekday, n, ...rest } = init;
  const p = profile({ ...(actor ?? {}), actor_id: init.actor_id ?? actor?.actor_id ?? 'alice' });
  seq++;
  const refs = rest.record_refs ?? (n !== undefined ? Array.from({ length: n }, (_, i) => ref(`gen-${seq}-${i}`)) : [ref(`r-${seq}`)]);
  return {
    event_id: `ev-${seq}`,
    ts: T0,
    actor_id: p.actor_id,
    action: 'read',
    resource_type: 'customer',
    record_count: rest.record_count ?? refs.length,
    fields: ['name'],
    outcome: 'success',
    channel: 'support_console',
    source_ip: null,
    session_id: null,
    user_agent: null,
    ticket_id: 'T-1',
    field_classes: ['identity'],
    ...rest,
    record_refs: refs,
    actor: p,
    network: { zone: zone ?? 'office' },
    local_time: { hour: hour ?? 11, weekday: weekday ?? 2, business_hours: business_hours ?? true },
  };
}
