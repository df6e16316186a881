/**
 * The known name closest to a mistyped one (Levenshtein distance), to say
 * "did you mean CUSTOS_WEBHOOK_SECRET?" instead of only "unknown". No
 * dependency of custos offers this, and it is a dozen lines.
 */

/** Edits (insert, delete, substitute one character) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate nearest to `name`, or null when even the nearest needs more
 * edits than a third of the name's length (then it is no typo of anything).
 */
export function nearestName(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.ceil(name.length / 3)) ? best : null;
}

/** "; did you mean `a`, `b`?" for the names among `given` with a near candidate, or '' for none. */
export function didYouMean(given: readonly string[], candidates: readonly string[]): string {
  const near = given.map((g) => nearestName(g, candidates)).filter((n): n is string => n !== null);
  return near.length > 0 ? `; did you mean ${near.map((n) => `\`${n}\``).join(', ')}?` : '';
}
