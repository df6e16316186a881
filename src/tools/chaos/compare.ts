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

/** What the chaos run knows of the late partition, to tell a documented difference from a defect. */
export interface LagContext {
  /** The partition produced late. */
  readonly lagging: number;
  /** Event time of its first message held back at the producer. */
  readonly heldFromTs: number;
  /** Each actor's partition. */
  readonly partitionOf: (actorId: string) => number | undefined;
  /** The rules' group_baseline_margin: group baselines of an event are read as of its UTC day's start less it. */
  readonly groupMarginMs: number;
}

/** Alert fields a group baseline's figures reach (the limit, and the text and state that quote it). */
const BASELINE_FIELDS = new Set(['explanation', 'state', 'summary', 'baseline']);
/**
 * The organisation-wide prior's figures: the one baseline that spans partitions. Peers and roles
 * do not (the scenario keeps each role on one partition), so a difference there is a defect.
 */
const ORG_PATH = /\.org\./;
/** What the limit an organisation prior set reaches: the window's limit and its derived figures, the text. */
const LIMIT_PATH = /\.windows\.\d+\.(decision\.)?(limit|spread|robust_z|baseline)$|^(summary|baseline)$/;
const DAY_MS = 86_400_000;

/**
 * Why a differing alert is the limit ARCHITECTURE.md ("Determinism") documents,
 * or null: its actor is on another partition than the late one, its first
 * event read group baselines as of a cutoff after the late partition's first
 * message held back (so they could lack its rows), and only figures of the
 * organisation-wide prior, and the limit they set, differ (at least one of the
 * prior's own). Such
 * an alert was judged while that partition's later events did not exist yet
 * (they were produced afterwards), which no consumer can wait for; the clean
 * run read everything at once. Anything else is a defect.
 */
export function documentedDifference(reference: Record<string, unknown>, other: Record<string, unknown>, lag: LagContext): string | null {
  const actor = String(other.actor_id);
  const partition = lag.partitionOf(actor);
  if (partition === undefined || partition === lag.lagging) return null;
  const first = Number(other.first_event_ts_ms);
  const cutoff = first - (((first % DAY_MS) + DAY_MS) % DAY_MS) - lag.groupMarginMs;
  if (!(cutoff > lag.heldFromTs)) return null;
  const fields = [...new Set([...Object.keys(reference), ...Object.keys(other)])].filter((k) => !isDeepStrictEqual(normalised(reference[k]), normalised(other[k])));
  if (fields.length === 0 || !fields.every((f) => BASELINE_FIELDS.has(f))) return null;
  // Every path, not the first 12 the report prints.
  const paths: string[] = [];
  for (const f of fields) differences(normalised(reference[f]), normalised(other[f]), f, paths, Number.POSITIVE_INFINITY);
  const names = paths.map((p) => p.slice(0, p.indexOf(': ')));
  if (!names.some((p) => ORG_PATH.test(p)) || !names.every((p) => ORG_PATH.test(p) || LIMIT_PATH.test(p))) return null;
  return `actor ${actor} (partition ${partition}) was judged against the organisation-wide prior as of ${new Date(cutoff).toISOString()}, after ${new Date(lag.heldFromTs).toISOString()}, while partition ${lag.lagging}'s events from then on were not produced yet: the documented limit (ARCHITECTURE.md, Determinism)`;
}

export function alertsEqual(d: AlertDiff): boolean {
  return d.missing.length === 0 && d.extra.length === 0 && d.differing.length === 0;
}

/** Paths (and both values) where two JSON values differ, depth first. */
function differences(a: unknown, b: unknown, path: string, out: string[], limit = 12): void {
  if (out.length >= limit || isDeepStrictEqual(a, b)) return;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out, limit);
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
