/**
 * `custos bench detection`: the detection-quality benchmark (a command, not a
 * timed test). Runs simulator → decode → enrich → engine in process per seed
 * (or, with --live, simulator → Kafka → the monitor → ClickHouse), prints
 * per-seed and aggregated figures and whether the goals are met.
 * Exit code 0 unless --strict is given and a goal is not met.
 */
import { writeFileSync } from 'node:fs';
import { aggregateReport, detectionsReport, falseAlertBreakdown, falseAlertsReport, missedReport, perSeedTable } from '../tools/bench/detection/report.js';
import { type LiveEndpoints, runDetectionLive } from '../tools/bench/detection/live.js';
import { type DetectionRunResult, runDetection } from '../tools/bench/detection/run.js';
import { aggregate, scoreRun } from '../tools/bench/detection/scoring.js';
import type { IncidentScenario } from '../tools/sim/types.js';

export interface BenchDetectionOptions {
  readonly seeds: readonly number[];
  readonly actors?: number;
  readonly days?: number;
  readonly start?: string;
  readonly historyDays?: number;
  readonly incidents: IncidentScenario;
  readonly rules: string;
  readonly json?: string;
  readonly falseAlerts: number;
  readonly strict: boolean;
  readonly quiet: boolean;
  /** List every incident with the rule and explanation of its first detection. */
  readonly detections?: boolean;
  /** Through the live pipeline on these services instead of in process. */
  readonly live?: LiveEndpoints;
}

export async function benchDetectionCommand(o: BenchDetectionOptions): Promise<number> {
  const results: DetectionRunResult[] = [];
  for (const seed of o.seeds) {
    const runOptions = {
      seed,
      ...(o.actors !== undefined && { actors: o.actors }),
      ...(o.days !== undefined && { days: o.days }),
      ...(o.start !== undefined && { start: o.start }),
      ...(o.historyDays !== undefined && { historyDays: o.historyDays }),
      incidents: o.incidents,
      rulesDir: o.rules,
      ...(!o.quiet && { onProgress: (n: number) => process.stderr.write(`\rseed ${seed}: ${n} events`) }),
    };
    const res = o.live ? await runDetectionLive(runOptions, o.live) : runDetection(runOptions);
    if (!o.quiet) process.stderr.write(`\rseed ${seed}: ${res.events} events in ${(res.totalMs / 1000).toFixed(1)} s\n`);
    if (res.rejected > 0) console.warn(`seed ${seed}: ${res.rejected} events rejected by decode, e.g. ${res.rejectionSample.join('; ')}`);
    results.push(res);
  }
  const runs = results.map((r) => scoreRun(r.labels, r.updates));
  const agg = aggregate(runs);
  console.log('\nPer seed (incident columns: detected/total and worst time to detect)');
  console.log(perSeedTable(runs, results));
  console.log('\nAggregated');
  console.log(aggregateReport(agg, results));
  if (o.detections) console.log(`\nEvery incident: first detection (rule, explanation)\n${detectionsReport(runs)}`);
  const missed = missedReport(runs, results);
  if (missed) console.log(`\nMisses, late detections and alerted look-alikes\n${missed}`);
  if (o.falseAlerts > 0) {
    const fa = falseAlertsReport(runs, o.falseAlerts);
    if (fa) console.log(`\nFalse alerts in the evaluation period (first ${o.falseAlerts})\n${fa}`);
  }
  const breakdown = falseAlertBreakdown(runs, (seed, id) => results.find((r) => r.seed === seed)?.actors.get(id));
  if (breakdown) console.log(`\nFalse alerts in the evaluation period by rule, role and status\n${breakdown}`);
  if (o.json) {
    writeFileSync(
      o.json,
      `${JSON.stringify(
        {
          aggregate: agg,
          runs: runs.map((r, i) => ({ ...r, events: results[i]?.events, totalMs: results[i]?.totalMs, pipelineMs: results[i]?.pipelineMs })),
        },
        null,
        2,
      )}\n`,
    );
  }
  const ok = agg.goals.recall && agg.goals.precision && agg.goals.false_rate && agg.goals.in_time;
  console.log(`\ngoals ${ok ? 'met' : 'NOT met'}`);
  return o.strict && !ok ? 1 : 0;
}
