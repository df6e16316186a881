/** The one-line picture of a configuration that `custos check` ends with and `custos run` logs at start. */
import type { ActorDirectory } from '../enrich/actor-directory.js';
import type { RuleSet } from '../engine/index.js';
import { figure } from './findings.js';

export interface ConfigurationSummary {
  readonly roles: number;
  readonly actors: number;
  /** Actors per directory role, most first. */
  readonly actorsPerRole: readonly (readonly [string, number])[];
  readonly zones: number;
  readonly policyRules: number;
  readonly rateRules: number;
  readonly scoreRules: number;
  readonly exceptions: number;
  readonly testCases: number;
}

export function summarize(ruleSet: RuleSet | undefined, directory: ActorDirectory | undefined, zoneNames: readonly string[] | undefined): ConfigurationSummary {
  const perRole = new Map<string, number>();
  for (const a of directory?.values() ?? []) perRole.set(a.role, (perRole.get(a.role) ?? 0) + 1);
  return {
    roles: ruleSet?.roles.size ?? 0,
    actors: directory?.size ?? 0,
    actorsPerRole: [...perRole.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    zones: zoneNames?.length ?? 0,
    policyRules: ruleSet?.policyRules.length ?? 0,
    rateRules: ruleSet?.rateRules.length ?? 0,
    scoreRules: ruleSet?.scoreRules.length ?? 0,
    exceptions: ruleSet?.exceptions.length ?? 0,
    testCases: ruleSet?.tests.length ?? 0,
  };
}

export function summaryLine(s: ConfigurationSummary): string {
  const perRole = s.actorsPerRole.map(([role, n]) => `${role} ${figure(n)}`).join(', ');
  return (
    `${figure(s.roles)} roles; ${figure(s.actors)} actors${perRole === '' ? '' : ` (${perRole})`}; ${figure(s.zones)} zones; ` +
    `${figure(s.policyRules + s.rateRules + s.scoreRules)} rules (${figure(s.policyRules)} policy, ${figure(s.rateRules)} rate, ${figure(s.scoreRules)} score); ` +
    `${figure(s.exceptions)} exceptions; ${figure(s.testCases)} test cases`
  );
}
