/**
 * Errors of the detection engine. Each has a stable `code` (documented in
 * docs/rules.md) and a `retryable` flag: callers decide on retries from the
 * flag alone, never from the message.
 */
import { CustosError } from '../../errors.js';
import { formatProblem, type SourceProblem } from '../../util/source-error.js';

/** One problem in a rule file, located precisely enough to fix it (`file:line: reason`). */
export type RuleProblem = SourceProblem;

export const formatRuleProblem: (p: RuleProblem) => string = formatProblem;

/**
 * Thrown by `loadRuleSet` when any rule file is unusable. Lists every problem
 * found, not just the first, so one edit-run cycle fixes them all.
 */
export class RuleSetInvalidError extends CustosError {
  constructor(readonly problems: readonly RuleProblem[]) {
    super('CUSTOS_RULES_INVALID', `invalid rule set:\n${problems.map(formatRuleProblem).join('\n')}`);
    this.name = 'RuleSetInvalidError';
  }
}

/** Thrown by `createEngine` for an unusable option (e.g. a database name that is not an identifier). */
export class EngineConfigError extends CustosError {
  constructor(message: string) {
    super('CUSTOS_ENGINE_CONFIG', message);
    this.name = 'EngineConfigError';
  }
}
