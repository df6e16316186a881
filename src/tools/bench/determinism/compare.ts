/**
 * Compares the final alert revisions (and activity rows) of several runs over
 * the same input: which alert ids each run has, and for the ids they share,
 * which fields of the final revision differ.
 */
import type { Alert, AlertRevision } from '../../../model/alert.js';

/** An alert's final revision with what cannot be compared across runs removed (database name, query). */
export type ComparableAlert = Omit<AlertRevision, 'explanation'> & { readonly explanation: string };

export interface RunAlerts {
  readonly label: string;
  /** Rows in `alerts` (every stored revision); -1 for an in-process run. */
  readonly revisionRows: number;
  readonly alerts: readonly ComparableAlert[];
  /** Activity rows, each a JSON line of the compared columns. */
  readonly activity: readonly string[];
}

export function normaliseAlert(a: AlertRevision | Alert, database: string): ComparableAlert {
  const { explanation, ...rest } = a;
  const { query: _query, ...revision } = rest as typeof rest & { query?: string };
  return { ...revision, explanation: JSON.stringify(explanation).split(database).join('<db>') };
}

/** Fields compared, in report order (status separately: a replay lets time run out, a drained monitor does not). */
const FIELDS = [
  'rule_id', 'severity', 'tier', 'revision', 'observed', 'baseline', 'baseline_source', 'window_label', 'window_start', 'window_end',
  'first_event_ts', 'last_event_ts', 'event_count', 'suppressed_count', 'summary', 'explanation',
] as const;

export function diffAlert(a: ComparableAlert, b: ComparableAlert): string[] {
  const out: string[] = [];
  for (const f of FIELDS) {
    const x = JSON.stringify(a[f]);
    const y = JSON.stringify(b[f]);
    if (x !== y) out.push(f === 'explanation' || f === 'summary' ? f : `${f}: ${x} → ${y}`);
  }
  return out;
}

export function compareRuns(runs: readonly RunAlerts[]): string {
  const lines: string[] = [];
  const ids = new Set<string>();
  for (const r of runs) for (const a of r.alerts) ids.add(a.alert_id);
  lines.push('', 'run                              revision rows  alerts');
  for (const r of runs) lines.push(`${r.label.padEnd(32)} ${String(r.revisionRows).padStart(13)}  ${r.alerts.length}`);
  const byRun = runs.map((r) => new Map(r.alerts.map((a) => [a.alert_id, a])));
  lines.push('', 'alert                               rule                                 ' + runs.map((_, i) => `r${i}`.padEnd(4)).join(''));
  for (const id of [...ids].sort()) {
    const any = byRun.find((m) => m.has(id))?.get(id) as ComparableAlert;
    const marks = byRun.map((m) => (m.has(id) ? 'x' : '-').padEnd(4)).join('');
    lines.push(`${id.slice(0, 34).padEnd(36)}${any.rule_id.slice(0, 36).padEnd(37)}${marks} ${any.actor_id} first ${new Date(any.first_event_ts).toISOString()}`);
  }
  lines.push('', 'field differences of shared alerts (against the first run that has the alert):');
  let differing = 0;
  for (const id of [...ids].sort()) {
    let ref: ComparableAlert | undefined;
    let refRun = -1;
    for (const [i, m] of byRun.entries()) {
      const a = m.get(id);
      if (a === undefined) continue;
      if (ref === undefined) {
        ref = a;
        refRun = i;
        continue;
      }
      const d = diffAlert(ref, a);
      if (d.length > 0) {
        differing++;
        lines.push(`  ${id} r${refRun} vs r${i}: ${d.join('; ')}`);
      }
    }
  }
  if (differing === 0) lines.push('  none');
  const base = new Set(runs[1]?.activity ?? []);
  lines.push('', 'activity rows (against r1): ');
  for (const [i, r] of runs.entries()) {
    const mine = new Set(r.activity);
    let onlyMine = 0;
    for (const x of mine) if (!base.has(x)) onlyMine++;
    let onlyBase = 0;
    for (const x of base) if (!mine.has(x)) onlyBase++;
    lines.push(`  r${i} ${r.label}: ${r.activity.length} rows, ${onlyMine} not in r1, ${onlyBase} of r1 missing`);
  }
  return lines.join('\n') + '\n';
}
