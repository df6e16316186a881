/** `custos run` refuses to start on the errors `custos check` reports: one error, every finding listed. */
import { CustosError } from '../../errors.js';
import { formatFinding, type CheckFinding } from './findings.js';

export class ConfigurationCheckError extends CustosError {
  readonly problems: readonly string[];

  constructor(findings: readonly CheckFinding[]) {
    const problems = findings.map(formatFinding);
    super('CUSTOS_CHECK', `configuration check failed (run \`custos check\` for the full report):\n  ${problems.join('\n  ')}`);
    this.problems = problems;
    this.name = 'ConfigurationCheckError';
  }
}
