/**
 * `custos rules check` validates the rules folder (every problem with file,
 * line and reason; warnings such as expired exceptions). `custos rules test`
 * also runs every test case the rule files carry, through the real decode and
 * enrich, and exits non-zero when one fails.
 */
import { formatRuleProblem, loadRuleSet, runRuleTests, RuleSetInvalidError, type RuleSet } from '../runtime/engine/index.js';
import { createRealCaseEnricher } from '../tools/rule-tests/real-case-enricher.js';

export interface RulesOptions {
  readonly dir: string;
  readonly zonesFile: string;
  readonly fieldsFile: string;
  readonly calendarFile: string;
  readonly filter?: string;
}

function load(dir: string): RuleSet | null {
  try {
    const ruleSet = loadRuleSet(dir);
    for (const w of ruleSet.warnings) process.stderr.write(`warning: ${formatRuleProblem(w)}\n`);
    return ruleSet;
  } catch (err) {
    if (err instanceof RuleSetInvalidError) {
      process.stderr.write(`${dir}: invalid rules\n${err.problems.map((p) => `  ${formatRuleProblem(p)}`).join('\n')}\n`);
      return null;
    }
    throw err;
  }
}

export function rulesCheckCommand(o: RulesOptions): number {
  const ruleSet = load(o.dir);
  if (ruleSet === null) return 1;
  process.stdout.write(`${o.dir}: ${ruleSet.rulesById.size} rules in ${ruleSet.files.length} files, ${ruleSet.tests.length} test cases: valid\n`);
  return 0;
}

export function rulesTestCommand(o: RulesOptions): number {
  const ruleSet = load(o.dir);
  if (ruleSet === null) return 1;
  const toEnriched = createRealCaseEnricher({
    zonesFile: o.zonesFile,
    fieldsFile: o.fieldsFile,
    calendarFile: o.calendarFile,
    defaultTimezone: 'UTC',
  });
  const results = runRuleTests(ruleSet, { toEnriched, ...(o.filter ? { filter: o.filter } : {}) });
  let failed = 0;
  for (const r of results) {
    const where = `${r.file}${r.line === null ? '' : `:${r.line}`}`;
    if (r.passed) {
      process.stdout.write(`  ok    ${r.name} (${where})\n`);
    } else {
      failed++;
      process.stdout.write(`  FAIL  ${r.name} (${where})\n${r.diff.map((d) => `          ${d}`).join('\n')}\n`);
    }
  }
  process.stdout.write(`\n${results.length - failed} passed, ${failed} failed, ${results.length} cases\n`);
  return failed === 0 ? 0 : 1;
}
