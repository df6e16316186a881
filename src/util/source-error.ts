import { CustosError } from '../errors.js';

/** A problem in a user-supplied file, located precisely enough to fix it. */
export interface SourceProblem {
  readonly file: string;
  /** 1-based line, when known. */
  readonly line: number | null;
  readonly reason: string;
}

/** Thrown when a rules, list or enrichment file cannot be used; lists every problem found. */
export class InvalidSourceError extends CustosError {
  constructor(readonly problems: readonly SourceProblem[]) {
    super('CUSTOS_INVALID_SOURCE', problems.map(formatProblem).join('\n'));
    this.name = 'InvalidSourceError';
  }
}

export function formatProblem(p: SourceProblem): string {
  return `${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.reason}`;
}
