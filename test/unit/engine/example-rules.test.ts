/**
 * The example rules in docs/examples/ (not shipped) keep working: each is
 * loaded beside the shipped rules, as a user who copies it into rules/rate/
 * would, and its own test cases run through the real decode, enrich and engine.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../../src/runtime/engine/rules/loader.js';
import { createRealCaseEnricher } from '../../../src/tools/rule-tests/real-case-enricher.js';
import { runRuleTests } from '../../../src/tools/rule-tests/run-rule-tests.js';

const EXAMPLES = 'docs/examples';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('example rules (docs/examples)', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
    it(`${file}: loads beside the shipped rules and passes its own test cases`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'custos-example-rules-'));
      dirs.push(dir);
      cpSync('rules', dir, { recursive: true });
      cpSync(join(EXAMPLES, file), join(dir, 'rate', file));
      const rs = loadRuleSet(dir);
      const own = rs.tests.filter((t) => t.file.endsWith(file));
      expect(own.length).toBeGreaterThan(0);
      const toEnriched = createRealCaseEnricher({
        zonesFile: join(dir, 'enrichment/zones.yaml'),
        fieldsFile: join(dir, 'enrichment/fields.yaml'),
        calendarFile: join(dir, 'enrichment/calendar.yaml'),
        defaultTimezone: 'UTC',
      });
      const results = runRuleTests(rs, { toEnriched }).filter((r) => r.file.endsWith(file));
      expect(results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.diff.join('; ')}`)).toEqual([]);
      expect(results).toHaveLength(own.length);
    });
  }
});
