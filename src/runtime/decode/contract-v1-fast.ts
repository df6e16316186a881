/**
 * A quick yes for the usual contract-v1 message, before Ajv.
 *
 * Ajv's compiled validator (contract-v1.ts) and the RFC 3339 check of
 * ajv-formats behind `ts` cost about 2–3 µs per event on the hot path: the
 * date-time format alone splits the string and runs two regular expressions.
 * This check reads the same schema's bounds (EVENT_V1_JSON_SCHEMA, so a new
 * limit there applies here too) and answers `true` only when Ajv would
 * certainly accept the message; on `false` the decoder asks Ajv, which decides
 * and names the error. So it can only make decode cheaper, never change what
 * is accepted (test/unit/decode/contract-v1-fast.test.ts checks "true implies
 * Ajv accepts" over mutations of every property, and that it knows every
 * property the schema has).
 *
 * Where it is stricter than Ajv it answers `false`: lengths are compared in
 * UTF-16 units (a string within the bound in units is within it in code
 * points, which Ajv counts), and of the RFC 3339 forms only
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` is recognised here.
 */
import { EVENT_V1_JSON_SCHEMA, MAX_EPOCH_MS, MAX_RECORD_COUNT, MIN_EPOCH_MS, type EventV1 } from './contract-v1.js';

const P = EVENT_V1_JSON_SCHEMA.properties;

/** The schema's properties this check reads; a test keeps it equal to the schema's. */
export const FAST_CHECKED_PROPERTIES = [
  'event_id', 'ts', 'actor_id', 'action', 'resource_type', 'record_ids', 'record_count', 'fields', 'outcome', 'channel',
  'source_ip', 'session_id', 'user_agent', 'ticket_id',
] as const;

const ACTIONS: readonly unknown[] = P.action.enum;
const OUTCOMES: readonly unknown[] = P.outcome.enum;

const text = (v: unknown, min: number, max: number): boolean => typeof v === 'string' && v.length >= min && v.length <= max;
/** Absent, null, or a string within the bounds (the optional `["string", "null"]` properties). */
const optional = (v: unknown, min: number, max: number): boolean => v === undefined || v === null || text(v, min, max);

function texts(v: unknown, min: number, max: number, maxItems: number): boolean {
  if (!Array.isArray(v) || v.length > maxItems) return false;
  for (let i = 0; i < v.length; i++) if (!text(v[i], min, max)) return false;
  return true;
}

/** `true` only if Ajv's validateEventV1 accepts `o` (see above); `false` means "ask Ajv". */
export function surelyEventV1(value: object): value is EventV1 {
  const o = value as Record<string, unknown>;
  if (!text(o.event_id, P.event_id.minLength, P.event_id.maxLength)) return false;
  if (!text(o.actor_id, P.actor_id.minLength, P.actor_id.maxLength)) return false;
  if (!ACTIONS.includes(o.action)) return false;
  if (!text(o.resource_type, P.resource_type.minLength, P.resource_type.maxLength)) return false;
  const ts = o.ts;
  if (typeof ts === 'number') {
    if (!(Number.isInteger(ts) && ts >= MIN_EPOCH_MS && ts <= MAX_EPOCH_MS)) return false;
  } else if (typeof ts !== 'string' || !simpleDateTime(ts)) return false;
  const ids = o.record_ids;
  const count = o.record_count;
  // The root anyOf: record_ids or record_count (absent means undefined, as Ajv's `required` tests).
  if (ids === undefined && count === undefined) return false;
  if (ids !== undefined && !texts(ids, P.record_ids.items.minLength, P.record_ids.items.maxLength, Infinity)) return false;
  if (count !== undefined && !(typeof count === 'number' && Number.isInteger(count) && count >= 0 && count <= MAX_RECORD_COUNT)) return false;
  if (o.fields !== undefined && !texts(o.fields, P.fields.items.minLength, P.fields.items.maxLength, P.fields.maxItems)) return false;
  if (o.outcome !== undefined && !OUTCOMES.includes(o.outcome)) return false;
  return (
    optional(o.channel, P.channel.minLength, P.channel.maxLength) &&
    optional(o.source_ip, 0, P.source_ip.maxLength) &&
    optional(o.session_id, 0, P.session_id.maxLength) &&
    optional(o.user_agent, 0, P.user_agent.maxLength) &&
    optional(o.ticket_id, 0, P.ticket_id.maxLength)
  );
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at i as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.digits](Z|±HH:MM)`, a real calendar date, hour ≤ 23,
 * minute and second ≤ 59, offset hour ≤ 23 and minute ≤ 59: each such string
 * passes ajv-formats' full `date-time` (its date, its time with a mandatory
 * zone, split at the one `T`). Leap seconds and the other offset forms are left to Ajv.
 */
function simpleDateTime(s: string): boolean {
  const n = s.length;
  if (n < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const century = two(s, 0);
  const yy = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return false;
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!)) return false;
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let i = 19;
  if (s.charCodeAt(i) === 46) {
    i++;
    const first = i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === first) return false;
  }
  const zone = s.charCodeAt(i);
  if (zone === 90) return i + 1 === n;
  if (zone !== 43 && zone !== 45) return false;
  if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return false;
  const offsetHour = two(s, i + 1);
  const offsetMinute = two(s, i + 4);
  return offsetHour >= 0 && offsetHour <= 23 && offsetMinute >= 0 && offsetMinute <= 59;
}
