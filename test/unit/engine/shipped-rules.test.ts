/**
 * Every test case shipped in rules/ must pass: a rule change that breaks a
 * case fails CI. Cases run through the real decode + enrich, as in
 * `custos rules test`.
 */
import { describe, expect, it } from 'vitest';
import { loadRuleSet, runRuleTests } from '../../../src/runtime/engine/index.js';
import { shippedCaseEnricher } from './support/enrich.js';

// A fixed "now": exceptions shipped with an expiry date must not make this test fail by the calendar.
const ruleSet = loadRuleSet('rules', { now: Date.parse('2026-11-29T00:00:00Z') });
const results = runRuleTests(ruleSet, { toEnriched: shippedCaseEnricher() });

describe('shipped rules', () => {
  it('load without warnings and carry test cases', () => {
    expect(ruleSet.warnings).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(30);
  });

  for (const r of results) {
    it(`${r.file}: ${r.name}`, () => {
      expect(r.diff, `alerts: ${JSON.stringify(r.alerts, null, 1)}`).toEqual([]);
      expect(r.passed).toBe(true);
    });
  }
});
