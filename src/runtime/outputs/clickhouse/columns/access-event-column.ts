/**
 * The column type of the `access_events` table (access-events.ts), apart from
 * the table so that the enrichment sources (src/runtime/enrich/sources/)
 * can declare the columns they add without importing the table they feed.
 */
import type { SourcePosition } from '../../../../model/event.js';
import type { EnrichedEvent } from '../../../../model/enriched.js';
import type { Column } from './column-table.js';

export interface AccessEventContext {
  readonly position: SourcePosition;
  /** Epoch seconds, one per batch. */
  readonly ingestedAt: number;
}

/** The event being rebuilt from a stored row (mutable until finished). */
export interface EventDraft {
  [key: string]: unknown;
  actor: Record<string, unknown>;
  network: Record<string, unknown>;
  local_time: Record<string, unknown>;
}

export type AccessEventColumn = Column<EnrichedEvent, AccessEventContext, EventDraft>;

