/**
 * Everything the monitor loads, loaded the way it loads it, and checked
 * against each other: the rules folder, the four enrichment files, and the
 * cross-checks no single file can make (the directory's roles against the
 * role table, zones the rules name, rule test cases, exceptions, floors).
 * `custos check` prints the result; `custos run` refuses to start on an error
 * and logs the warnings once.
 */
import { readFileSync, statSync } from 'node:fs';
import type { EffectivePaths, PathKey } from '../../config/paths.js';
import { SETTINGS } from '../../config/settings.js';
import { tryLoadRuleSet, type RuleSet } from '../engine/index.js';
import { loadEnrichmentParts, type EnrichmentParts, type EnrichmentTables } from '../enrich/tables.js';
import { checkDirectory } from './directory-checks.js';
import { error, warning, type CheckFinding } from './findings.js';
import { indexRuleFiles } from './rule-files.js';
import { checkExceptions, checkFieldClassReferences, checkRoleLimitFloors, checkRuleTestCases, checkUnlistedFieldDefault } from './rule-checks.js';
import { checkShippedExamples, readOrNull, SHIPPED_RULES_DIR } from './shipped-examples.js';
import { summarize, type ConfigurationSummary } from './summary.js';
import { checkZoneRanges, checkZoneReferences, zoneRanges } from './zone-checks.js';

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

  const parts = loadEnrichmentParts(
    {
      zonesFile: p['enrichment.zones_file'].path,
      fieldsFile: p['enrichment.fields_file'].path,
      calendarFile: p['enrichment.calendar_file'].path,
      defaultTimezone: o.defaultTimezone,
    },
    p['enrichment.directory_file'].path,
  );
  findings.push(...parts.problems.map((problem) => error(withOrigin(problem, p))));

  const zonesText = readOrNull(p['enrichment.zones_file'].path);
  if (parts.zones && zonesText !== null) findings.push(...checkZoneRanges(p['enrichment.zones_file'].path, zoneRanges(zonesText)));
  findings.push(
    ...checkShippedExamples(
      { directoryFile: p['enrichment.directory_file'].path, zonesFile: p['enrichment.zones_file'].path, zonesText: parts.zones ? zonesText : null },
      o.examplesDir ?? SHIPPED_RULES_DIR,
    ),
  );

  if (ruleSet !== undefined) findings.push(...crossChecks(ruleSet, parts, p, now));

  const tables = tablesOf(parts, o.defaultTimezone);
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    findings,
    summary: summarize(ruleSet, parts.directory, parts.zones?.names),
    errors,
    warnings: findings.length - errors,
    ...(ruleSet !== undefined && { ruleSet }),
    ...(tables !== undefined && { tables }),
  };
}

function crossChecks(ruleSet: RuleSet, parts: EnrichmentParts, p: EffectivePaths, now: number): CheckFinding[] {
  const index = indexRuleFiles(ruleSet);
  const out: CheckFinding[] = [];
  if (parts.directory !== undefined) {
    out.push(...checkDirectory({ file: p['enrichment.directory_file'].path, directory: parts.directory, lineOf: parts.directoryLines ?? new Map() }, ruleSet, index));
  }
  if (parts.zones !== undefined) out.push(...checkZoneReferences(parts.zones, p['enrichment.zones_file'].path, ruleSet, index));
  if (parts.fieldClasses !== undefined) {
    out.push(...checkFieldClassReferences(parts.fieldClasses, p['enrichment.fields_file'].path, ruleSet, index));
    out.push(...checkUnlistedFieldDefault(parts.fieldClasses, p['enrichment.fields_file'].path, ruleSet, index));
  }
  out.push(...checkRuleTestCases(ruleSet, index, parts.zones?.names ?? null));
  out.push(...checkExceptions(ruleSet, index, now, parts.directory === undefined ? null : new Set(parts.directory.keys())));
  out.push(...checkRoleLimitFloors(ruleSet, index));
  return out;
}

/** A file that cannot be read says which setting (or default) pointed there. */
function withOrigin<T extends { file: string; reason: string }>(problem: T, p: EffectivePaths): T {
  if (!problem.reason.startsWith('cannot read')) return problem;
  const key = (Object.keys(p) as PathKey[]).find((k) => p[k].path === problem.file);
  return key === undefined ? problem : { ...problem, reason: `${problem.reason} (${p[key].origin})` };
}

function tablesOf(parts: EnrichmentParts, defaultTimezone: string): EnrichmentTables | undefined {
  const { directory, zones, fieldClasses, businessHours } = parts;
  if (parts.problems.length > 0 || !directory || !zones || !fieldClasses || !businessHours) return undefined;
  return { directory, zones, fieldClasses, businessHours, defaultTimezone };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
