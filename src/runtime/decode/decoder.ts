/**
 * Decode step: Kafka message bytes → a validated, pseudonymised AccessEvent, or
 * a Rejection with a stable reason. Never throws for bad input: a throwing batch
 * handler makes kafkajs retry the same offset forever and blocks the partition.
 */
import { isUtf8 } from 'node:buffer';
import type { AccessEvent } from '../../model/event.js';
import type { Rejection, RejectReason } from '../../model/rejection.js';
import { createBatchPseudonymizer, createPayloadDigest } from '../../privacy/pseudonym.js';
import { MAX_EPOCH_MS, MIN_EPOCH_MS, validateEventV1, type ErrorObject, type EventV1 } from './contract-v1.js';
import { surelyEventV1 } from './contract-v1-fast.js';

export interface DecoderOptions {
  /** HMAC key for record-id pseudonyms (>= 32 bytes). */
  readonly pseudonymKey: string | Buffer;
  /** The key's id, stored with each pseudonym (`<hex>@<id>`); absent or '': the unnamed key (privacy/pseudonym.ts). */
  readonly pseudonymKeyId?: string;
  /** Messages larger than this are refused with `too_large`. */
  readonly maxMessageBytes: number;
  /**
   * Wall clock and allowed skew: an event dated more than `maxFutureSkewMs`
   * after now is refused as invalid_timestamp (one far-future event would
   * otherwise push its actor's event time ahead of every real event). Absent
   * for backtests and rule tests, where "now" means nothing.
   */
  readonly future?: { readonly now: () => number; readonly maxFutureSkewMs: () => number };
}

export type DecodeResult =
  | { readonly ok: true; readonly event: AccessEvent }
  | { readonly ok: false; readonly rejection: Rejection };

/** A batch's messages decoded in order, up to the first accepted event dated after the bound. */
export interface DecodedBatch {
  /** One per message taken, in order (the messages from `heldFrom`'s on are not). */
  readonly results: DecodeResult[];
  /** Event time of the first accepted message beyond the bound (it and the rest not taken); null: none was. */
  readonly heldFrom: number | null;
}

export interface Decoder {
  /** One message (tools, tests): a batch of one. */
  (value: Buffer | null): DecodeResult;
  /**
   * The messages of a batch: checked one by one (stopping before the first accepted event
   * dated after `bound`), then every record id of the accepted ones pseudonymised in one
   * call (WebAssembly where available: privacy/hmac-sha256-batch.ts), then the events made.
   * The same results as decoding each message alone.
   */
  readonly batch: (values: readonly (Buffer | null)[], bound?: number) => DecodedBatch;
  /** A refused message's keyed digest (rejected_events.payload_sha256: privacy/pseudonym.ts createPayloadDigest). */
  readonly payloadDigest: (value: Buffer | null) => string;
}

/**
 * The message checks of decode, without pseudonymising: what the monitor
 * accepts, as a parsed contract-v1 object and its instant, or the rejection
 * the monitor would dead-letter. One function for the monitor's decoder and
 * for `custos produce`, which validates a file line by line before sending it.
 */
export type MessageCheck =
  | { readonly ok: true; readonly event: EventV1; readonly ts: number }
  | { readonly ok: false; readonly rejection: Rejection };

export type MessageCheckOptions = Pick<DecoderOptions, 'maxMessageBytes' | 'future'>;

export function checkMessage(value: Buffer | null, options: MessageCheckOptions): MessageCheck {
  if (value === null || value.length === 0) {
    return reject('empty', 'message has no value');
  }
  if (value.length > options.maxMessageBytes) {
    return reject('too_large', `message is ${value.length} bytes, over the limit of ${options.maxMessageBytes}`);
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
  // The usual message passes the quick check; anything else is Ajv's to decide and to name.
  if (!surelyEventV1(parsed) && !validateEventV1(parsed)) {
    const { reason, detail } = describeErrors(validateEventV1.errors ?? []);
    return reject(reason, detail, identityOf(parsed as Record<string, unknown>));
  }
  const ts = typeof parsed.ts === 'number' ? parsed.ts : Date.parse(parsed.ts);
  if (!(ts >= MIN_EPOCH_MS && ts <= MAX_EPOCH_MS)) {
    return reject('invalid_timestamp', TS_RULE, identityOf(parsed as unknown as Record<string, unknown>));
  }
  const future = options.future;
  if (future !== undefined) {
    const skew = future.maxFutureSkewMs();
    if (ts > future.now() + skew) {
      return reject('invalid_timestamp', `ts is more than ${skew} ms ahead of this host's clock`, identityOf(parsed as unknown as Record<string, unknown>));
    }
  }
  return { ok: true, event: parsed, ts };
}

export function createDecoder(options: DecoderOptions): Decoder {
  const pseudonymizeAll = createBatchPseudonymizer(options.pseudonymKey, options.pseudonymKeyId ?? '');
  const checks: MessageCheckOptions = { maxMessageBytes: options.maxMessageBytes, ...(options.future !== undefined && { future: options.future }) };
  /** Record ids per pending event (reused: decode never re-enters). */
  const idCounts: number[] = [];
  const batch = (values: readonly (Buffer | null)[], bound = Number.POSITIVE_INFINITY): DecodedBatch => {
    const results: DecodeResult[] = [];
    // Reset first: a call that threw (in the hasher) must not leave its counts to this one.
    idCounts.length = 0;
    // Each event is made at once, its refs filled in after the batch's one HMAC call: so the
    // parsed message dies here, as it did when each message was decoded alone, instead of
    // living until the batch ends (the young generation would copy 6,000 of them).
    const pending: Mutable<AccessEvent>[] = [];
    const ids: string[] = [];
    let heldFrom: number | null = null;
    for (const value of values) {
      const check = checkMessage(value, checks);
      if (!check.ok) {
        results.push(check);
        continue;
      }
      if (check.ts > bound) {
        heldFrom = check.ts;
        break;
      }
      const event = toAccessEvent(check.event, check.ts);
      const recordIds = check.event.record_ids;
      if (recordIds !== undefined && recordIds.length > 0) {
        for (let i = 0; i < recordIds.length; i++) ids.push(recordIds[i]!);
        pending.push(event);
        idCounts.push(recordIds.length);
      }
      results.push({ ok: true, event });
    }
    if (ids.length > 0) {
      const pseudonyms = new Array<string>(ids.length);
      pseudonymizeAll(ids, pseudonyms);
      for (let i = 0, from = 0; i < pending.length; i++) {
        const count = idCounts[i]!;
        setRefs(pending[i]!, pseudonyms, from, count);
        from += count;
      }
    }
    return { results, heldFrom };
  };
  const one = (value: Buffer | null): DecodeResult => batch([value]).results[0]!;
  return Object.assign(one, { batch, payloadDigest: createPayloadDigest(options.pseudonymKey) });
}

const TS_RULE = 'ts must be an RFC 3339 timestamp with offset or integer epoch milliseconds, from the year 2000 on';

/** Up to this many record ids, duplicates are found by a scan of the refs so far. */
const SMALL_REFS = 16;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NO_REFS: readonly string[] = [];

/**
 * Copies the known fields only: unknown keys never go past decode (data minimisation).
 * Its record refs are set by setRefs once the batch's ids are hashed.
 */
function toAccessEvent(raw: EventV1, ts: number): Mutable<AccessEvent> {
  return {
    event_id: raw.event_id,
    ts,
    actor_id: raw.actor_id,
    action: raw.action,
    resource_type: raw.resource_type,
    record_refs: NO_REFS,
    record_count: raw.record_count ?? 0,
    fields: raw.fields ?? [],
    outcome: raw.outcome ?? 'success',
    channel: raw.channel ?? null,
    source_ip: raw.source_ip ?? null,
    session_id: raw.session_id ?? null,
    user_agent: raw.user_agent ?? null,
    ticket_id: raw.ticket_id ?? null,
  };
}

/** The event's record ids' pseudonyms are `pseudonyms[from .. from + count)`, in the ids' order. */
function setRefs(event: Mutable<AccessEvent>, pseudonyms: readonly string[], from: number, count: number): void {
  let refs: string[];
  // Distinct pseudonyms in order of first appearance. Most events list a few distinct ids: a
  // scan for a repeat costs less than a Set, and then the refs are one slice of exactly their
  // size (an array grown by push from [] reserves 17 slots at its first push, 150 bytes per event).
  if (count <= SMALL_REFS) {
    if (firstRepeat(pseudonyms, from, count) < 0) refs = pseudonyms.slice(from, from + count);
    else {
      refs = [];
      for (let i = 0; i < count; i++) {
        const ref = pseudonyms[from + i]!;
        if (!refs.includes(ref)) refs.push(ref);
      }
    }
  } else {
    const distinct = new Set<string>();
    for (let i = 0; i < count; i++) distinct.add(pseudonyms[from + i]!);
    refs = [...distinct];
  }
  event.record_refs = refs;
  // A count below the listed ids is a producer inconsistency; detection errs
  // on the side of the larger number rather than refusing the event.
  event.record_count = Math.max(event.record_count, refs.length);
}

/** Index (from `from`) of the first of `values[from .. from + count)` equal to one before it; -1: all distinct. */
function firstRepeat(values: readonly string[], from: number, count: number): number {
  for (let i = 1; i < count; i++) {
    const v = values[from + i];
    for (let j = 0; j < i; j++) if (values[from + j] === v) return i;
  }
  return -1;
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
): { readonly ok: false; readonly rejection: Rejection } {
  return { ok: false, rejection: { reason, detail, ...ids } };
}

/**
 * Maps Ajv's errors (it stops at the first failing keyword) to a stable reason
 * and a detail that names the field but never echoes its value (values may be
 * customer ids).
 */
function describeErrors(errors: readonly ErrorObject[]): { reason: RejectReason; detail: string } {
  const first = errors[0];
  if (first === undefined) return { reason: 'invalid_value', detail: 'event does not match contract v1' };
  if (errors.some((e) => e.instancePath === '/ts' || e.instancePath.startsWith('/ts/'))) {
    return { reason: 'invalid_timestamp', detail: TS_RULE };
  }
  const field = first.instancePath === '' ? '(root)' : first.instancePath.slice(1).replace(/\//g, '.');
  switch (first.keyword) {
    case 'required':
      return { reason: 'missing_field', detail: `${String(first.params.missingProperty)} is required` };
    case 'anyOf':
      // The only root-level anyOf: one of record_ids / record_count.
      return { reason: 'missing_field', detail: 'record_count is required when record_ids is absent' };
    case 'type':
      return { reason: 'wrong_type', detail: `${field} must be ${String(first.params.type).replace(',', ' or ')}` };
    case 'enum':
      return { reason: 'invalid_value', detail: `${field} must be one of ${(first.params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { reason: 'invalid_value', detail: `${field} ${first.message ?? 'is invalid'}` };
  }
}
