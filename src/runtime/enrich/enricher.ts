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

type Build = (event: AccessEvent, kept: AccessEvent, steps: readonly EnrichStep<never>[], prior: Record<string, unknown>) => EnrichedEvent;

/**
 * Each step's value into a local (a step reads the attributes before it from
 * `prior`, one scratch object per enricher), then one object literal of a
 * fixed shape, every value already typed: V8 builds a fixed literal many
 * times faster than a spread or keyed stores, and this runs for every event.
 * Generated (new Function) from checked identifiers, as the row writer is
 * (outputs/clickhouse/columns/column-table.ts).
 */
const build: Build = (() => {
  const identifier = /^[a-z_][a-z0-9_]*$/;
  // invariant: attribute names are code (sources/), checked before they become generated code.
  for (const k of ENRICHED_KEYS) if (!identifier.test(k)) throw new Error(`enriched event key ${k} is not an identifier`);
  const steps = ENRICHMENT_SOURCES.map((s, i) => `const a${i} = steps[${i}](e, prior);\nprior.${s.attribute} = a${i};`);
  const fields = EVENT_FIELDS.map((f) => `${f}: ${KEPT.has(f) ? 'kept' : 'e'}.${f}`);
  const attributes = ENRICHMENT_SOURCES.map((s, i) => `${s.attribute}: a${i}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('e', 'kept', 'steps', 'prior', `${steps.join('\n')}\nreturn {\n${[...fields, ...attributes].join(',\n')}\n};`) as Build;
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
  // The attributes so far, for the steps that read them (the calendar reads the actor's time zone).
  const prior: Record<string, unknown> = Object.fromEntries(ENRICHMENT_SOURCES.map((s) => [s.attribute, undefined]));
  return (event) => build(event, minimise(event) as AccessEvent, steps, prior);
}
