/**
 * Decode step: Kafka message bytes → a validated, pseudonymised AccessEvent, or
 * a Rejection with a stable reason. Never throws for bad input: a throwing batch
 * handler makes kafkajs retry the same offset forever and blocks the partition.
 */
import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import type { AccessEvent } from '../model/event.js';
import type { Rejection, RejectReason } from '../model/rejection.js';
import { createPseudonymizer } from '../privacy/pseudonym.js';
import { eventV1Schema, type EventV1 } from './contract-v1.js';

export interface DecoderOptions {
  /** HMAC key for record-id pseudonyms (>= 32 bytes). */
  readonly pseudonymKey: string | Buffer;
  /** Messages larger than this are refused with `too_large`. */
  readonly maxMessageBytes: number;
}

export type DecodeResult =
  | { readonly ok: true; readonly event: AccessEvent }
  | { readonly ok: false; readonly rejection: Rejection };

export type Decoder = (value: Buffer | null) => DecodeResult;

export function createDecoder(options: DecoderOptions): Decoder {
  const pseudonymize = createPseudonymizer(options.pseudonymKey);
  const maxBytes = options.maxMessageBytes;

  return (value) => {
    if (value === null || value.length === 0) {
      return reject('empty', 'message has no value');
    }
    if (value.length > maxBytes) {
      return reject('too_large', `message is ${value.length} bytes, over the limit of ${maxBytes}`);
    }
    if (!isUtf8(value)) {
      return reject('not_utf8', 'message value is not valid UTF-8');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.toString('utf8'));
    } catch {
      return reject('malformed_json', 'message value is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return reject('not_an_object', 'message value is JSON but not an object');
    }
    const ids = identityOf(parsed as Record<string, unknown>);
    const result = eventV1Schema.safeParse(parsed);
    if (!result.success) {
      const { reason, detail } = describeIssue(result.error.issues[0], parsed as Record<string, unknown>);
      return reject(reason, detail, ids);
    }
    const raw = result.data;
    if (raw.record_ids === undefined && raw.record_count === undefined) {
      return reject('missing_field', 'record_count is required when record_ids is absent', ids);
    }
    return { ok: true, event: toAccessEvent(raw, pseudonymize) };
  };
}

function toAccessEvent(raw: EventV1, pseudonymize: (id: string) => string): AccessEvent {
  let refs: string[] = [];
  if (raw.record_ids !== undefined && raw.record_ids.length > 0) {
    const distinct = new Set<string>();
    for (const recordId of raw.record_ids) distinct.add(pseudonymize(recordId));
    refs = [...distinct];
  }
  return {
    event_id: raw.event_id,
    ts: typeof raw.ts === 'number' ? raw.ts : Date.parse(raw.ts),
    actor_id: raw.actor_id,
    action: raw.action,
    resource_type: raw.resource_type,
    record_refs: refs,
    // A count below the listed ids is a producer inconsistency; detection errs
    // on the side of the larger number rather than refusing the event.
    record_count: Math.max(raw.record_count ?? 0, refs.length),
    fields: raw.fields ?? [],
    outcome: raw.outcome ?? 'success',
    channel: raw.channel ?? null,
    source_ip: raw.source_ip ?? null,
    session_id: raw.session_id ?? null,
    user_agent: raw.user_agent ?? null,
    ticket_id: raw.ticket_id ?? null,
  };
}

function identityOf(obj: Record<string, unknown>): { event_id: string | null; actor_id: string | null } {
  const eventId = obj.event_id;
  const actorId = obj.actor_id;
  return {
    event_id: typeof eventId === 'string' && eventId.length <= 256 ? eventId : null,
    actor_id: typeof actorId === 'string' && actorId.length <= 256 ? actorId : null,
  };
}

function reject(
  reason: RejectReason,
  detail: string,
  ids: { event_id: string | null; actor_id: string | null } = { event_id: null, actor_id: null },
): DecodeResult {
  return { ok: false, rejection: { reason, detail, ...ids } };
}

/**
 * Maps the first zod issue to a stable reason and a detail that names the field
 * but never echoes its value (values may be customer ids).
 */
function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  parsed: Record<string, unknown>,
): { reason: RejectReason; detail: string } {
  if (issue === undefined) return { reason: 'invalid_value', detail: 'event does not match contract v1' };
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  const top = String(issue.path[0] ?? '');
  if (top !== '' && !(top in parsed)) {
    return { reason: 'missing_field', detail: `${field} is required` };
  }
  if (top === 'ts') {
    return {
      reason: 'invalid_timestamp',
      detail: 'ts must be an RFC 3339 timestamp with offset or integer epoch milliseconds',
    };
  }
  switch (issue.code) {
    case 'invalid_type':
      return { reason: 'wrong_type', detail: `${field} must be ${issue.expected}` };
    case 'invalid_value':
      return {
        reason: 'invalid_value',
        detail: `${field} must be one of ${issue.values.map((v) => String(v)).join(', ')}`,
      };
    case 'too_small':
      return { reason: 'invalid_value', detail: `${field} is below the minimum of ${String(issue.minimum)}` };
    case 'too_big':
      return { reason: 'invalid_value', detail: `${field} is above the maximum of ${String(issue.maximum)}` };
    default:
      return { reason: 'invalid_value', detail: `${field}: ${issue.message}` };
  }
}
