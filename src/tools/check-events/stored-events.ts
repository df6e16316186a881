/**
 * `custos check --from-clickhouse`: a sample of stored events judged by the
 * configuration as it is now. A stored event was enriched and minimised when
 * it arrived, under the files of that day; what the check needs is what
 * today's files make of it, so each one is enriched again: actor (directory),
 * local time and business hours (the actor's time zone, calendar), field
 * classes, and the policy rules judge the result.
 *
 * The network zone needs the address, which the store may not hold in full
 * (CUSTOS_MINIMISE_SOURCE_IP):
 *   - clear (an address): resolved again, exactly;
 *   - truncated (`10.1.2.0/24`, `2001:db8:1::/48`): resolved again when the
 *     whole network lies in one zone; a network a narrower range cuts in two
 *     keeps the zone stored with it (resolved from the full address then);
 *   - pseudonymised, dropped, `invalid`: the stored zone.
 * The report says how many events kept their stored zone.
 *
 * Nothing here reads or prints a customer identifier: record refs are
 * pseudonyms and are never looked at; the optional fields are judged in the
 * stored (minimised) form, as the monitor judges them.
 */
import ipaddr from 'ipaddr.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { RuleSet } from '../../runtime/engine/index.js';
import { createEnricher } from '../../runtime/enrich/enricher.js';
import type { EnrichmentTables } from '../../runtime/enrich/tables.js';
import { RejectionTally } from '../replay/index.js';
import { networkOf, sampleTally, type EventsSample } from './events-sample.js';

export interface StoredZones {
  /** Events whose zone was resolved again from the stored address or network. */
  readonly resolved: number;
  /** Events that kept their stored zone: no address is stored (none arrived, or pseudonymised, dropped, invalid). */
  readonly keptNoAddress: number;
  /** Events that kept their stored zone: the stored network straddles zone ranges. */
  readonly keptStraddling: number;
}

export interface StoredEventsSample extends EventsSample {
  readonly zones: StoredZones;
}

const isNetwork = (v: string) => v.includes('/') && ipaddr.isValidCIDR(v);

/** The stored events (any order) judged by `rules` and `tables`. */
export function sampleStoredEvents(stored: readonly EnrichedEvent[], rules: RuleSet, tables: EnrichmentTables): StoredEventsSample {
  const enrich = createEnricher(tables);
  const tally = sampleTally(rules, tables);
  let resolved = 0;
  let keptNoAddress = 0;
  let keptStraddling = 0;
  for (const s of stored) {
    const again = enrich(s);
    const ip = s.source_ip;
    let zone: string;
    let network: string | null;
    if (ip === null || ip === '') {
      // No address arrived or none was kept (dropped): the zone stored is what the full address (if any) gave.
      zone = s.network.zone;
      network = null;
      keptNoAddress++;
    } else if (ipaddr.isValid(ip)) {
      zone = again.network.zone;
      network = networkOf(ip);
      resolved++;
    } else if (isNetwork(ip)) {
      const z = tables.zones.zoneOfNetwork(ip);
      zone = z ?? s.network.zone;
      network = networkOf(ip.slice(0, ip.indexOf('/')));
      if (z === null) keptStraddling++;
      else resolved++;
    } else {
      // Pseudonymised or `invalid`: the network cannot be named.
      zone = s.network.zone;
      network = null;
      keptNoAddress++;
    }
    tally.add(zone === again.network.zone ? again : { ...again, network: { zone } }, network);
  }
  return { ...tally.result(stored.length, new RejectionTally()), zones: { resolved, keptNoAddress, keptStraddling } };
}
