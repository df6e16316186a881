/**
 * The rule set the monitor runs: the rules folder plus the exceptions made in
 * the analysts' console, compiled together as one more rule document (named
 * `console`), so a console exception is validated and matched exactly like a
 * YAML one (rule ids, predicates, named conditions and lists).
 *
 * A console exception the current rules cannot take (its rule was removed
 * from the folder since, or it does not compile) is left out and reported;
 * it never makes the folder's rules refused.
 */
import { exceptionsDocument, CONSOLE_SOURCE, type ConsoleException } from '../../model/console-exception.js';
import { compileRuleSources, formatRuleProblem, readRuleSources, type RuleSetResult, type RuleSource } from '../engine/index.js';

export interface RulesWithExceptions {
  readonly result: RuleSetResult;
  /** Console exceptions left out, with the reason. */
  readonly dropped: readonly { readonly exceptionId: string; readonly reason: string }[];
}

export function consoleRuleSource(list: readonly ConsoleException[]): RuleSource {
  return { file: CONSOLE_SOURCE, text: exceptionsDocument(list) };
}

export function compileWithConsoleExceptions(files: readonly RuleSource[], list: readonly ConsoleException[], now: number): RulesWithExceptions {
  if (list.length === 0) return { result: compileRuleSources(files, { now }), dropped: [] };
  const all = compileRuleSources([...files, consoleRuleSource(list)], { now });
  if (all.ok) return { result: all, dropped: [] };
  const base = compileRuleSources(files, { now });
  // The folder itself is invalid: that is what the caller reports (and refuses).
  if (!base.ok) return { result: base, dropped: [] };
  const kept: ConsoleException[] = [];
  const dropped: { exceptionId: string; reason: string }[] = [];
  for (const x of list) {
    const one = compileRuleSources([...files, consoleRuleSource([x])], { now });
    if (one.ok) kept.push(x);
    else dropped.push({ exceptionId: x.exception_id, reason: one.problems.filter((p) => p.file === CONSOLE_SOURCE).map(formatRuleProblem).join('; ') || 'refused' });
  }
  return { result: kept.length === 0 ? base : compileRuleSources([...files, consoleRuleSource(kept)], { now }), dropped };
}

/** The rules folder (read now) with the console's exceptions. */
export function loadRulesWithConsoleExceptions(dir: string, list: readonly ConsoleException[], now = Date.now()): RulesWithExceptions {
  let files: RuleSource[];
  try {
    files = readRuleSources(dir, ['enrichment']);
  } catch (err) {
    return { result: { ok: false, problems: [{ file: dir, line: null, reason: `cannot read rules: ${(err as Error).message}` }], warnings: [] }, dropped: [] };
  }
  return compileWithConsoleExceptions(files, list, now);
}
