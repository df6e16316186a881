/**
 * When an actor's alerts were open, in event time, and whether a bucket lay
 * under one: such a bucket is stored with `under_alert`, and baselines with
 * `exclude_alerted` leave it out (baseline/history.ts).
 */

/** Event time an alert of the actor was open: from its first finding to its closing instant. */
export interface AlertSpan {
  readonly from: number;
  readonly to: number;
}

export const NO_SPANS: readonly AlertSpan[] = [];

/** Whether an alert was open during [start, end). */
export function openDuring(spans: readonly AlertSpan[], start: number, end: number): boolean {
  for (const s of spans) if (s.from < end && s.to > start) return true;
  return false;
}
