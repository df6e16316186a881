/**
 * A small stand-in for decode + enrich, for rule test cases in unit tests:
 * pseudonymises record ids with HMAC-SHA256 (32 hex chars, like decode),
 * takes the actor from the case, the zone from the event's test-only `zone`,
 * local time from the actor's time zone, and field classes from a given table.
 * The CLI should pass the real decode + enrich instead (see docs/rules.md).
 */
import { createHmac } from 'node:crypto';
import type { ActorProfile, EnrichedEvent } from '../../model/enriched.js';
import { localReading } from '../state/local-clock.js';
import { caseTs, type CaseActor, type CaseContext, type CaseEvent } from './case-events.js';

export interface CaseEnricherOptions {
  /** Field name → sensitivity class. */
  readonly fieldClasses: Readonly<Record<string, string>>;
  /** Class of a field not in the table. */
  readonly defaultClass: string;
  readonly pseudonymKey?: string;
}

export type ToEnriched = (event: CaseEvent, actors: ReadonlyMap<string, CaseActor>, ctx: CaseContext) => EnrichedEvent;

export function createCaseEnricher(options: CaseEnricherOptions): ToEnriched {
  const key = options.pseudonymKey ?? 'custos-rule-tests-pseudonym-key-0123456789';
  const refOf = (id: string) => createHmac('sha256', key).update(id, 'utf8').digest('hex').slice(0, 32);
  return (ev, actors, ctx) => {
    const ts = caseTs(ev.ts);
    const a = actors.get(ev.actor_id);
    const actor: ActorProfile =
      a === undefined
        ? { actor_id: ev.actor_id, known: false, role: 'unknown', department: 'unknown', employment_status: 'unknown', kind: 'human', timezone: 'UTC', allowed_zones: [] }
        : {
            actor_id: ev.actor_id,
            known: a.known,
            role: a.role,
            department: a.department,
            employment_status: a.employment_status,
            kind: a.kind,
            timezone: a.timezone,
            allowed_zones: a.allowed_zones,
          };
    const refs = [...new Set(ev.record_ids ?? [])].map(refOf);
    const local = localReading(ts, actor.timezone);
    const bh = ctx.businessHours;
    const classes = [...new Set(ev.fields.map((f) => options.fieldClasses[f] ?? options.defaultClass))];
    return {
      event_id: ev.event_id,
      ts,
      actor_id: ev.actor_id,
      action: ev.action,
      resource_type: ev.resource_type,
      record_refs: refs,
      record_count: Math.max(ev.record_count ?? 0, refs.length),
      fields: ev.fields,
      outcome: ev.outcome,
      channel: ev.channel ?? null,
      source_ip: ev.source_ip ?? null,
      session_id: ev.session_id ?? null,
      user_agent: ev.user_agent ?? null,
      ticket_id: ev.ticket_id ?? null,
      actor,
      network: { zone: ev.zone ?? 'unknown' },
      local_time: {
        hour: local.hour,
        weekday: local.weekday,
        business_hours: bh.weekdays.includes(local.weekday) && local.hour >= bh.start && local.hour < bh.end,
      },
      field_classes: classes,
    };
  };
}
