#!/usr/bin/env node
/** The custos command line. Each command lives in its own module; this file only wires them. */
import { Command } from 'commander';
import { pseudonymCommand } from './pseudonym.js';
import { runCommand } from './run.js';

const program = new Command()
  .name('custos')
  .description('Watches data-access events for unusual bulk reads of customer records and raises explained alerts.')
  .showHelpAfterError();

const exitWith = (code: number) => {
  process.exitCode = code;
};

program
  .command('run')
  .description('Run the monitor: consume events from Kafka, store to ClickHouse, alert to webhooks.')
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE); environment variables override it')
  .action(async (opts: { config?: string }) => exitWith(await runCommand(opts)));

program
  .command('pseudonym')
  .description('Print the pseudonym of customer ids under $CUSTOS_PSEUDONYM_KEY, to find their accesses in ClickHouse.')
  .argument('<customer-id...>')
  .action((ids: string[]) => exitWith(pseudonymCommand(ids)));

program
  .command('demo')
  .description('Run the main job end to end on local Kafka and ClickHouse with simulated traffic (see README).')
  .option('--seed <n>', 'simulation seed', (v) => Number(v), 42)
  .action(async (opts: { seed: number }) => {
    const { runDemo } = await import('../demo/run-demo.js');
    exitWith(
      await runDemo({
        seed: opts.seed,
        brokers: process.env.CUSTOS_KAFKA_BROKERS ?? '127.0.0.1:9092',
        clickhouseUrl: process.env.CUSTOS_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
        clickhouseUsername: process.env.CUSTOS_CLICKHOUSE_USERNAME ?? 'default',
        clickhousePassword: process.env.CUSTOS_CLICKHOUSE_PASSWORD ?? '',
        workDir: '.cache/demo',
      }),
    );
  });

const rulesOptions = (cmd: Command) =>
  cmd
    .option('--dir <dir>', 'rules folder', process.env.CUSTOS_RULES_DIR ?? 'rules')
    .option('--zones <file>', 'network zones file', process.env.CUSTOS_ZONES_FILE ?? 'rules/enrichment/zones.yaml')
    .option('--fields <file>', 'field classes file', process.env.CUSTOS_FIELDS_FILE ?? 'rules/enrichment/fields.yaml')
    .option('--calendar <file>', 'business hours file', process.env.CUSTOS_CALENDAR_FILE ?? 'rules/enrichment/calendar.yaml');
type RulesCliOptions = { dir: string; zones: string; fields: string; calendar: string; filter?: string };
const toRulesOptions = (o: RulesCliOptions) => ({
  dir: o.dir,
  zonesFile: o.zones,
  fieldsFile: o.fields,
  calendarFile: o.calendar,
  ...(o.filter ? { filter: o.filter } : {}),
});

const rules = program.command('rules').description('Validate rules and run the test cases they carry.');
rulesOptions(rules.command('check').description('Validate the rules folder: every problem with file, line and reason.')).action(
  async (o: RulesCliOptions) => {
    const { rulesCheckCommand } = await import('./rules.js');
    exitWith(rulesCheckCommand(toRulesOptions(o)));
  },
);
rulesOptions(rules.command('test').description('Run every rule test case through the real decode, enrich and engine.'))
  .option('--filter <text>', 'only cases whose name contains this')
  .action(async (o: RulesCliOptions) => {
    const { rulesTestCommand } = await import('./rules.js');
    exitWith(rulesTestCommand(toRulesOptions(o)));
  });

const bench = program.command('bench').description('Benchmarks that print figures (never asserted in tests).');
bench
  .command('throughput')
  .description('Drain a preloaded topic with a bare kafkajs consumer and with custos; print events/s, CPU µs/event, peak RSS.')
  .option('--events <n>', 'simulated events to preload', (v) => Number(v), 300_000)
  .option('--actors <n>', 'simulated actors', (v) => Number(v), 300)
  .option('--partitions <n>', 'partitions of the benchmark topic', (v) => Number(v), 3)
  .option('--rounds <n>', 'runs of each side, alternating', (v) => Number(v), 2)
  .action(async (opts: { events: number; actors: number; partitions: number; rounds: number }) => {
    const { runThroughputBenchmark } = await import('../bench/throughput/main.js');
    await runThroughputBenchmark({
      ...opts,
      brokers: process.env.CUSTOS_KAFKA_BROKERS ?? '127.0.0.1:9092',
      clickhouseUrl: process.env.CUSTOS_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
    });
  });

await program.parseAsync(process.argv);
// A finished command exits even if a library left a timer or socket behind.
process.exit(process.exitCode ?? 0);
