/**
 * Wire contract v1 as the simulator emits it: one JSON object per event,
 * checked against the contract's own definition (src/model/contract-v1.ts)
 * and validator.
 */
import { EVENT_V1_JSON_SCHEMA, type EventV1 } from '../../model/contract-v1.js';
import { validateEventV1 } from '../../runtime/decode/contract-v1.js';

export const WIRE_ACTIONS = ['read', 'search', 'export', 'update', 'delete'] as const;
export const WIRE_OUTCOMES = ['success', 'denied', 'error'] as const;
export const WIRE_RESOURCE_TYPES = ['customer', 'order', 'payment_method', 'address'] as const;
export const WIRE_CHANNELS = ['web', 'api', 'sql', 'batch', 'support_console'] as const;

export type WireAction = (typeof WIRE_ACTIONS)[number];
export type WireOutcome = (typeof WIRE_OUTCOMES)[number];
export type WireResourceType = (typeof WIRE_RESOURCE_TYPES)[number];
export type WireChannel = (typeof WIRE_CHANNELS)[number];

/**
 * One event as the simulator serialises it: a contract v1 event
 * (src/model/contract-v1.ts, the one definition) with the simulator's narrower
 * vocabulary, and `fields` and `outcome` always present.
 */
export type WireEvent = Omit<EventV1, 'action' | 'resource_type' | 'fields' | 'outcome' | 'channel' | 'record_ids' | 'source_ip' | 'session_id' | 'user_agent' | 'ticket_id'> & {
  action: WireAction;
  source_ip?: string;
  session_id?: string;
  user_agent?: string;
  ticket_id?: string;
  resource_type: WireResourceType;
  record_ids?: string[];
  fields: string[];
  outcome: WireOutcome;
  channel?: WireChannel;
};

const KNOWN_KEYS = new Set(Object.keys(EVENT_V1_JSON_SCHEMA.properties));
const RECORD_ID = /^c-\d{6}$/;

/**
 * The contract's own validator (the decoder's) plus what the simulator
 * promises beyond it: only contract keys, its record-id format, and a count
 * never below the listed ids.
 */
export function validateWireEvent(value: unknown): { ok: true } | { ok: false; error: string } {
  if (!validateEventV1(value)) return { ok: false, error: `contract v1: ${JSON.stringify(validateEventV1.errors?.[0] ?? {})}` };
  const e = value as WireEvent;
  const unknown = Object.keys(e).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) return { ok: false, error: `keys outside contract v1: ${unknown.join(', ')}` };
  if (e.record_ids?.some((r) => !RECORD_ID.test(r))) return { ok: false, error: 'record ids must be c-NNNNNN' };
  if (e.record_ids !== undefined && e.record_count !== undefined && e.record_count < e.record_ids.length) return { ok: false, error: 'record_count below the number of listed record_ids' };
  if (e.fields === undefined || e.outcome === undefined) return { ok: false, error: 'the simulator always writes fields and outcome' };
  return { ok: true };
}

/** Event time of a wire event in epoch ms. */
export function wireTs(e: Pick<WireEvent, 'ts'>): number {
  return typeof e.ts === 'number' ? e.ts : Date.parse(e.ts);
}

/** Records the event claims to have touched: max(record_count, listed ids). */
export function wireRecordCount(e: Pick<WireEvent, 'record_ids' | 'record_count'>): number {
  return Math.max(e.record_count ?? 0, e.record_ids?.length ?? 0);
}
