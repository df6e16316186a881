/**
 * Which rules an alert is about. The alert is named after one rule
 * (`rule_id`); when the engine correlates several rules' findings into one
 * alert per actor, its explanation lists every finding with its `rule_id`.
 * Both are read here, so counting and comparing work whether an alert holds
 * one rule's verdict or several.
 */
import type { Alert } from '../../model/alert.js';

/** The alert's rule first, then the rule of every finding listed in its explanation, each once. */
export function findingRules(alert: Alert): string[] {
  const rules = [alert.rule_id];
  const findings = alert.explanation.findings;
  if (Array.isArray(findings)) {
    for (const f of findings) {
      const id = typeof f === 'object' && f !== null ? (f as { rule_id?: unknown }).rule_id : undefined;
      if (typeof id === 'string' && !rules.includes(id)) rules.push(id);
    }
  }
  return rules;
}
