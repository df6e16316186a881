/** docs/destinations.md stays true: its example config is accepted, and it documents every kind and every key of each kind's schema. */
import { readFileSync } from 'node:fs';
import { Kafka } from 'kafkajs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DESTINATION_KINDS } from '../../../src/runtime/outputs/alerts/destinations/index.js';
import { destinationsOf } from '../outputs/alerts/destinations/harness.js';

const doc = readFileSync('docs/destinations.md', 'utf8');

describe('docs/destinations.md', () => {
  it('shows a config example every kind accepts', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const entries = (parse(yaml) as { alerts: { destinations: Record<string, unknown>[] } }).alerts.destinations.map((e) =>
      e.kind === 'webhook' ? { ...e, secret: `whsec_${'A'.repeat(32)}` } : e,
    );
    const built = destinationsOf(entries, new Kafka({ brokers: ['127.0.0.1:9'] }));
    expect(new Set(entries.map((e) => e.kind))).toEqual(new Set(DESTINATION_KINDS.map((k) => k.kind)));
    expect(built).toHaveLength(entries.length);
  });

  it('has a section for every kind naming each of its keys', () => {
    for (const kind of DESTINATION_KINDS) {
      const start = doc.indexOf(`## \`${kind.kind}\``);
      expect(start, kind.kind).toBeGreaterThan(0);
      const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
      const keys = Object.keys((kind.schema as unknown as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } }).shape ?? {});
      expect(keys.length, kind.kind).toBeGreaterThan(1);
      for (const key of keys.filter((k) => k !== 'id' && k !== 'min_severity')) expect(section, `${kind.kind}.${key}`).toContain(`\`${key}\``);
    }
  });
});
