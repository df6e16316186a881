/**
 * Wire contract v1 as the simulator emits it: one JSON object per event. The
 * zod schema below is the simulator's own reading of the contract, used by its
 * tests and by `validateWireEvent`; the production decoder lives in src/runtime/decode/.
 */
import { z } from 'zod';

export const WIRE_ACTIONS = ['read', 'search', 'export', 'update', 'delete'] as const;
export const WIRE_OUTCOMES = ['success', 'denied', 'error'] as const;
export const WIRE_RESOURCE_TYPES = ['customer', 'order', 'payment_method', 'address'] as const;
export const WIRE_CHANNELS = ['web', 'api', 'sql', 'batch', 'support_console'] as const;

export type WireAction = (typeof WIRE_ACTIONS)[number];
export type WireOutcome = (typeof WIRE_OUTCOMES)[number];
export type WireResourceType = (typeof WIRE_RESOURCE_TYPES)[number];
export type WireChannel = (typeof WIRE_CHANNELS)[number];

/** One event as serialised onto the topic (optional fields are omitted when absent). */
export interface WireEvent {
  event_id: string;
  /** RFC 3339 with offset, or epoch milliseconds. */
  ts: string | number;
  actor_id: string;
  action: WireAction;
  resource_type: WireResourceType;
  record_ids?: string[];
  record_count?: number;
  fields: string[];
  outcome: WireOutcome;
  channel?: WireChannel;
  source_ip?: string;
  session_id?: string;
  user_agent?: string;
  ticket_id?: string;
}

/** RFC 3339 date-time with a mandatory offset (`Z` or `±hh:mm`). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export const wireEventSchema = z
  .object({
    event_id: z.string().min(1),
    ts: z.union([
      z.string().regex(RFC3339).refine((s) => Number.isFinite(Date.parse(s)), 'unparsable timestamp'),
      z.number().int().nonnegative(),
    ]),
    actor_id: z.string().min(1),
    action: z.enum(WIRE_ACTIONS),
    resource_type: z.enum(WIRE_RESOURCE_TYPES),
    record_ids: z.array(z.string().regex(/^c-\d{6}$/)).optional(),
    record_count: z.number().int().nonnegative().optional(),
    fields: z.array(z.string().min(1)),
    outcome: z.enum(WIRE_OUTCOMES),
    channel: z.enum(WIRE_CHANNELS).optional(),
    source_ip: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/).optional(),
    session_id: z.string().min(1).optional(),
    user_agent: z.string().min(1).optional(),
    ticket_id: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.record_ids === undefined && e.record_count === undefined) {
      ctx.addIssue({ code: 'custom', message: 'record_count is required when record_ids is absent' });
    }
    if (e.record_ids !== undefined && e.record_count !== undefined && e.record_count < e.record_ids.length) {
      ctx.addIssue({ code: 'custom', message: 'record_count below the number of listed record_ids' });
    }
  });

export function validateWireEvent(value: unknown): { ok: true } | { ok: false; error: string } {
  const r = wireEventSchema.safeParse(value);
  return r.success ? { ok: true } : { ok: false, error: r.error.message };
}

/** Event time of a wire event in epoch ms. */
export function wireTs(e: Pick<WireEvent, 'ts'>): number {
  return typeof e.ts === 'number' ? e.ts : Date.parse(e.ts);
}

/** Records the event claims to have touched: max(record_count, listed ids). */
export function wireRecordCount(e: Pick<WireEvent, 'record_ids' | 'record_count'>): number {
  return Math.max(e.record_count ?? 0, e.record_ids?.length ?? 0);
}
