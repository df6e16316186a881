/**
 * Event contract v1 as a zod schema: the single definition of what a valid
 * message is. Unknown keys are stripped (data minimisation: they are never stored).
 * See README "Event contract v1".
 */
import { z } from 'zod';
import { ACTIONS, OUTCOMES } from '../model/event.js';

// Bounds protect storage and memory from absurd producers; the 1 MiB message
// limit bounds the total, these bound single values.
const MAX_ID = 256;
const MAX_LABEL = 64;
const MAX_FREE_TEXT = 1024;
const MAX_FIELDS = 256;
/**
 * ClickHouse DateTime is unsigned 32-bit seconds: 1970-01-01 to 2106-02-07.
 * A timestamp outside it could not be stored, and would block the partition
 * at the sink; it is refused here as invalid_timestamp instead.
 */
export const MAX_EPOCH_MS = 4_294_967_295_000;

const id = z.string().min(1).max(MAX_ID);
const label = z.string().min(1).max(MAX_LABEL);
const optionalText = (max: number) => z.string().max(max).nullish();

export const rfc3339WithOffset = z.iso.datetime({ offset: true, local: false });

export const eventV1Schema = z
  .object({
    event_id: id,
    ts: z
      .union([rfc3339WithOffset, z.number().int()])
      .refine((v) => {
        const ms = typeof v === 'number' ? v : Date.parse(v);
        return ms >= 0 && ms <= MAX_EPOCH_MS;
      }),
    actor_id: id,
    action: z.enum(ACTIONS),
    resource_type: label,
    record_ids: z.array(z.string().min(1).max(MAX_ID)).optional(),
    record_count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    fields: z.array(label).max(MAX_FIELDS).optional(),
    outcome: z.enum(OUTCOMES).optional(),
    channel: label.nullish(),
    source_ip: optionalText(64),
    session_id: optionalText(MAX_ID),
    user_agent: optionalText(MAX_FREE_TEXT),
    ticket_id: optionalText(MAX_ID),
  })
  .strip();

export type EventV1 = z.infer<typeof eventV1Schema>;
