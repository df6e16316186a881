/**
 * Pure comparisons of what two runs produced, and of what a receiver got.
 * No I/O: unit-tested on their own.
 */
import { isDeepStrictEqual } from 'node:util';

export interface AlertDiff {
  /** Alerts of the reference run the other run lacks. */
  readonly missing: readonly string[];
  /** Alerts only the other run has. */
  readonly extra: readonly string[];
  /** Alerts both have whose final revisions differ, with the fields that differ and (some of) the paths inside them. */
  readonly differing: readonly { readonly alertId: string; readonly fields: readonly string[]; readonly paths: readonly string[] }[];
}

export function diffAlerts(reference: ReadonlyMap<string, Record<string, unknown>>, other: ReadonlyMap<string, Record<string, unknown>>): AlertDiff {
  const missing = [...reference.keys()].filter((id) => !other.has(id)).sort();
  const extra = [...other.keys()].filter((id) => !reference.has(id)).sort();
  const differing: { alertId: string; fields: string[]; paths: string[] }[] = [];
  for (const [id, a] of reference) {
    const b = other.get(id);
    if (b === undefined) continue;
    const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(normalised(a[k]), normalised(b[k]))).sort();
    if (fields.length === 0) continue;
    const paths: string[] = [];
    for (const f of fields) differences(normalised(a[f]), normalised(b[f]), f, paths);
    differing.push({ alertId: id, fields, paths: paths.slice(0, 12) });
  }
  differing.sort((x, y) => x.alertId.localeCompare(y.alertId));
  return { missing, extra, differing };
}

export function alertsEqual(d: AlertDiff): boolean {
  return d.missing.length === 0 && d.extra.length === 0 && d.differing.length === 0;
}

/** Paths (and both values) where two JSON values differ, depth first. */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 12 || isDeepStrictEqual(a, b)) return;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
    return;
  }
  out.push(`${path}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`);
}

/** JSON text (explanation, state) compares as the value it holds. */
function normalised(v: unknown): unknown {
  if (typeof v !== 'string' || (!v.startsWith('{') && !v.startsWith('['))) return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

export interface Delivery {
  readonly alertId: string;
  readonly revision: number;
  readonly webhookId: string;
}

export interface DeliveryCheck {
  /** Notify revisions stored that the receiver never got. */
  readonly undelivered: readonly string[];
  /** Messages (webhook-ids) the receiver got more than once. */
  readonly duplicated: number;
  /** Alerts whose revisions first arrived out of revision order, e.g. `al-1: r3 before r2`. */
  readonly outOfOrder: readonly string[];
}

/** `arrivals` in arrival order; `expected` as `alert_id#revision`. */
export function checkDeliveries(arrivals: readonly Delivery[], expected: ReadonlySet<string>): DeliveryCheck {
  const seen = new Set<string>();
  let duplicated = 0;
  const counted = new Set<string>();
  const lastRevision = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const a of arrivals) {
    if (seen.has(a.webhookId)) {
      if (!counted.has(a.webhookId)) duplicated++;
      counted.add(a.webhookId);
      continue;
    }
    seen.add(a.webhookId);
    const last = lastRevision.get(a.alertId);
    if (last !== undefined && a.revision < last) outOfOrder.push(`${a.alertId}: r${last} before r${a.revision}`);
    lastRevision.set(a.alertId, Math.max(last ?? 0, a.revision));
  }
  const got = new Set(arrivals.map((a) => `${a.alertId}#${a.revision}`));
  const undelivered = [...expected].filter((k) => !got.has(k)).sort();
  return { undelivered, duplicated, outOfOrder };
}
