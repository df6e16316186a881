/** The detection engine's public surface (named exports only). */
export type {
  ActorActivityRow,
  AlertState,
  AlertUpdate,
  DetectionEngine,
  EngineHistory,
  EngineRestore,
  EngineOutput,
  EngineProbe,
  EngineStats,
  EvaluationInputs,
  ProbePart,
  RestorableAlert,
  RestoreSeed,
} from './api.js';
export { parseAlertState, ALERT_STATE_VERSION } from '../../model/alert-state.js';
export { createEngine, type EngineOptions } from './engine.js';
export { EngineConfigError, RuleSetInvalidError, formatRuleProblem, type RuleProblem } from './errors.js';
export { loadRuleSet, tryLoadRuleSet, compileRuleSources, readRuleSources, type RuleLoadOptions, type RuleSource } from './rules/loader.js';
export type { RuleSetResult } from './rules/compile.js';
export type { RuleSet, Rule, PolicyRule, RateRule, RuleTestCase } from './rules/rule-set.js';
export { FIELDS, type DerivedFacts, type EvalInput } from './rules/fields.js';
export { runRuleTests, type RuleTestOptions, type RuleTestResult, type RuleTestAlert, type ToEnriched } from '../../tools/rule-tests/run-rule-tests.js';
export type { CaseEvent, CaseActor, CaseContext } from '../../tools/rule-tests/case-events.js';
export { alertIdFor } from './alerts/alert-id.js';
