/**
 * Wire-format input of a replay: NDJSON lines as raw bytes through the real
 * decoder and enricher; every refused line counted by reason.
 */
import { writeFileSync } from 'node:fs';
import { tempDir } from '../../support/temp-dir.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnrichmentTables } from '../../../src/runtime/enrich/tables.js';
import { createWireEventReader, readNdjsonLines } from '../../../src/tools/replay/index.js';

const KEY = 'k'.repeat(40);

function tempFile(name: string, content: string | Buffer): string {
  const dir = tempDir('custos-replay-');
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

function tables() {
  const directoryFile = tempFile(
    'actors.csv',
    'actor_id,role,department,employment_status,timezone,kind,allowed_zones\nemp-1,support_agent,support,active,Europe/Berlin,human,office\n',
  );
  return loadEnrichmentTables({
    directoryFile,
    zonesFile: 'rules/enrichment/zones.yaml',
    fieldsFile: 'rules/enrichment/fields.yaml',
    calendarFile: 'rules/enrichment/calendar.yaml',
    defaultTimezone: 'UTC',
  });
}

const good = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: id, ts: '2026-03-10T09:00:00Z', actor_id: 'emp-1', action: 'read', resource_type: 'customer', record_ids: ['c-000001'], fields: ['email'], ...extra });

async function lines(file: string) {
  const out = [];
  for await (const l of readNdjsonLines(file)) out.push({ line: l.line, text: l.value.toString('latin1'), offset: l.offset });
  return out;
}

describe('readNdjsonLines', () => {
  it('yields each non-blank line as bytes with its number, handling CRLF and a last line without a break', async () => {
    const file = tempFile('e.ndjson', 'a\r\n\n  \nbb\nccc');
    expect(await lines(file)).toEqual([
      { line: 1, text: 'a', offset: 3 },
      { line: 4, text: 'bb', offset: 10 },
      { line: 5, text: 'ccc', offset: 13 },
    ]);
  });

  it('joins a line split across read chunks', async () => {
    const long = 'x'.repeat(200_000); // longer than one 64 KiB read
    const file = tempFile('e.ndjson', `${long}\nshort\n`);
    const got = await lines(file);
    expect(got.map((l) => l.text.length)).toEqual([200_000, 5]);
    expect(got[1]?.offset).toBe(200_007);
  });
});

describe('createWireEventReader', () => {
  it('decodes, pseudonymises and enriches a good line like the live pipeline', () => {
    const reader = createWireEventReader({ pseudonymKey: KEY, tables: tables() });
    const e = reader.read(Buffer.from(good('e-1')));
    expect(e?.event_id).toBe('e-1');
    expect(e?.actor.role).toBe('support_agent');
    expect(e?.record_refs).toHaveLength(1);
    expect(e?.record_refs[0]).not.toBe('c-000001');
    expect(reader.rejections.total).toBe(0);
  });

  it('counts every refused line by reason and keeps a few examples with their position', async () => {
    const file = tempFile(
      'events.ndjson',
      Buffer.concat([
        Buffer.from(`${good('ok-1')}\n{not json\n[1,2]\n`),
        Buffer.from(`${good('no-actor', { actor_id: undefined })}\n`),
        Buffer.from([0xff, 0xfe, 0x0a]), // not UTF-8
        Buffer.from(`${good('bad-ts', { ts: '2026-03-10 09:00' })}\n${good('ok-2')}\n`),
        Buffer.from(`${good('too-big', { fields: ['x'.repeat(3000)] })}\n`),
      ]),
    );
    const reader = createWireEventReader({ pseudonymKey: KEY, tables: tables(), maxMessageBytes: 2000, sampleSize: 3 });
    const accepted: string[] = [];
    for await (const l of readNdjsonLines(file)) {
      const e = reader.read(l.value, `line ${l.line}`);
      if (e) accepted.push(e.event_id);
    }
    expect(accepted).toEqual(['ok-1', 'ok-2']);
    expect(reader.rejections.total).toBe(6);
    expect(reader.rejections.toJSON()).toEqual({
      invalid_timestamp: 1,
      malformed_json: 1,
      missing_field: 1,
      not_an_object: 1,
      not_utf8: 1,
      too_large: 1,
    });
    expect(reader.rejections.sample).toEqual([
      'line 2: malformed_json message value is not valid JSON',
      'line 3: not_an_object message value is JSON but not an object',
      'line 4: missing_field actor_id is required',
    ]);
  });
});
