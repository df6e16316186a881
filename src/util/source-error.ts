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

/**
 * One problem for each distinct reason in a file, with the other lines it
 * occurs on: a column left empty in a 200-row export is one line to read,
 * not 200 identical ones. Order: first occurrence.
 */
export function foldRepeatedProblems(problems: readonly SourceProblem[], listLines = 10): SourceProblem[] {
  const groups = new Map<string, { first: SourceProblem; more: (number | null)[] }>();
  for (const p of problems) {
    const key = `${p.file}\u0000${p.reason}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { first: p, more: [] });
    else g.more.push(p.line);
  }
  return [...groups.values()].map(({ first, more }) => {
    if (more.length === 0) return first;
    const lines = more.filter((l): l is number => l !== null);
    const shown = lines.slice(0, listLines).join(', ') + (lines.length > listLines ? ', ...' : '');
    const rows = more.length === 1 ? 'row' : 'rows';
    return { ...first, reason: `${first.reason} (and ${more.length} more ${rows} like it${lines.length > 0 ? `: lines ${shown}` : ''})` };
  });
}
