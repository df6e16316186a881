/**
 * EnrichedEvent <-> `access_events` row, as the rest of the sink calls it.
 * Everything is generated from the one column table in
 * ../columns/access-events.ts (writer, read-back columns, reader).
 */
import type { SourcePosition } from '../../../../model/event.js';
import type { EnrichedEvent } from '../../../../model/enriched.js';
import { ACCESS_EVENTS } from '../columns/access-events.js';

/** One line of JSONEachRow, newline included. `ingestedAt` is epoch seconds (one per batch). */
export function accessEventLine(e: EnrichedEvent, position: SourcePosition, ingestedAt: number): string {
  return ACCESS_EVENTS.jsonLine(e, { position, ingestedAt });
}

/** Columns read back for history; the SELECT list the reader expects. */
export const ACCESS_EVENT_READ_COLUMNS = ACCESS_EVENTS.readColumns;

/** A stored row of the read-back columns, as JSONEachRow parses it. */
export type AccessEventRow = Readonly<Record<string, unknown>>;

/** The stored event as the engine saw it; null when a value is outside the model (written by something else). */
export const accessEventFromRow: (r: AccessEventRow) => EnrichedEvent | null = ACCESS_EVENTS.fromRow;
