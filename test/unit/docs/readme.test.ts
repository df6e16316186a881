/**
 * The README is what users read: its configuration table and its test command
 * must match the code and CI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config/settings.js';
import { REJECT_REASONS } from '../../../src/model/rejection.js';
import { DESTINATION_KINDS } from '../../../src/runtime/outputs/alerts/destinations/index.js';

const readme = readFileSync('README.md', 'utf8');
// Variables of the config loader, the tests and the chaos tool (src/tools/chaos/run-chaos.ts keeps its databases), not settings.
const NOT_SETTINGS = new Set(['CUSTOS_CONFIG_FILE', 'CUSTOS_TEST_KAFKA_BROKERS', 'CUSTOS_TEST_CLICKHOUSE_URL', 'CUSTOS_CHAOS_KEEP']);

describe('README', () => {
  it('documents every setting, with its default and the description of the code', () => {
    for (const [key, spec] of Object.entries(SETTINGS)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${spec.env}\` |`));
      expect(row, spec.env).toBeDefined();
      const [variable, fileKey, defaultCell, ...meaning] = (row ?? '').replace(/^\| | \|$/g, '').split(' | ');
      expect(variable).toBe(`\`${spec.env}\``);
      expect(fileKey).toBe(`\`${key}\``);
      if ('default' in spec && !Array.isArray(spec.default) && spec.default !== '') expect(defaultCell).toContain(`\`${String(spec.default)}\``);
      if (!('default' in spec)) expect(defaultCell).toBe('**required**');
      // The README may make a path a link ([docs/x.md](docs/x.md#part)); its text is the code's.
      expect(meaning.join(' | ').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'), spec.env).toBe(spec.description);
    }
  });

  it('points settings only to docs that exist', () => {
    for (const spec of Object.values(SETTINGS)) {
      for (const doc of spec.description.match(/\b(?:docs\/)?[\w-]+\.md\b/g) ?? []) expect(existsSync(doc), `${spec.env}: ${doc}`).toBe(true);
    }
  });

  it('names every destination kind in the description of alerts.destinations', () => {
    for (const { kind } of DESTINATION_KINDS) expect(SETTINGS['alerts.destinations'].description).toContain(`\`${kind}\``);
  });

  it('mentions no setting that does not exist', () => {
    const known = new Set(Object.values(SETTINGS).map((s) => s.env));
    const mentioned = new Set(readme.match(/CUSTOS_[A-Z_]+/g) ?? []);
    expect([...mentioned].filter((m) => !known.has(m) && !NOT_SETTINGS.has(m))).toEqual([]);
  });

  it('lists every dead-letter reason code', () => {
    for (const reason of REJECT_REASONS) expect(readme).toContain(`\`${reason}\``);
  });

  it('gives the test command that .ci/run runs', () => {
    const ci = readFileSync('.ci/run', 'utf8').trim().split('\n').at(-1);
    expect(ci).toBe('npm ci && npm test');
    expect(readme).toContain('```sh\nnpm ci && npm test\n```');
  });
});
