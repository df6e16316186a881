/**
 * Everything the monitor loads, loaded the way it loads it, and checked
 * against each other: the rules folder, each enrichment source's file (and
 * what the source checks of it, alone and against the rules), and the
 * cross-checks no single file can make (the directory's roles against the
 * role table, zones the rules name, rule test cases, exceptions, floors).
 * `custos check` prints the result; `custos run` refuses to start on an error
 * and logs the warnings once.
 */
import { statSync } from 'node:fs';
import type { EffectivePaths, PathKey } from '../../config/paths.js';
import { SETTINGS } from '../../config/settings.js';
import { tryLoadRuleSet, type RuleSet } from '../engine/index.js';
import type { EnrichmentSource } from '../enrich/source.js';
import { ENRICHMENT_SOURCES, type EnrichmentSettingKey } from '../enrich/sources/index.js';
import { loadEnrichmentParts, type EnrichmentParts, type EnrichmentTables, type SourceFiles } from '../enrich/tables.js';
import { error, warning, type CheckFinding } from './findings.js';
import { indexRuleFiles } from './rule-files.js';
import { checkExceptions, checkRoleLimitFloors, checkRoleReferences, checkRuleTestCases, checkTimezoneReferences } from './rule-checks.js';
import { readOrNull, SHIPPED_RULES_DIR } from './shipped-examples.js';
import { summarize, type ConfigurationSummary } from './summary.js';

export interface CheckOptions {
  readonly paths: EffectivePaths;
  readonly defaultTimezone: string;
  /** For expiry (default: now). */
  readonly now?: number;
  /** Where the shipped examples are (default: the package's rules/). */
  readonly examplesDir?: string;
}

export interface CheckResult {
  readonly findings: readonly CheckFinding[];
  readonly summary: ConfigurationSummary;
  readonly errors: number;
  readonly warnings: number;
  /** What loaded, for a data-driven check on top (absent where a file is invalid). */
  readonly ruleSet?: RuleSet;
  readonly tables?: EnrichmentTables;
}

export function checkConfiguration(o: CheckOptions): CheckResult {
  const now = o.now ?? Date.now();
  const p = o.paths;
  const findings: CheckFinding[] = [];

  let ruleSet: RuleSet | undefined;
  if (!isDirectory(p.rules_dir.path)) {
    findings.push(error({ file: p.rules_dir.path, line: null, reason: `rules folder not found (${p.rules_dir.origin}; set ${SETTINGS.rules_dir.env} or rules_dir in the config file)` }));
  } else {
    const loaded = tryLoadRuleSet(p.rules_dir.path, { now });
    if (loaded.ok) ruleSet = loaded.ruleSet;
    else findings.push(...loaded.problems.map(error));
    findings.push(...loaded.warnings.map(warning));
  }

  const files = Object.fromEntries(ENRICHMENT_SOURCES.map((s) => [s.fileKey, p[s.settingKey].path])) as unknown as SourceFiles;
  const parts = loadEnrichmentParts({ ...files, defaultTimezone: o.defaultTimezone });
  findings.push(...parts.problems.map((problem) => error(withOrigin(problem, p))));
  // What each source checks of its file beyond loading it (ranges, the shipped examples left in place).
  const examplesDir = o.examplesDir ?? SHIPPED_RULES_DIR;
  for (const source of ENRICHMENT_SOURCES as readonly EnrichmentSource[]) {
    const file = p[source.settingKey as EnrichmentSettingKey].path;
    findings.push(...(source.check?.(loadedBy(parts, source), { file, text: readOrNull(file), examplesDir }) ?? []));
  }

  if (ruleSet !== undefined) findings.push(...crossChecks(ruleSet, parts, p, now));

  const tables = parts.tables;
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    findings,
    summary: summarize(ruleSet, parts.loaded.directory, parts.loaded.zones?.names),
    errors,
    warnings: findings.length - errors,
    ...(ruleSet !== undefined && { ruleSet }),
    ...(tables !== undefined && { tables }),
  };
}

function crossChecks(ruleSet: RuleSet, parts: EnrichmentParts, p: EffectivePaths, now: number): CheckFinding[] {
  const index = indexRuleFiles(ruleSet);
  const out: CheckFinding[] = [];
  for (const source of ENRICHMENT_SOURCES as readonly EnrichmentSource[]) {
    const table = loadedBy(parts, source);
    if (table === undefined || source.crossCheck === undefined) continue;
    out.push(...source.crossCheck(table, { file: p[source.settingKey as EnrichmentSettingKey].path, ruleSet, index }));
  }
  // Rule test cases and exceptions name zones and actors.
  out.push(...checkRuleTestCases(ruleSet, index, parts.loaded.zones?.names ?? null));
  out.push(...checkExceptions(ruleSet, index, now, parts.loaded.directory === undefined ? null : new Set(parts.loaded.directory.keys())));
  out.push(...checkRoleLimitFloors(ruleSet, index));
  out.push(...checkRoleReferences(ruleSet, index));
  out.push(...checkTimezoneReferences(ruleSet, index));
  return out;
}

/** A file that cannot be read says which setting (or default) pointed there. */
function withOrigin<T extends { file: string; reason: string }>(problem: T, p: EffectivePaths): T {
  if (!problem.reason.startsWith('cannot read')) return problem;
  const key = (Object.keys(p) as PathKey[]).find((k) => p[k].path === problem.file);
  return key === undefined ? problem : { ...problem, reason: `${problem.reason} (${p[key].origin})` };
}

function loadedBy(parts: EnrichmentParts, source: EnrichmentSource): unknown {
  return (parts.loaded as Readonly<Record<string, unknown>>)[source.name];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
