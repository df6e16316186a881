/**
 * Event contract v1, defined once, as a JSON Schema (documented in README
 * "Event contract v1"; producers can validate against `EVENT_V1_JSON_SCHEMA`).
 * Everything else is derived from it: the TypeScript type of a valid message
 * (`EventV1`, by json-schema-to-ts), the decoder's compiled validator
 * (src/runtime/decode/contract-v1.ts, Ajv: this runs for every event on the
 * hot path), the simulator's output type and the rule test cases' event shape.
 *
 * Unknown keys are allowed by the schema and never copied past decode (data
 * minimisation: they are not stored).
 */
import type { FromSchema } from 'json-schema-to-ts';
import { ACTIONS, OUTCOMES } from './event.js';

// Bounds protect storage and memory from absurd producers; the message size
// limit bounds the total, these bound single values.
const MAX_ID = 256;
const MAX_LABEL = 64;
const MAX_FREE_TEXT = 1024;
const MAX_FIELDS = 256;

/**
 * ClickHouse DateTime is unsigned 32-bit seconds: 1970-01-01 to 2106-02-07. A
 * timestamp outside it could not be stored and would block the partition at
 * the sink; decode refuses it as invalid_timestamp instead. The lower bound is
 * 2000-01-01: an access log older than that is a producer bug (an epoch in
 * seconds, a zero), and windows reaching before 1970 cannot be stored.
 * The upper bound is tightened further at run time (now + an allowed skew).
 */
export const MIN_EPOCH_MS = Date.UTC(2000, 0, 1);
export const MAX_EPOCH_MS = 4_294_967_295_000;
/** Counts are stored as UInt32. */
export const MAX_RECORD_COUNT = 4_294_967_295;

const id = { type: 'string', minLength: 1, maxLength: MAX_ID } as const;
const label = { type: 'string', minLength: 1, maxLength: MAX_LABEL } as const;
const optionalText = (max: number) => ({ type: ['string', 'null'], maxLength: max }) as const;

export const EVENT_V1_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://custos.dev/schemas/access-event-v1.json',
  title: 'custos data-access event, contract v1',
  type: 'object',
  required: ['event_id', 'ts', 'actor_id', 'action', 'resource_type'],
  properties: {
    event_id: id,
    ts: {
      anyOf: [
        { type: 'string', format: 'date-time' },
        { type: 'integer', minimum: MIN_EPOCH_MS, maximum: MAX_EPOCH_MS },
      ],
    },
    actor_id: id,
    action: { type: 'string', enum: ACTIONS },
    resource_type: label,
    record_ids: { type: 'array', items: id },
    record_count: { type: 'integer', minimum: 0, maximum: MAX_RECORD_COUNT },
    fields: { type: 'array', maxItems: MAX_FIELDS, items: label },
    outcome: { type: 'string', enum: OUTCOMES },
    channel: { type: ['string', 'null'], minLength: 1, maxLength: MAX_LABEL },
    source_ip: optionalText(64),
    session_id: optionalText(MAX_ID),
    user_agent: optionalText(MAX_FREE_TEXT),
    ticket_id: optionalText(MAX_ID),
  },
  anyOf: [{ required: ['record_ids'] }, { required: ['record_count'] }],
} as const;


/**
 * A message that passed the schema: its known fields (unknown keys may still
 * be present on the object, and are never read). The root `anyOf`
 * (record_ids or record_count) is left to the validator: as a type it would
 * only split the union.
 */
export type EventV1 = FromSchema<Omit<typeof EVENT_V1_JSON_SCHEMA, 'anyOf'> & { readonly additionalProperties: false }>;
