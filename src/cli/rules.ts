/**
 * `custos rules check` validates the rules folder (every problem with file,
 * line and reason; warnings such as expired exceptions). `custos rules test`
 * also runs every test case the rule files carry, through the real decode and
 * enrich, and exits non-zero when one fails.
 */
import { ConfigError, loadSettingsSubset } from '../config/load.js';
import type { SettingKey, Settings } from '../config/settings.js';
import { formatProblem, InvalidSourceError } from '../util/source-error.js';
import { resolvePaths, type EffectivePaths, type PathFlags } from '../config/paths.js';
import type { EnrichmentSource } from '../runtime/enrich/source.js';
import { ENRICHMENT_SOURCES, type EnrichmentFileOptions, type EnrichmentSettingKey } from '../runtime/enrich/sources/index.js';
import { formatRuleProblem, loadRuleSet, runRuleTests, RuleSetInvalidError, type RuleSet } from '../runtime/engine/index.js';
import { createRealCaseEnricher } from '../tools/rule-tests/real-case-enricher.js';

/** The flags as given; every path not given comes from the settings, like `custos run`'s (src/config/paths.ts). */
export interface RulesOptions extends EnrichmentFileOptions {
  readonly dir?: string | undefined;
  readonly filter?: string | undefined;
}

/** The enrichment files rule test cases read: every source's but those a case declares itself (the directory). */
const CASE_SOURCES = (ENRICHMENT_SOURCES as readonly EnrichmentSource[]).filter((s) => s.withoutFile === undefined);

function paths(o: RulesOptions, env: NodeJS.ProcessEnv = process.env): EffectivePaths | null {
  try {
    const flags: PathFlags = { rules_dir: { flag: '--dir', value: o.dir } };
    for (const s of CASE_SOURCES) flags[s.settingKey as EnrichmentSettingKey] = { flag: `--${s.option}`, value: (o as Readonly<Record<string, string | undefined>>)[s.option] };
    return resolvePaths({ env, file: env.CUSTOS_CONFIG_FILE }, flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

/** One setting as `custos run` reads it (environment, else the config file, else its default); null after reporting a bad one. */
function setting<K extends SettingKey>(key: K, env: NodeJS.ProcessEnv = process.env): Settings[K] | null {
  try {
    return loadSettingsSubset({ env, file: env.CUSTOS_CONFIG_FILE }, [key])[key];
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`custos: ${err.message}\n`);
      return null;
    }
    throw err;
  }
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
  const p = paths(o);
  if (p === null) return 78;
  const dir = p.rules_dir.path;
  const ruleSet = load(dir);
  if (ruleSet === null) return 1;
  process.stdout.write(
    `${dir}: ${ruleSet.rulesById.size} rules in ${ruleSet.files.length} files, ${ruleSet.tests.length} test cases: valid ` +
      `(the rules folder alone: \`custos check\` checks it with the enrichment files and against them)\n`,
  );
  return 0;
}

export function rulesTestCommand(o: RulesOptions): number {
  const p = paths(o);
  if (p === null) return 78;
  const ruleSet = load(p.rules_dir.path);
  if (ruleSet === null) return 1;
  const defaultTimezone = setting('enrichment.default_timezone');
  if (defaultTimezone === null) return 78;
  const files = CASE_SOURCES.map((s) => [s, p[s.settingKey as EnrichmentSettingKey].path] as const);
  process.stdout.write(`${files.map(([s, file]) => `${s.label}: ${file}`).join(', ')}, default time zone: ${defaultTimezone}\n`);
  let toEnriched: ReturnType<typeof createRealCaseEnricher>;
  try {
    // The monitor's default time zone: an actor of a case without one is judged in the hours the monitor would use.
    toEnriched = createRealCaseEnricher({ ...Object.fromEntries(files.map(([s, file]) => [s.fileKey, file])), defaultTimezone });
  } catch (err) {
    if (err instanceof InvalidSourceError) {
      process.stderr.write(`invalid enrichment files\n${err.problems.map((x) => `  ${formatProblem(x)}`).join('\n')}\n`);
      return 78;
    }
    throw err;
  }
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
