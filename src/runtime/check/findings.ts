/** What `custos check` (and `custos run` at start) reports: located problems, each an error or a warning. */
import { formatProblem, type SourceProblem } from '../../util/source-error.js';

export type CheckSeverity = 'error' | 'warning';

export interface CheckFinding extends SourceProblem {
  /** error: the monitor refuses to start; warning: it starts, and logs it once. */
  readonly severity: CheckSeverity;
}

export const error = (p: SourceProblem): CheckFinding => ({ ...p, severity: 'error' });
export const warning = (p: SourceProblem): CheckFinding => ({ ...p, severity: 'warning' });

export function formatFinding(f: CheckFinding): string {
  return `${f.severity}: ${formatProblem(f)}`;
}

/** `10,000`: figures in messages read like the alerts' own. */
export const figure = (n: number): string => n.toLocaleString('en-US');
