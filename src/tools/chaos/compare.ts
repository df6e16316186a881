/**
 * Pure comparisons of what two runs produced, and of what a receiver got.
 * No I/O: unit-tested on their own.
 */
import { isDeepStrictEqual } from 'node:util';
import { groupCutoffOf } from '../../runtime/engine/baseline/history.js';

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
/**
 * The usual level (and its log) and the ratio to it: the prior's own figures where it decided the
 * window. The explanation names the decider `baseline_source`; the state keeps it as `decision.source`
 * beside `decision.usual` and `decision.logUsual`.
 */
const USUAL_PATH = /^(\w+)((?:\.\w+)*\.windows\.\d+)(?:\.(usual|ratio)|\.decision\.(usual|logUsual))$/;

/**
 * Why a differing alert is the limit ARCHITECTURE.md ("Determinism") documents,
 * or null: its actor is on another partition than the late one, its first
 * event read group baselines as of a cutoff after the late partition's first
 * message held back (so they could lack its rows), and only figures of the
 * organisation-wide prior, and the limit they set, differ (at least one of the
 * prior's own; where the prior decided a window, also its usual level and the
 * ratio to it). Such
 * an alert was judged while that partition's later events did not exist yet
 * (they were produced afterwards), which no consumer can wait for; the clean
 * run read everything at once. Anything else is a defect.
 */
export function documentedDifference(reference: Record<string, unknown>, other: Record<string, unknown>, lag: LagContext): string | null {
  const verdict = judgeDifference(reference, other, lag);
  return verdict.documented ? verdict.reason : null;
}

/** documentedDifference's verdict with its reason either way: why an alert is the documented limit, or why not (for the report). */
export function judgeDifference(reference: Record<string, unknown>, other: Record<string, unknown>, lag: LagContext): { readonly documented: boolean; readonly reason: string } {
  const no = (reason: string) => ({ documented: false, reason });
  const actor = String(other.actor_id);
  const partition = lag.partitionOf(actor);
  if (partition === undefined) return no(`actor ${actor} is on no known partition`);
  if (partition === lag.lagging) return no(`actor ${actor} is on the late partition ${partition} itself`);
  const cutoff = groupCutoffOf(Number(other.first_event_ts_ms), lag.groupMarginMs);
  if (!(cutoff > lag.heldFromTs)) return no(`actor ${actor}'s first event read group baselines as of ${isoOrText(cutoff)}, not after the hold at ${isoOrText(lag.heldFromTs)}`);
  // Each field parsed once (explanation and state are JSON text), for the comparison and the paths alike.
  const parsed = new Map<string, readonly [unknown, unknown]>();
  for (const k of new Set([...Object.keys(reference), ...Object.keys(other)])) {
    const pair = [normalised(reference[k]), normalised(other[k])] as const;
    if (!isDeepStrictEqual(pair[0], pair[1])) parsed.set(k, pair);
  }
  const fields = [...parsed.keys()];
  if (fields.length === 0) return no('nothing differs');
  const others = fields.filter((f) => !BASELINE_FIELDS.has(f));
  if (others.length > 0) return no(`fields beyond the baselines' figures differ: ${others.join(', ')}`);
  // Every path, not the first 12 the report prints.
  const paths: string[] = [];
  for (const [f, [a, b]] of parsed) differences(a, b, f, paths, Number.POSITIVE_INFINITY);
  const names = paths.map((p) => p.slice(0, p.indexOf(': ')));
  const decidedByOrg = (p: string): boolean => {
    const m = USUAL_PATH.exec(p);
    if (m === null) return false;
    const [, field, windowPath, , stateFigure] = m as unknown as [string, string, string, string | undefined, string | undefined];
    const keys = windowPath.slice(1).split('.');
    const [holder, decider] = stateFigure === undefined ? [keys, 'baseline_source'] : [[...keys, 'decision'], 'source'];
    const pair = parsed.get(field);
    return pair !== undefined && pair.every((v) => (valueAt(v, holder) as Record<string, unknown> | undefined)?.[decider] === 'org');
  };
  if (!names.some((p) => ORG_PATH.test(p))) return no('no figure of the organisation-wide prior differs');
  const unexplained = names.filter((p) => !ORG_PATH.test(p) && !LIMIT_PATH.test(p) && !decidedByOrg(p));
  if (unexplained.length > 0) return no(`figures the organisation-wide prior does not set differ: ${unexplained.slice(0, 4).join(', ')}${unexplained.length > 4 ? ', ...' : ''}`);
  return {
    documented: true,
    reason: `actor ${actor} (partition ${partition}) was judged against the organisation-wide prior as of ${new Date(cutoff).toISOString()}, after ${new Date(lag.heldFromTs).toISOString()}, while partition ${lag.lagging}'s events from then on were not produced yet: the documented limit (ARCHITECTURE.md, Determinism)`,
  };
}

const isoOrText = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

/** The value at a path of keys (array indexes as text) in parsed JSON; undefined where there is none. */
function valueAt(v: unknown, keys: readonly string[]): unknown {
  let at = v;
  for (const k of keys) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[k];
  }
  return at;
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
