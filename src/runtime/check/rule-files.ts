/**
 * The rule files as written (values and lines), beside the compiled rule set:
 * cross-checks point at the line of a role, a test case actor or a window,
 * which the compiled rule set no longer knows.
 */
import { readFileSync } from 'node:fs';
import type { YamlPath } from '../engine/rules/predicate.js';
import { parseRuleFile, type ParsedRuleFile } from '../engine/rules/yaml-source.js';
import type { RuleSet } from '../engine/index.js';

export interface RuleFileIndex {
  readonly files: readonly ParsedRuleFile[];
  /** The file and line of a path in the file that defines something. */
  locate(file: ParsedRuleFile, path: YamlPath): { readonly file: string; readonly line: number | null };
  /** Where role `name` is defined, if any file defines it. */
  roleAt(name: string): { readonly file: string; readonly line: number | null } | null;
  /** Where rule `id` is defined, and its index in that file's `rules`. */
  ruleAt(id: string): { readonly src: ParsedRuleFile; readonly index: number } | null;
}

export function indexRuleFiles(ruleSet: RuleSet): RuleFileIndex {
  const files = ruleSet.files.map((file) => parseRuleFile(file, readFileSync(file, 'utf8')));
  const locate = (src: ParsedRuleFile, path: YamlPath) => ({ file: src.file, line: src.lineOf(path) });
  return {
    files,
    locate,
    roleAt(name) {
      const src = files.find((f) => f.data?.roles?.[name] !== undefined);
      return src === undefined ? null : locate(src, ['roles', name]);
    },
    ruleAt(id) {
      for (const src of files) {
        const index = (src.data?.rules ?? []).findIndex((r) => r.id === id);
        if (index >= 0) return { src, index };
      }
      return null;
    },
  };
}

/**
 * The predicates on `field` that compare it with values `isDefined` refuses
 * (a zone, role or field class nobody defines), with those values: such a
 * comparison never matches them (and, negated, always does).
 */
export function comparisonsWithUndefined(
  index: RuleFileIndex,
  ruleSet: RuleSet,
  field: string,
  isDefined: (value: string) => boolean,
): { readonly missing: readonly string[]; readonly file: string; readonly line: number | null }[] {
  return predicatesOnField(index, ruleSet, field).flatMap((p) => {
    const missing = p.values.filter((v) => !isDefined(v));
    return missing.length === 0 ? [] : [{ missing, file: p.file, line: p.line }];
  });
}

/**
 * Every leaf predicate `{field: <field>, <operator>: values}` in the files
 * (rules, conditions, exceptions, settings), with the values it compares
 * against (lists resolved) and where it is.
 */
function predicatesOnField(
  index: RuleFileIndex,
  ruleSet: RuleSet,
  field: string,
): { readonly values: readonly string[]; readonly file: string; readonly line: number | null }[] {
  const out: { values: string[]; file: string; line: number | null }[] = [];
  const walk = (node: unknown, path: (string | number)[], src: ParsedRuleFile) => {
    if (Array.isArray(node)) {
      node.forEach((item, n) => walk(item, [...path, n], src));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.field === field) {
      const values: string[] = [];
      for (const op of ['eq', 'ne', 'in', 'not_in', 'contains_any', 'contains_all', 'contains_none']) {
        const v = record[op];
        if (typeof v === 'string') values.push(v);
        else if (Array.isArray(v)) values.push(...v.filter((x): x is string => typeof x === 'string'));
        else if (typeof v === 'object' && v !== null && typeof (v as { list?: unknown }).list === 'string') {
          values.push(...(ruleSet.lists.get((v as { list: string }).list) ?? []));
        }
      }
      if (values.length > 0) out.push({ values, ...index.locate(src, path) });
      return;
    }
    for (const [k, v] of Object.entries(record)) {
      // Test cases hold events, not predicates.
      if (path.length === 0 && k === 'tests') continue;
      walk(v, [...path, k], src);
    }
  };
  for (const src of index.files) walk(src.data, [], src);
  return out;
}
