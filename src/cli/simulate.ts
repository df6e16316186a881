/**
 * `custos simulate`: labeled simulated traffic (see docs/simulator.md), written
 * to files (`--out`: events.ndjson, actors.csv, labels.json) and/or produced
 * to Kafka (`--brokers` and `--topic`; with --out too, the files are written
 * first and their events sent).
 */
import { formatRuleProblem, RuleSetInvalidError } from '../runtime/engine/index.js';
import type { IncidentScenario } from '../tools/sim/types.js';
import { produceToKafka, readNdjsonEvents } from '../tools/sim/kafka.js';
import { simulate, summarize } from '../tools/sim/simulate.js';
import { createSimulation } from '../tools/sim/simulator.js';

export interface SimulateCommandOptions {
  readonly seed: number;
  readonly out?: string;
  readonly actors?: number;
  readonly days?: number;
  readonly start?: string;
  readonly historyDays?: number;
  readonly incidents: IncidentScenario;
  /** false with --no-lookalikes. */
  readonly lookalikes: boolean;
  readonly brokers?: string;
  readonly topic?: string;
  readonly batch?: number;
  /** Rules folder the policy-allowed incidents are audited against (default ./rules). */
  readonly rules?: string;
}

/** Returns the exit code; 2 when neither an output nor a destination is given, 78 when the rules cannot be loaded. */
export async function simulateCommand(o: SimulateCommandOptions): Promise<number> {
  if (o.out === undefined && o.brokers === undefined) {
    process.stderr.write('custos simulate: give --out DIR (files) and/or --brokers with --topic (Kafka)\n');
    return 2;
  }
  if (o.brokers !== undefined && o.topic === undefined) {
    process.stderr.write('custos simulate: --topic is required with --brokers\n');
    return 2;
  }
  const common = {
    seed: o.seed,
    ...(o.actors !== undefined && { actors: o.actors }),
    ...(o.days !== undefined && { days: o.days }),
    ...(o.start !== undefined && { start: o.start }),
    ...(o.historyDays !== undefined && { historyDays: o.historyDays }),
    incidents: o.incidents,
    lookalikes: o.lookalikes,
  };
  let file: string | undefined;
  try {
    file = o.out === undefined ? undefined : simulate({ ...common, out: o.out, ...(o.rules !== undefined && { rulesDir: o.rules }) }).files.events;
  } catch (err) {
    // The simulator checks that policy-allowed incidents obey the policy: it needs the rules.
    if (!(err instanceof RuleSetInvalidError)) throw err;
    const problems = err.problems.map((p) => `  ${formatRuleProblem(p)}`).join('\n');
    process.stderr.write(`custos simulate: cannot audit the policy-allowed incidents against the rules (--rules ${o.rules ?? 'rules'}):\n${problems}\n`);
    return 78;
  }
  if (o.brokers !== undefined && o.topic !== undefined) {
    const brokers = o.brokers.split(',').map((b) => b.trim());
    // Without files the simulation streams straight to Kafka (nothing held in memory).
    const stream = file === undefined ? createSimulation(common).stream() : undefined;
    const res = await produceToKafka({
      brokers,
      topic: o.topic,
      events: stream ?? readNdjsonEvents(file as string),
      ...(o.batch !== undefined && { batchSize: o.batch }),
    });
    console.log(`sent ${res.sent} events in ${res.batches} batches to ${o.topic} in ${(res.elapsedMs / 1000).toFixed(1)} s`);
    if (stream) for (const line of summarize(stream.labels())) console.log(line);
  }
  return 0;
}
