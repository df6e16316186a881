/** Network zones (zones.yaml): the event's `network.zone` from its full source_ip, before minimisation. */
import { z } from 'zod';
import { setting } from '../../../config/setting-spec.js';
import { parseYamlWith } from '../../../util/yaml-validate.js';
import { LC } from '../../outputs/clickhouse/columns/column-table.js';
import { checkZoneRanges, checkZoneReferences, zoneRanges, checkExampleRanges } from '../../check/zone-checks.js';
import { readOrNull } from '../../check/shipped-examples.js';
import { NetworkZones, zonesFileSchema } from '../network-zones.js';
import { defineEnrichmentSource, readSourceFile } from '../source.js';
import { join } from 'node:path';
import type { NetworkContext } from '../../../model/enriched.js';

export const ZONES = defineEnrichmentSource({
  name: 'zones',
  fileKey: 'zonesFile',
  settingKey: 'enrichment.zones_file',
  setting: setting({ env: 'CUSTOS_ZONES_FILE', schema: z.string().min(1), default: 'enrichment/zones.yaml', underRulesDir: true, description: 'Network zones (CIDR lists).' }),
  label: 'zones',
  option: 'zones',
  flag: { description: 'network zones file (default: $CUSTOS_ZONES_FILE, else <rules>/enrichment/zones.yaml)' },
  load: (file) => new NetworkZones(parseYamlWith(readSourceFile(file), file, zonesFileSchema)),
  check: (zones, { file, text, examplesDir }) => {
    if (zones === undefined || text === null) return [];
    const ranges = zoneRanges(text);
    const example = readOrNull(join(examplesDir, 'enrichment', 'zones.yaml'));
    return [...checkZoneRanges(file, ranges), ...(example === null ? [] : checkExampleRanges(file, ranges, zoneRanges(example)))];
  },
  crossCheck: (zones, { file, ruleSet, index }) => checkZoneReferences(zones, file, ruleSet, index),
  attribute: 'network',
  step: (zones) => {
    // One context per zone name (the file's few, and `unknown`), shared by the events in that
    // zone (they are read-only), not a new object kept with each event.
    const contexts = new Map<string, NetworkContext>();
    return (event) => {
      const zone = zones.zoneOf(event.source_ip);
      let context = contexts.get(zone);
      if (context === undefined) contexts.set(zone, (context = { zone }));
      return context;
    };
  },
  draft: () => ({ zone: undefined }),
  columns: [{ name: 'network_zone', type: LC, write: (e) => e.network.zone, read: (v, d) => void (d.network.zone = v) }],
});
