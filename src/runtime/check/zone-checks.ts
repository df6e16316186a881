/**
 * Network zones beyond their schema: a range that can never match (it lies
 * inside a range of an earlier zone, which wins), the shipped example ranges
 * still in place, and zones the rules name that the file does not define.
 */
import ipaddr from 'ipaddr.js';
import type { NetworkZones } from '../enrich/network-zones.js';
import { UNKNOWN_ZONE } from '../enrich/network-zones.js';
import type { RuleSet } from '../engine/index.js';
import { yamlWithLines } from '../../util/yaml-validate.js';
import { error, warning, type CheckFinding } from './findings.js';
import { comparisonsWithUndefined, type RuleFileIndex } from './rule-files.js';

interface LocatedRange {
  readonly zone: string;
  readonly cidr: string;
  readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  readonly line: number | null;
}

/** The ranges of a zones file (already valid), in file order, with their lines. */
export function zoneRanges(text: string): LocatedRange[] {
  const { value, lineOf } = yamlWithLines(text);
  const zones = (value as { zones?: { name: string; cidrs: string[] }[] } | null)?.zones ?? [];
  return zones.flatMap((z, n) =>
    z.cidrs.map((cidr, k) => ({ zone: z.name, cidr, range: ipaddr.parseCIDR(cidr), line: lineOf(['zones', n, 'cidrs', k]) })),
  );
}

const inside = (inner: LocatedRange['range'], outer: LocatedRange['range']): boolean =>
  inner[0].kind() === outer[0].kind() && inner[1] >= outer[1] && inner[0].match(outer);

/** The network a range denotes, so 10.20.0.1/16 and 10.20.0.0/16 compare equal. */
function network(cidr: string): string {
  const [addr, prefix] = ipaddr.parseCIDR(cidr);
  const base = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${base.toString()}/${prefix}`;
}

export function checkZoneRanges(file: string, ranges: readonly LocatedRange[]): CheckFinding[] {
  const out: CheckFinding[] = [];
  ranges.forEach((later, j) => {
    for (let i = 0; i < j; i++) {
      const earlier = ranges[i] as LocatedRange;
      if (!inside(later.range, earlier.range)) continue;
      if (earlier.zone === later.zone) {
        out.push(warning({ file, line: later.line, reason: `${later.cidr} lies inside ${earlier.cidr} of the same zone ${later.zone}: redundant` }));
      } else {
        out.push(
          error({
            file,
            line: later.line,
            reason:
              `${later.cidr} (zone ${later.zone}) never matches: it lies inside ${earlier.cidr} of zone ${earlier.zone}, which comes first ` +
              `(an address belongs to the first zone containing it; list the narrower range first)`,
          }),
        );
      }
      break;
    }
  });
  return out;
}

/** Ranges identical to the shipped example's: left from the example, they class real addresses into example zones. */
export function checkExampleRanges(file: string, ranges: readonly LocatedRange[], exampleRanges: readonly LocatedRange[]): CheckFinding[] {
  const examples = new Map(exampleRanges.map((r) => [network(r.cidr), r]));
  return ranges.flatMap((r) => {
    const ex = examples.get(network(r.cidr));
    if (ex === undefined) return [];
    return [warning({ file, line: r.line, reason: `${r.cidr} (zone ${r.zone}) is the shipped example range of zone ${ex.zone}: replace the example ranges with your own networks` })];
  });
}

/** Zones the role table and the rules' predicates name must be defined (or be `unknown`). */
export function checkZoneReferences(zones: NetworkZones, zonesFile: string, ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  const defined = new Set([...zones.names, UNKNOWN_ZONE]);
  const names = `defined in ${zonesFile}: ${zones.names.join(', ') || 'none'}`;
  const out: CheckFinding[] = [];
  for (const role of ruleSet.roles.values()) {
    const missing = [...(role.zones ?? [])].filter((z) => !defined.has(z));
    if (missing.length === 0) continue;
    const at = index.roleAt(role.name) ?? { file: '(rules)', line: null };
    out.push(error({ ...at, reason: `role ${role.name} allows zone(s) ${missing.join(', ')}, which no zone defines (${names}): its actors' accesses would all break the zone check` }));
  }
  for (const field of ['network.zone', 'actor.allowed_zones']) {
    for (const p of comparisonsWithUndefined(index, ruleSet, field, (z) => defined.has(z))) {
      out.push(error({ file: p.file, line: p.line, reason: `compares ${field} with ${p.missing.join(', ')}, which no zone defines (${names})` }));
    }
  }
  return out;
}
