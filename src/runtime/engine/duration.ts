/** Durations written in rule files: `500ms`, `30s`, `5m`, `1h`, `24h`, `28d`. */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** Milliseconds of a duration string, or null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = DURATION_PATTERN.exec(text);
  if (m === null) return null;
  const unit = UNIT_MS[m[2] as string];
  return unit === undefined ? null : Number(m[1]) * unit;
}

/** The shortest exact label of a duration (`300000` → `5m`, `86400000` → `24h`). */
export function formatDuration(ms: number): string {
  // Windows of several whole days read as days (7d); a day stays 24h, as rules write it.
  if (ms % 86_400_000 === 0 && ms >= 2 * 86_400_000) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0 && ms >= 1_000) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
