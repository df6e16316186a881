/**
 * Rule test cases through the real decode and enrich: each case event is
 * serialised as a Kafka message value would be, decoded (validation and
 * pseudonyms), and enriched with the shipped zones, field classes and the
 * case's business hours, the directory being the actors the case declares.
 * Only the test-only `zone` of an event overrides what source_ip resolves to.
 *
 * Used by `custos rules test` and by the unit test that runs every shipped case.
 */
import { createDecoder } from '../../runtime/decode/decoder.js';
import type { CaseActor, CaseContext, CaseEvent, ToEnriched } from '../../runtime/engine/index.js';
import { createEnricher, type Enricher } from '../../runtime/enrich/enricher.js';
import { loadStaticEnrichmentTables, type EnrichmentTables, type StaticEnrichmentFiles } from '../../runtime/enrich/tables.js';
import type { ActorProfile } from '../../model/enriched.js';

/** Not a secret: pseudonyms in rule tests only need to be consistent within a run. */
const TEST_PSEUDONYM_KEY = 'custos-rule-tests-pseudonym-key-0123456789';

export function createRealCaseEnricher(files: StaticEnrichmentFiles): ToEnriched {
  const tables = loadStaticEnrichmentTables(files);
  const decode = createDecoder({ pseudonymKey: TEST_PSEUDONYM_KEY, maxMessageBytes: 64 * 1024 * 1024 });
  // One enricher per case (its actors and business hours), built on first use.
  const enrichers = new WeakMap<ReadonlyMap<string, CaseActor>, Enricher>();

  return (event: CaseEvent, actors: ReadonlyMap<string, CaseActor>, ctx: CaseContext) => {
    let enrich = enrichers.get(actors);
    if (enrich === undefined) {
      enrich = createEnricher(caseTables(tables, actors, ctx));
      enrichers.set(actors, enrich);
    }
    const { zone, ...wire } = event;
    const decoded = decode(Buffer.from(JSON.stringify(wire), 'utf8'));
    if (!decoded.ok) {
      throw new Error(`test event ${event.event_id} is not a valid v1 event: ${decoded.rejection.reason} (${decoded.rejection.detail})`);
    }
    const enriched = enrich(decoded.event);
    return zone === undefined ? enriched : { ...enriched, network: { zone } };
  };
}

function caseTables(base: EnrichmentTables, actors: ReadonlyMap<string, CaseActor>, ctx: CaseContext): EnrichmentTables {
  const directory = new Map<string, ActorProfile>();
  for (const [actorId, a] of actors) {
    // `known: false` declares an actor the directory does not list.
    if (!a.known) continue;
    directory.set(actorId, {
      actor_id: actorId,
      known: true,
      role: a.role,
      department: a.department,
      employment_status: a.employment_status,
      kind: a.kind,
      timezone: a.timezone,
      allowed_zones: a.allowed_zones,
    });
  }
  const bh = ctx.businessHours;
  return {
    ...base,
    directory,
    businessHours: { weekdays: new Set(bh.weekdays), startMinute: bh.start * 60, endMinute: bh.end * 60 },
  };
}
