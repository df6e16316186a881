/**
 * Enrich step: AccessEvent → EnrichedEvent. Pure lookups in preloaded tables,
 * one step per enrichment source (sources/index.ts), in the list's order:
 * who the actor is, which network zone, the actor's local hour and business
 * hours, the sensitivity classes of the fields. An actor missing from the
 * directory is enriched as role `unknown`, never dropped.
 */
import type { EnrichedEvent } from '../../model/enriched.js';
import type { AccessEvent } from '../../model/event.js';
import type { EnrichStep } from './source.js';
import { ENRICHMENT_SOURCES } from './sources/index.js';
import type { EnrichmentTables } from './tables.js';
import { keepOptionalFields, type OptionalFieldMinimiser } from '../../privacy/minimise.js';

export type Enricher = (event: AccessEvent) => EnrichedEvent;

/** The access event's own fields, in the model's order; `kept` ones as minimised. */
const EVENT_FIELDS = [
  'event_id', 'ts', 'actor_id', 'action', 'resource_type', 'record_refs', 'record_count', 'fields', 'outcome', 'channel',
  'source_ip', 'session_id', 'user_agent', 'ticket_id',
] as const satisfies readonly (keyof AccessEvent)[];
const KEPT: ReadonlySet<string> = new Set(['source_ip', 'session_id', 'user_agent']);

/** The access event's fields then every attribute, in order: the key order of an enriched (and a restored) event. */
export const ENRICHED_KEYS: readonly string[] = [...EVENT_FIELDS, ...ENRICHMENT_SOURCES.map((s) => s.attribute)];

type Build = (event: AccessEvent, kept: AccessEvent, steps: readonly EnrichStep<never>[]) => EnrichedEvent;

/**
 * One object literal of a fixed shape (the event's fields, then each
 * attribute as a placeholder), then each step's named store: V8 builds a
 * fixed literal many times faster than a spread or keyed stores, and this
 * runs for every event. Generated (new Function) from checked identifiers,
 * as the row writer is (outputs/clickhouse/columns/column-table.ts).
 */
const build: Build = (() => {
  const identifier = /^[a-z_][a-z0-9_]*$/;
  // invariant: attribute names are code (sources/), checked before they become generated code.
  for (const k of ENRICHED_KEYS) if (!identifier.test(k)) throw new Error(`enriched event key ${k} is not an identifier`);
  const fields = EVENT_FIELDS.map((f) => `${f}: ${KEPT.has(f) ? 'kept' : 'e'}.${f}`);
  const placeholders = ENRICHMENT_SOURCES.map((s) => `${s.attribute}: undefined`);
  const stores = ENRICHMENT_SOURCES.map((s, i) => `o.${s.attribute} = steps[${i}](e, o);`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('e', 'kept', 'steps', `const o = {\n${[...fields, ...placeholders].join(',\n')}\n};\n${stores.join('\n')}\nreturn o;`) as Build;
})();

/**
 * A blank enriched event (every key undefined), from a literal of the same
 * keys in the same order as the one `build` makes, hence of the same hidden
 * class: what a stored row is read back into (outputs/clickhouse/columns/access-events.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
export const blankEnrichedEvent = new Function(`return {\n${ENRICHED_KEYS.map((k) => `${k}: undefined`).join(',\n')}\n};`) as () => Record<string, unknown>;

/**
 * `minimise` coarsens source_ip, user_agent and session_id (src/privacy/minimise.ts)
 * after the zone is resolved from the full address; the monitor passes the
 * configured policy, tools that judge wire values as given keep them.
 */
export function createEnricher(tables: EnrichmentTables, minimise: OptionalFieldMinimiser = keepOptionalFields): Enricher {
  const context = { defaultTimezone: tables.defaultTimezone };
  const steps = ENRICHMENT_SOURCES.map((s) => (s.step as (table: unknown, ctx: typeof context) => EnrichStep<never>)(tables[s.name], context));
  return (event) => build(event, minimise(event) as AccessEvent, steps);
}
