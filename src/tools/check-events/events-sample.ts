/**
 * `custos check --events FILE`: a sample of real events through the real
 * decode and enrich (the replay's wire reader, as the backtest reads a file)
 * and every policy rule judged per event (the replay's policy judge), to show
 * what the configuration would do with them before it floods anyone: actors
 * not in the directory, addresses in zone `unknown`, fields the fields file
 * does not list, and the share of events each policy rule would flag. Nothing
 * stateful runs (no windows, no alerts): rate rules are for the backtest.
 *
 * What it prints never holds a customer identifier: record ids are
 * pseudonymised by decode and never read here; actor ids, field names and
 * the /24 (IPv4) or /48 (IPv6) networks of employees' addresses are what a
 * configuration needs to be fixed.
 */
import ipaddr from 'ipaddr.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { RuleSet } from '../../runtime/engine/index.js';
import type { EnrichmentTables } from '../../runtime/enrich/tables.js';
import { UNKNOWN_ZONE } from '../../runtime/enrich/network-zones.js';
import { createPolicyJudge, createWireEventReader, readNdjsonLines, type RejectionTally } from '../replay/index.js';

export interface EventsSampleOptions {
  readonly file: string;
  readonly rules: RuleSet;
  readonly tables: EnrichmentTables;
  readonly pseudonymKey: string;
  readonly maxMessageBytes: number;
  /** Only the first this many non-blank lines (default: all). */
  readonly limit?: number;
}

export interface EventsSample {
  readonly lines: number;
  readonly events: number;
  readonly rejections: RejectionTally;
  /** Actor id → events, for actors the directory does not have. */
  readonly unknownActors: ReadonlyMap<string, number>;
  /** Events whose address is in no zone, by network; events without an address apart. */
  readonly unknownZone: { readonly events: number; readonly withoutAddress: number; readonly networks: ReadonlyMap<string, number> };
  /** Field name → events carrying it, for fields the fields file does not list. */
  readonly unlistedFields: ReadonlyMap<string, number>;
  /** Every policy rule, in rule-set order: events it flags. */
  readonly perRule: readonly { readonly id: string; readonly title: string; readonly events: number }[];
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** The network an address belongs to, coarse enough to name a missing zone range. */
export function networkOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return '(not an address)';
  const a = ipaddr.process(ip);
  if (a.kind() === 'ipv4') return `${a.toByteArray().slice(0, 3).join('.')}.0/24`;
  const parts = (a as ipaddr.IPv6).parts.slice(0, 3).map((p) => p.toString(16));
  return `${parts.join(':')}::/48`;
}

/**
 * Counts what a sample shows, event by event: the part both `--events` (wire
 * lines through decode and enrich) and `--from-clickhouse` (stored events,
 * enriched again with the current files: stored-events.ts) share.
 */
export function sampleTally(rules: RuleSet, tables: EnrichmentTables) {
  const judge = createPolicyJudge(rules);
  const counts = new Map<string, number>(rules.policyRules.map((r) => [r.id, 0]));
  const unknownActors = new Map<string, number>();
  const networks = new Map<string, number>();
  const unlistedFields = new Map<string, number>();
  let unknownZone = 0;
  let withoutAddress = 0;
  let events = 0;
  return {
    /** `network`: where the address of an event in zone unknown is from (networkOf), null when it has none. */
    add(e: EnrichedEvent, network: string | null = e.source_ip === null || e.source_ip === '' ? null : networkOf(e.source_ip)): void {
      events++;
      if (!e.actor.known) bump(unknownActors, e.actor_id);
      if (e.network.zone === UNKNOWN_ZONE) {
        unknownZone++;
        if (network === null) withoutAddress++;
        else bump(networks, network);
      }
      for (const f of new Set(e.fields)) if (!tables.fieldClasses.isListed(f)) bump(unlistedFields, f);
      for (const v of judge(e)) bump(counts, v.rule.id);
    },
    result(lines: number, rejections: RejectionTally): EventsSample {
      return {
        lines,
        events,
        rejections,
        unknownActors,
        unknownZone: { events: unknownZone, withoutAddress, networks },
        unlistedFields,
        perRule: rules.policyRules.map((r) => ({ id: r.id, title: r.title, events: counts.get(r.id) ?? 0 })),
      };
    },
  };
}

export async function sampleEvents(o: EventsSampleOptions): Promise<EventsSample> {
  const reader = createWireEventReader({ pseudonymKey: o.pseudonymKey, tables: o.tables, maxMessageBytes: o.maxMessageBytes });
  const tally = sampleTally(o.rules, o.tables);
  let lines = 0;
  for await (const l of readNdjsonLines(o.file)) {
    if (o.limit !== undefined && lines >= o.limit) break;
    lines++;
    const e = reader.read(l.value, `line ${l.line}`);
    if (e !== null) tally.add(e);
  }
  return tally.result(lines, reader.rejections);
}
