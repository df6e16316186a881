/** Plain-text tables of detection-quality figures. */
import { ALL_INCIDENT_TYPES } from '../../sim/types.js';
import { type AggregateScore, GOALS, type RunScore } from './scoring.js';
import type { DetectionRunResult } from './run.js';
import { describeClosest } from './closest.js';
import { table } from '../../../util/text-table.js';

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)}m`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

const pct = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
const SHORT: Record<string, string> = {
  bulk_export_forbidden_role: 'bulk_export',
  slow_scrape: 'slow_scrape',
  terminated_access: 'terminated',
  burst_over_baseline: 'burst',
  offhours_unknown_network: 'offhours_unkn',
  moderate_burst: 'mod_burst',
  multi_day_scrape: 'multiday',
  offhours_allowed_network: 'offhours_ok',
  weekend_allowed_channel: 'weekend',
  dormant_wakeup: 'dormant',
  peer_relative_rise: 'rise',
  first_seen_resource_volume: 'new_res',
  export_spree: 'exports',
};

export function perSeedTable(runs: readonly RunScore[], results: readonly DetectionRunResult[]): string {
  const planted = new Set(runs.flatMap((r) => r.incidents.map((i) => i.type)));
  const INCIDENT_TYPES = ALL_INCIDENT_TYPES.filter((t) => planted.has(t));
  const headers = [
    'seed',
    ...INCIDENT_TYPES.map((t) => SHORT[t] ?? t),
    'alerts',
    'tp',
    'lookalike',
    'benign',
    'warmup',
    'merges',
    'precision',
    'fp/1k ad',
    'events',
    'ev/s',
  ];
  const rows = runs.map((r, i) => {
    const res = results[i];
    return [
      String(r.seed),
      ...INCIDENT_TYPES.map((t) => {
        const inc = r.incidents.filter((x) => x.type === t);
        const det = inc.filter((x) => x.detected).length;
        const ttd = inc.map((x) => x.ttd_ms).filter((x): x is number => x !== null);
        return `${det}/${inc.length} ${duration(ttd.length > 0 ? Math.max(...ttd) : null)}`;
      }),
      String(r.counts.incident + r.counts.lookalike + r.counts.benign),
      String(r.counts.incident),
      String(r.counts.lookalike),
      String(r.counts.benign),
      String(r.counts.warmup),
      String(r.merges.total),
      pct(r.precision),
      r.false_per_1000_actor_days.toFixed(2),
      String(res?.events ?? ''),
      res ? String(Math.round(res.events / (res.totalMs / 1000))) : '',
    ];
  });
  return table(headers, rows);
}

export function aggregateReport(agg: AggregateScore, results: readonly DetectionRunResult[]): string {
  const out: string[] = [];
  out.push(
    table(
      ['incident type', 'detected', 'recall', 'in window', 'ttd median', 'ttd max', 'window', 'alerts/inc', 'goal'],
      agg.byType.map((t) => [
        t.type,
        `${t.detected}/${t.total}`,
        pct(t.recall),
        `${t.in_time}/${t.total}`,
        duration(t.ttd_median_ms),
        duration(t.ttd_max_ms),
        duration(t.window_ms),
        t.alerts_per_detected === null ? '-' : t.alerts_per_detected.toFixed(1),
        t.recall >= GOALS.recall && t.in_time === t.total ? 'met' : 'NOT met',
      ]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['look-alike', 'alerted', 'violations (alerts)', 'goal'],
      agg.lookalikes.map((l) => [l.type, `${l.alerted}/${l.total}`, String(l.alerts), l.alerted === 0 ? 'met' : 'NOT met']),
    ),
  );
  out.push('');
  const rules = Object.entries(agg.byRule).sort((a, b) => a[0].localeCompare(b[0]));
  out.push(
    table(
      ['rule', 'incident', 'look-alike', 'benign', 'warm-up', 'merges'],
      rules.map(([rule, c]) => [rule, String(c.incident), String(c.lookalike), String(c.benign), String(c.warmup), String(c.merges)]),
    ),
  );
  out.push('');
  const events = results.reduce((s, r) => s + r.events, 0);
  const totalMs = results.reduce((s, r) => s + r.totalMs, 0);
  const pipeMs = results.reduce((s, r) => s + r.pipelineMs, 0);
  const rejected = results.reduce((s, r) => s + r.rejected, 0);
  const evalAlerts = agg.counts.incident + agg.counts.lookalike + agg.counts.benign;
  out.push(`seeds ${agg.seeds.join(',')}`);
  out.push(
    `alerts (evaluation period, distinct alert ids that notified): ${evalAlerts} = ${agg.counts.incident} incident + ${agg.counts.lookalike} on look-alikes + ${agg.counts.benign} other benign; warm-up (history) alerts ${agg.counts.warmup}`,
  );
  out.push(`follow-up merges (notify:false): ${agg.merges.total}, of which into incident alerts ${agg.merges.into_incident_alerts}`);
  out.push(
    `precision ${pct(agg.precision)} (goal ≥ ${GOALS.precision}: ${agg.goals.precision ? 'met' : 'NOT met'}); incl. warm-up alerts ${pct(agg.precision_incl_warmup)}`,
  );
  out.push(
    `false alerts per 1,000 benign actor-days ${agg.false_per_1000_actor_days.toFixed(2)} over ${agg.benign_actor_days_eval} actor-days (goal ≤ ${GOALS.falsePer1000}: ${agg.goals.false_rate ? 'met' : 'NOT met'}); incl. warm-up ${agg.false_per_1000_actor_days_incl_warmup.toFixed(2)}`,
  );
  out.push(`recall ≥ ${GOALS.recall} for every type: ${agg.goals.recall ? 'met' : 'NOT met'}; every incident within one window: ${agg.goals.in_time ? 'met' : 'NOT met'}`);
  out.push(
    `events ${events} (${rejected} rejected by decode) in ${(totalMs / 1000).toFixed(1)} s: ${Math.round(events / (totalMs / 1000))} events/s end to end, ${Math.round(events / (pipeMs / 1000))} events/s ${results[0]?.pipelineLabel ?? 'decode+enrich+engine'}`,
  );
  return out.join('\n');
}

/**
 * Misses, late detections and alerted look-alikes. `closest` (in process): a
 * missed incident's closest approach, the line under it, so a miss says which
 * limit it stayed under and by how much, and the incident's own description.
 */
export function missedReport(runs: readonly RunScore[], results: readonly DetectionRunResult[] = []): string {
  const lines: string[] = [];
  for (const r of runs) {
    const result = results.find((x) => x.seed === r.seed);
    for (const i of r.incidents) {
      if (!i.detected) {
        lines.push(`seed ${r.seed}: MISSED ${i.id} actor=${i.actor_id}${i.merged_only ? ' (only merged into an older alert)' : ''}`);
        const closest = result?.closest?.get(i.id);
        const label = result?.labels.incidents.find((x) => x.id === i.id);
        if (label !== undefined && closest !== undefined) lines.push(`    ${label.description}\n    closest: ${describeClosest(closest)}`);
      }
      else if (!i.in_time) lines.push(`seed ${r.seed}: LATE ${i.id} actor=${i.actor_id} ttd=${duration(i.ttd_ms)} rule=${i.first_rule}: ${i.first_summary ?? ''}`);
    }
    for (const l of r.lookalikes) if (l.alerted) lines.push(`seed ${r.seed}: LOOK-ALIKE ALERTED ${l.id} actor=${l.actor_id} rules=${l.rules.join(',')}`);
  }
  return lines.join('\n');
}

/** False alerts of the evaluation period (look-alike and other benign), then a breakdown by role and status. */
export function falseAlertsReport(runs: readonly RunScore[], limit = 30): string {
  const lines: string[] = [];
  let more = 0;
  for (const r of runs) {
    for (const a of r.alerts) {
      if (a.cls !== 'benign' && a.cls !== 'lookalike') continue;
      if (lines.length >= limit) {
        more++;
        continue;
      }
      lines.push(`seed ${r.seed} ${a.cls.padEnd(9)} ${new Date(a.at).toISOString()} ${a.rule_id} actor=${a.actor_id}: ${a.summary}`);
    }
  }
  if (more > 0) lines.push(`... and ${more} more`);
  return lines.join('\n');
}

/** Distinct false alerts of the evaluation period by rule and the actor's role / employment status. */
export function falseAlertBreakdown(
  runs: readonly RunScore[],
  actorInfo: (seed: number, actorId: string) => { role: string; status: string } | undefined,
): string {
  const counts = new Map<string, number>();
  for (const r of runs) {
    for (const a of r.alerts) {
      if (a.cls !== 'benign' && a.cls !== 'lookalike') continue;
      const info = actorInfo(r.seed, a.actor_id);
      const key = `${a.rule_id}|${info?.role ?? '?'}|${info?.status ?? '?'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const rows = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => [...k.split('|'), String(n)]);
  return rows.length > 0 ? table(['rule', 'role', 'status', 'false alerts'], rows) : '';
}

/** Every incident, one line: detected or not, time to detect, the deciding rule and the alert's summary. */
export function detectionsReport(runs: readonly RunScore[]): string {
  const lines: string[] = [];
  for (const r of runs) {
    for (const i of r.incidents) {
      lines.push(
        i.detected
          ? `seed ${r.seed} ${i.id} actor=${i.actor_id} ttd=${duration(i.ttd_ms)}${i.in_time ? '' : ' (late)'} ${i.first_rule}: ${i.first_summary ?? ''}`
          : `seed ${r.seed} ${i.id} actor=${i.actor_id} MISSED`,
      );
    }
  }
  return lines.join('\n');
}
