/**
 * The enrichment sources are one list (src/runtime/enrich/sources/index.ts):
 * what each brings reaches the settings, the paths every command resolves,
 * the stored columns, the enriched event and the files hot reload watches,
 * without any of those naming a source.
 */
import { describe, expect, it } from 'vitest';
import { describePaths, PATH_KEYS, resolvePaths } from '../../../src/config/paths.js';
import { SETTINGS } from '../../../src/config/settings.js';
import { createDecoder } from '../../../src/runtime/decode/decoder.js';
import { createEnricher, ENRICHED_KEYS } from '../../../src/runtime/enrich/enricher.js';
import { ENRICHMENT_SOURCES } from '../../../src/runtime/enrich/sources/index.js';
import { enrichmentFilePaths, enrichmentFilesFromSettings, enrichmentFilesIn, loadEnrichmentTables } from '../../../src/runtime/enrich/tables.js';
import { ACCESS_EVENTS } from '../../../src/runtime/outputs/clickhouse/columns/access-events.js';

const tables = loadEnrichmentTables(enrichmentFilesIn('rules', { defaultTimezone: 'UTC' }));
const decode = createDecoder({ pseudonymKey: 'k'.repeat(32), maxMessageBytes: 1 << 20 });

describe('enrichment sources', () => {
  it('put each file setting in the settings table and in the paths every command resolves, under the rules folder', () => {
    const paths = resolvePaths({ env: { CUSTOS_RULES_DIR: '/srv/org-rules' }, file: undefined });
    for (const s of ENRICHMENT_SOURCES) {
      expect((SETTINGS as Record<string, unknown>)[s.settingKey]).toBe(s.setting);
      expect(PATH_KEYS).toContain(s.settingKey);
      expect(paths[s.settingKey].path).toBe(`/srv/org-rules/${s.setting.default ?? ''}`);
    }
    expect(describePaths(paths).slice(1).map((l) => l.split(':')[0])).toEqual(ENRICHMENT_SOURCES.map((s) => s.label));
  });

  it('store each attribute in the columns its source declares, in the list order, between the event and its position', () => {
    const names = ACCESS_EVENTS.columns.map((c) => c.name);
    const sourceColumns = ENRICHMENT_SOURCES.flatMap((s) => s.columns.map((c) => c.name));
    const start = names.indexOf(sourceColumns[0] ?? '');
    expect(names.slice(start, start + sourceColumns.length)).toEqual(sourceColumns);
    expect(names.slice(start + sourceColumns.length)).toEqual(['source_topic', 'source_partition', 'source_offset', 'ingested_at']);
  });

  it('give the enriched event exactly its fields and one attribute per source, in order, and read it back the same', () => {
    const r = decode(Buffer.from(JSON.stringify({ event_id: 'e', ts: '2026-03-02T10:00:00Z', actor_id: 'alice', action: 'read', resource_type: 'customer', record_count: 1, source_ip: '10.10.3.4', fields: ['email'] })));
    if (!r.ok) throw new Error(r.rejection.detail);
    const e = createEnricher(tables)(r.event);
    expect(Object.keys(e)).toEqual(ENRICHED_KEYS);
    expect(ENRICHED_KEYS.slice(-ENRICHMENT_SOURCES.length)).toEqual(ENRICHMENT_SOURCES.map((s) => s.attribute));
    const row = JSON.parse(ACCESS_EVENTS.jsonLine(e, { position: { topic: 't', partition: 0, offset: '1' }, ingestedAt: 1 })) as Record<string, unknown>;
    const back = ACCESS_EVENTS.fromRow(row);
    expect(back).toEqual(e);
    expect(Object.keys(back ?? {})).toEqual(ENRICHED_KEYS);
  });

  it('are what hot reload watches: every source file from its setting', () => {
    const config = Object.fromEntries([...ENRICHMENT_SOURCES.map((s) => [s.settingKey, `/x/${s.name}`]), ['enrichment.default_timezone', 'UTC']]);
    expect(enrichmentFilePaths(enrichmentFilesFromSettings(config))).toEqual(ENRICHMENT_SOURCES.map((s) => `/x/${s.name}`));
  });
});
