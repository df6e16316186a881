/**
 * Errors of the detection engine. Each has a stable `code` (documented in
 * docs/rules.md) and a `retryable` flag: callers decide on retries from the
 * flag alone, never from the message.
 */
import { formatProblem, type SourceProblem } from '../../util/source-error.js';

/** One problem in a rule file, located precisely enough to fix it (`file:line: reason`). */
export type RuleProblem = SourceProblem;

export const formatRuleProblem: (p: RuleProblem) => string = formatProblem;

/**
 * Thrown by `loadRuleSet` when any rule file is unusable. Lists every problem
 * found, not just the first, so one edit-run cycle fixes them all.
 */
export class RuleSetInvalidError extends Error {
  readonly code = 'CUSTOS_RULES_INVALID';
  /** Retrying with the same files fails again. */
  readonly retryable = false;
  constructor(readonly problems: readonly RuleProblem[]) {
    super(`invalid rule set:\n${problems.map(formatRuleProblem).join('\n')}`);
    this.name = 'RuleSetInvalidError';
  }
}

/** Thrown by `createEngine` for an unusable option (e.g. a database name that is not an identifier). */
export class EngineConfigError extends Error {
  readonly code = 'CUSTOS_ENGINE_CONFIG';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'EngineConfigError';
  }
}
