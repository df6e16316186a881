/**
 * Stand-alone entry: `node dist/sim/main.js --seed 1 --out ./sim-out [--actors 300 --days 28 --start 2026-03-09 --incidents default]`
 * and, to feed Kafka: `node dist/sim/main.js --seed 1 --brokers localhost:9092 --topic access-events`
 * (with --out too, the files are written first and then sent).
 */
import { parseArgs } from 'node:util';
import { parseIncidentsArg } from './args.js';
import { produceToKafka, readNdjsonEvents } from './kafka.js';
import { simulate, summarize } from './simulate.js';
import { createSimulation } from './simulator.js';

const USAGE = `usage: sim --seed N [--out DIR] [--actors N] [--days N] [--start YYYY-MM-DD] [--history-days N]
           [--incidents default|none|type,type|@specs.json] [--no-lookalikes]
           [--brokers host:port,... --topic NAME [--batch 1000]]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      out: { type: 'string' },
      actors: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      'history-days': { type: 'string' },
      incidents: { type: 'string' },
      'no-lookalikes': { type: 'boolean' },
      brokers: { type: 'string' },
      topic: { type: 'string' },
      batch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || values.seed === undefined || (values.out === undefined && values.brokers === undefined)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const common = {
    seed: Number(values.seed),
    ...(values.actors !== undefined && { actors: num(values.actors) as number }),
    ...(values.days !== undefined && { days: num(values.days) as number }),
    ...(values.start !== undefined && { start: values.start }),
    ...(values['history-days'] !== undefined && { historyDays: Number(values['history-days']) }),
    incidents: parseIncidentsArg(values.incidents),
    lookalikes: !values['no-lookalikes'],
  };
  let file: string | undefined;
  if (values.out !== undefined) file = simulate({ ...common, out: values.out }).files.events;
  if (values.brokers !== undefined) {
    if (values.topic === undefined) {
      console.error('--topic is required with --brokers');
      return 2;
    }
    const brokers = values.brokers.split(',').map((b) => b.trim());
    const stream = file === undefined ? createSimulation(common).stream() : undefined;
    const res = await produceToKafka({
      brokers,
      topic: values.topic,
      events: stream ?? readNdjsonEvents(file as string),
      ...(values.batch !== undefined && { batchSize: Number(values.batch) }),
    });
    console.log(`sent ${res.sent} events in ${res.batches} batches to ${values.topic} in ${(res.elapsedMs / 1000).toFixed(1)} s`);
    if (stream) for (const line of summarize(stream.labels())) console.log(line);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
