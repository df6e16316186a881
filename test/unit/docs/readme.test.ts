/**
 * The README is what users read: its configuration table and its test command
 * must match the code and CI.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config/settings.js';
import { REJECT_REASONS } from '../../../src/model/rejection.js';

const readme = readFileSync('README.md', 'utf8');
const NOT_SETTINGS = new Set(['CUSTOS_CONFIG_FILE', 'CUSTOS_TEST_KAFKA_BROKERS', 'CUSTOS_TEST_CLICKHOUSE_URL']);

describe('README', () => {
  it('documents every setting, with its default', () => {
    for (const [key, spec] of Object.entries(SETTINGS)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${spec.env}\` |`));
      expect(row, spec.env).toBeDefined();
      expect(row).toContain(`\`${key}\``);
      if ('default' in spec && !Array.isArray(spec.default) && spec.default !== '') expect(row).toContain(`\`${String(spec.default)}\``);
      if (!('default' in spec)) expect(row).toContain('**required**');
    }
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
