/**
 * Detection-quality benchmark (a command, not a timed test):
 *
 *   node dist/bench/detection/main.js --seeds 1,2,3,4,5 [--actors 300] [--days 28]
 *        [--start 2026-03-09] [--history-days 14] [--rules rules] [--json out.json] [--false-alerts N] [--strict]
 *
 * Runs simulator → decode → enrich → engine in process per seed, prints per-seed
 * and aggregated figures and whether the goals are met. Exit code 0 unless
 * --strict is given and a goal is not met (or a run fails).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseIncidentsArg } from '../../sim/args.js';
import { aggregateReport, falseAlertBreakdown, falseAlertsReport, missedReport, perSeedTable } from './report.js';
import { type DetectionRunResult, runDetection } from './run.js';
import { aggregate, scoreRun } from './scoring.js';

const USAGE = `usage: bench:detection [--seeds 1,2,3,4,5] [--actors 300] [--days 28] [--start YYYY-MM-DD] [--history-days 14]
                       [--incidents default|type,type|@specs.json] [--rules DIR] [--json FILE]
                       [--false-alerts N] [--strict] [--quiet]`;

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '1,2,3,4,5' },
      actors: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      'history-days': { type: 'string' },
      incidents: { type: 'string' },
      rules: { type: 'string', default: 'rules' },
      json: { type: 'string' },
      'false-alerts': { type: 'string', default: '20' },
      strict: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seeds = values.seeds.split(',').map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s))) {
    console.error(`--seeds must be a comma list of integers\n${USAGE}`);
    return 2;
  }
  const results: DetectionRunResult[] = [];
  for (const seed of seeds) {
    const res = runDetection({
      seed,
      ...(values.actors !== undefined && { actors: Number(values.actors) }),
      ...(values.days !== undefined && { days: Number(values.days) }),
      ...(values.start !== undefined && { start: values.start }),
      ...(values['history-days'] !== undefined && { historyDays: Number(values['history-days']) }),
      incidents: parseIncidentsArg(values.incidents),
      rulesDir: values.rules,
      ...(!values.quiet && { onProgress: (n: number) => process.stderr.write(`\rseed ${seed}: ${n} events`) }),
    });
    if (!values.quiet) process.stderr.write(`\rseed ${seed}: ${res.events} events in ${(res.totalMs / 1000).toFixed(1)} s\n`);
    if (res.rejected > 0) console.warn(`seed ${seed}: ${res.rejected} events rejected by decode, e.g. ${res.rejectionSample.join('; ')}`);
    results.push(res);
  }
  const runs = results.map((r) => scoreRun(r.labels, r.updates));
  const agg = aggregate(runs);
  console.log('\nPer seed (incident columns: detected/total and worst time to detect)');
  console.log(perSeedTable(runs, results));
  console.log('\nAggregated');
  console.log(aggregateReport(agg, results));
  const missed = missedReport(runs);
  if (missed) console.log(`\nMisses, late detections and alerted look-alikes\n${missed}`);
  const limit = Number(values['false-alerts']);
  if (limit > 0) {
    const fa = falseAlertsReport(runs, limit);
    if (fa) console.log(`\nFalse alerts in the evaluation period (first ${limit})\n${fa}`);
  }
  const breakdown = falseAlertBreakdown(runs, (seed, id) => results.find((r) => r.seed === seed)?.actors.get(id));
  if (breakdown) console.log(`\nFalse alerts in the evaluation period by rule, role and status\n${breakdown}`);
  if (values.json) {
    writeFileSync(
      values.json,
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
  return values.strict && !ok ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
}
