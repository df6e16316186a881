/** Zones of whole networks: how `custos check --from-clickhouse` resolves a stored, truncated source_ip again. */
import { describe, expect, it } from 'vitest';
import { NetworkZones } from '../../../src/runtime/enrich/network-zones.js';

const zones = new NetworkZones({
  zones: [
    { name: 'lab', cidrs: ['10.1.2.128/25'] },
    { name: 'office', cidrs: ['10.1.0.0/16', '2001:db8:1::/48'] },
    { name: 'vpn', cidrs: ['172.16.0.0/12'] },
  ],
});

describe('NetworkZones.zoneOfNetwork', () => {
  it('gives the zone of a network that lies wholly in one range', () => {
    expect(zones.zoneOfNetwork('10.1.3.0/24')).toBe('office');
    expect(zones.zoneOfNetwork('172.20.5.0/24')).toBe('vpn');
    expect(zones.zoneOfNetwork('2001:db8:1::/48')).toBe('office');
    expect(zones.zoneOfNetwork('::ffff:10.1.3.0/120')).toBe('office');
  });

  it('is null for a network an earlier, narrower range cuts in two', () => {
    // 10.1.2.0-127 is office, 10.1.2.128-255 lab: a stored /24 cannot say which.
    expect(zones.zoneOfNetwork('10.1.2.0/24')).toBeNull();
    expect(zones.zoneOf('10.1.2.10')).toBe('office');
    expect(zones.zoneOf('10.1.2.200')).toBe('lab');
  });

  it('is unknown for a network no range touches, and null for what is not a CIDR range', () => {
    expect(zones.zoneOfNetwork('203.0.113.0/24')).toBe('unknown');
    expect(zones.zoneOfNetwork('2001:db8:2::/48')).toBe('unknown');
    expect(zones.zoneOfNetwork('invalid')).toBeNull();
    expect(zones.zoneOfNetwork('10.1.2.3')).toBeNull();
  });
});
