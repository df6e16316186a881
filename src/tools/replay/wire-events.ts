/**
 * Wire-format input of a replay: raw contract-v1 messages through the real
 * decoder and enricher, exactly as the live pipeline runs them. Refused
 * messages are counted by reason (and a few kept as examples) instead of
 * going to a dead-letter topic.
 */
import { createDecoder } from '../../runtime/decode/decoder.js';
import { createEnricher } from '../../runtime/enrich/enricher.js';
import type { EnrichmentTables } from '../../runtime/enrich/tables.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { RejectReason, Rejection } from '../../model/rejection.js';

/** The live default of CUSTOS_MAX_MESSAGE_BYTES. */
const DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;

export interface WireEventReaderOptions {
  /** HMAC key for record-id pseudonyms (at least 32 characters). */
  readonly pseudonymKey: string;
  readonly tables: EnrichmentTables;
  readonly maxMessageBytes?: number;
  /** Rejections kept as examples (default 5). */
  readonly sampleSize?: number;
}

/** Refused messages: how many, why, and a few examples (reason and detail never echo values). */
export class RejectionTally {
  total = 0;
  readonly byReason = new Map<RejectReason, number>();
  readonly sample: string[] = [];
  constructor(private readonly sampleSize = 5) {}

  add(rejection: Rejection, where: string | undefined): void {
    this.total++;
    this.byReason.set(rejection.reason, (this.byReason.get(rejection.reason) ?? 0) + 1);
    if (this.sample.length < this.sampleSize) {
      this.sample.push(`${where ?? rejection.event_id ?? '(no event id)'}: ${rejection.reason} ${rejection.detail}`);
    }
  }

  /** `{ reason: count }`, reasons in a stable order. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.byReason.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export interface WireEventReader {
  /** The enriched event, or null when decode refused the message (then counted in `rejections`). */
  read(value: Buffer, where?: string): EnrichedEvent | null;
  readonly rejections: RejectionTally;
}

export function createWireEventReader(options: WireEventReaderOptions): WireEventReader {
  const decode = createDecoder({ pseudonymKey: options.pseudonymKey, maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
  const enrich = createEnricher(options.tables);
  const rejections = new RejectionTally(options.sampleSize);
  return {
    rejections,
    read(value, where) {
      const r = decode(value);
      if (!r.ok) {
        rejections.add(r.rejection, where);
        return null;
      }
      return enrich(r.event);
    },
  };
}
