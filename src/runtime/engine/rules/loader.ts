/**
 * Reads a rules folder. `loadRuleSet` throws on any problem (start-up);
 * `tryLoadRuleSet` returns the problems instead (hot reload: the caller keeps
 * the last good rule set when a change is refused).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RuleSetInvalidError, type RuleProblem } from '../errors.js';
import { compileRuleFiles, type RuleSetResult } from './compile.js';
import type { RuleSet } from './rule-set.js';
import { parseRuleFile } from './yaml-source.js';

export interface RuleLoadOptions {
  /** "Now" for expiry warnings (default: the system clock; the engine itself uses event time). */
  readonly now?: number;
  /** Sub-folders not holding rule files (default: `enrichment`, which the enrichment step reads). */
  readonly exclude?: readonly string[];
}

export interface RuleSource {
  /** Name used in problems (a path). */
  readonly file: string;
  readonly text: string;
}

export function loadRuleSet(dir: string, options: RuleLoadOptions = {}): RuleSet {
  const result = tryLoadRuleSet(dir, options);
  if (!result.ok) throw new RuleSetInvalidError(result.problems);
  return result.ruleSet;
}

export function tryLoadRuleSet(dir: string, options: RuleLoadOptions = {}): RuleSetResult {
  let sources: RuleSource[];
  try {
    sources = readRuleSources(dir, options.exclude ?? ['enrichment']);
  } catch (err) {
    const problem: RuleProblem = { file: dir, line: null, reason: `cannot read rules: ${(err as Error).message}` };
    return { ok: false, problems: [problem], warnings: [] };
  }
  return compileRuleSources(sources, options);
}

/** Compile rule files given as text (tests, or a CLI that gathered them itself). */
export function compileRuleSources(sources: readonly RuleSource[], options: RuleLoadOptions = {}): RuleSetResult {
  const parsed = sources.map((s) => parseRuleFile(s.file, s.text));
  return compileRuleFiles(parsed, { now: options.now ?? Date.now() });
}

/** Every *.yaml / *.yml below dir, sorted by path so load order (and first definitions) are stable. */
export function readRuleSources(dir: string, exclude: readonly string[]): RuleSource[] {
  const out: RuleSource[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) {
        if (d === dir && exclude.includes(name)) continue;
        walk(full);
      } else if (/\.ya?ml$/.test(name)) {
        out.push({ file: join(dir, relative(dir, full)), text: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(dir);
  return out;
}
