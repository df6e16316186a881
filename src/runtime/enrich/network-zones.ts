/**
 * Network zones: named CIDR lists (rules/enrichment/zones.yaml). A source IP
 * belongs to the first zone, in file order, with a range containing it; an IP in
 * no zone, or a missing/unparseable IP, is zone `unknown`.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export const UNKNOWN_ZONE = 'unknown';
const CACHE_LIMIT = 50_000;

const cidr = z.string().refine((v) => {
  try {
    ipaddr.parseCIDR(v);
    return true;
  } catch {
    return false;
  }
}, 'must be a CIDR range such as 10.0.0.0/8 or fd00::/8');

export const zonesFileSchema = z
  .object({
    zones: z
      .array(
        z
          .object({
            name: z
              .string()
              .regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case')
              .refine((n) => n !== UNKNOWN_ZONE, `"${UNKNOWN_ZONE}" is reserved for addresses in no zone`),
            cidrs: z.array(cidr).min(1),
          })
          .strict(),
      )
      .refine((zones) => new Set(zones.map((z) => z.name)).size === zones.length, 'zone names must be unique'),
  })
  .strict();

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export class NetworkZones {
  private readonly zones: readonly { name: string; ranges: Range[] }[];
  /** source_ip strings repeat heavily (one per office desk); a bounded memo saves the parse. */
  private readonly memo = new Map<string, string>();

  constructor(file: z.infer<typeof zonesFileSchema>) {
    this.zones = file.zones.map((zone) => ({ name: zone.name, ranges: zone.cidrs.map((c) => ipaddr.parseCIDR(c)) }));
  }

  get names(): readonly string[] {
    return this.zones.map((z) => z.name);
  }

  zoneOf(ip: string | null): string {
    if (ip === null || ip === '') return UNKNOWN_ZONE;
    const cached = this.memo.get(ip);
    if (cached !== undefined) return cached;
    const zone = this.lookup(ip);
    if (this.memo.size >= CACHE_LIMIT) this.memo.clear();
    this.memo.set(ip, zone);
    return zone;
  }

  /**
   * The zone of every address of a network (`10.1.2.0/24`, how a truncated
   * source_ip is stored), or null when the network straddles zones: a range
   * inside it, reached before one containing it, sends part of its addresses
   * elsewhere. `unknown` when no range touches it; null too for text that is
   * not a CIDR range.
   */
  zoneOfNetwork(cidr: string): string | null {
    let network: Range;
    try {
      network = ipaddr.parseCIDR(cidr);
    } catch {
      return null;
    }
    let [address, prefix] = network;
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
      address = (address as ipaddr.IPv6).toIPv4Address();
      prefix = Math.max(0, prefix - 96);
    }
    for (const zone of this.zones) {
      for (const range of zone.ranges) {
        if (address.kind() !== range[0].kind()) continue;
        if (range[1] <= prefix && address.match(range)) return zone.name;
        if (range[1] > prefix && range[0].match([address, prefix] as Range)) return null;
      }
    }
    return UNKNOWN_ZONE;
  }

  private lookup(ip: string): string {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(ip); // maps IPv4-mapped IPv6 to IPv4
    } catch {
      return UNKNOWN_ZONE;
    }
    for (const zone of this.zones) {
      for (const range of zone.ranges) {
        if (addr.kind() === range[0].kind() && addr.match(range)) return zone.name;
      }
    }
    return UNKNOWN_ZONE;
  }
}
