#!/usr/bin/env node
/** The custos command line. Each command lives in its own module; this file only wires them. */
import { Command } from 'commander';
import { dateArg, incidentsArg, instantArg, integerArg, integerListArg } from './arguments.js';
import type { BacktestCliOptions } from './backtest.js';
import type { BenchDetectionOptions } from './bench-detection.js';
import type { ProduceCliOptions } from './produce.js';
import type { SimulateCommandOptions } from './simulate.js';
import { pseudonymCommand } from './pseudonym.js';
import { runCommand } from './run.js';
import { SEED_SETS } from '../tools/bench/detection/seed-sets.js';
import type { EnrichmentSource } from '../runtime/enrich/source.js';
import { ENRICHMENT_SOURCES, type EnrichmentFileOptions } from '../runtime/enrich/sources/index.js';

const program = new Command()
  .name('custos')
  .description('Watches data-access events for unusual bulk reads of customer records and raises explained alerts.')
  .showHelpAfterError();

const exitWith = (code: number) => {
  process.exitCode = code;
};

/** Kafka and ClickHouse for the commands that bring their own data (demo, benchmarks): from $CUSTOS_*, local defaults. */
const servicesFromEnv = () => ({
  brokers: process.env.CUSTOS_KAFKA_BROKERS ?? '127.0.0.1:9092',
  clickhouseUrl: process.env.CUSTOS_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
  clickhouseUsername: process.env.CUSTOS_CLICKHOUSE_USERNAME ?? 'default',
  clickhousePassword: process.env.CUSTOS_CLICKHOUSE_PASSWORD ?? '',
});

program
  .command('run')
  .description('Run the monitor: consume events from Kafka, store to ClickHouse, alert to webhooks.')
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE); environment variables override it')
  .action(async (opts: { config?: string }) => exitWith(await runCommand(opts)));

program
  .command('check')
  .description('Check everything the monitor would load (settings, rules, directory, zones, fields, calendar, test cases, exceptions) against each other; exit 78 on errors.')
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE); environment variables override it')
  .option('--now <time>', 'judge exception expiry as of this instant instead of now (RFC 3339, YYYY-MM-DD or epoch ms)', instantArg)
  .option('--events <file>', 'also run a sample of real events (NDJSON, contract v1) through decode and enrich: actors not in the directory, addresses in zone unknown, unlisted fields, the share of events each policy rule flags')
  .option('--from-clickhouse', 'also judge a sample of stored events (access_events_dedup, connection from $CUSTOS_CLICKHOUSE_*; a read-only user is enough) by the current files: the same report as --events')
  .option('--since <time>', 'with --from-clickhouse: start of the range, inclusive (RFC 3339 with offset, YYYY-MM-DD or epoch ms; default 24 hours before --until)', instantArg)
  .option('--until <time>', 'with --from-clickhouse: end of the range, exclusive (same forms; default now)', instantArg)
  .option('--limit <n>', 'with --events: only the first n lines; with --from-clickhouse: the newest n events of the range (default 10000)', integerArg(1))
  .action(async (opts: { config?: string; now?: number; events?: string; limit?: number; fromClickhouse?: boolean; since?: number; until?: number }) => {
    const { checkCommand } = await import('./check.js');
    exitWith(await checkCommand(opts));
  });

program
  .command('pseudonym')
  .description('Print the pseudonyms of customer ids under every active key ($CUSTOS_PSEUDONYM_KEY, then $CUSTOS_PSEUDONYM_OLD_KEYS): customer id, key id, pseudonym; to find their accesses in ClickHouse.')
  .argument('<customer-id...>')
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE)')
  .action((ids: string[], opts: { config?: string }) => exitWith(pseudonymCommand(ids, opts)));

const consoleCmd = program.command('console').description("The analysts' console: triage, exceptions, the picture behind each alert, subject reports (see docs/console.md).");
consoleCmd
  .command('serve', { isDefault: true })
  .description('Run the console web server (CUSTOS_CONSOLE_HOST:CUSTOS_CONSOLE_PORT), reading ClickHouse as its own users.')
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE); environment variables override it')
  .action(async (opts: { config?: string }) => {
    const { consoleServeCommand } = await import('./console.js');
    exitWith(await consoleServeCommand(opts));
  });
consoleCmd
  .command('hash-password')
  .description('Print a scrypt hash for the console users file; the password is read from stdin.')
  .action(async () => {
    const { hashPasswordCommand } = await import('./console.js');
    exitWith(await hashPasswordCommand());
  });
program
  .command('exceptions')
  .description('Exceptions the engine applies (rules folder and console).')
  .command('list')
  .description("List the rules folder's and the console's exceptions together; --yaml exports the console's active ones as a rules document.")
  .option('--yaml', "the console's active exceptions as YAML (the format of rules/exceptions/*.yaml)")
  .option('--all', 'also expired and revoked ones')
  .option('--rules <dir>', 'rules folder (default: $CUSTOS_RULES_DIR or rules)')
  .option('-c, --config <file>', 'YAML config file for the ClickHouse settings (default: $CUSTOS_CONFIG_FILE)')
  .action(async (opts: { yaml?: boolean; all?: boolean; rules?: string; config?: string }) => {
    const { exceptionsListCommand } = await import('./exceptions.js');
    exitWith(await exceptionsListCommand(opts));
  });

program
  .command('subject-report')
  .description('Every stored access to one customer (who, when, what, channel, ticket) as CSV or JSON, under every active pseudonym key; the id is pseudonymised here, never logged. "-" reads the id from stdin.')
  .argument('<customer-id>')
  .option('--format <format>', 'csv or json', 'csv')
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE)')
  .action(async (customerId: string, opts: { format?: string; config?: string }) => {
    const { subjectReportCommand } = await import('./subject-report.js');
    exitWith(await subjectReportCommand(customerId, opts));
  });

const db = program.command('db').description('Administer the ClickHouse side: schema, retention, access model (run with an administrator user).');
db.command('migrate')
  .description('Create or upgrade the custos tables and views in $CUSTOS_CLICKHOUSE_DATABASE.')
  .action(async () => {
    const { dbMigrateCommand } = await import('./db.js');
    exitWith(await dbMigrateCommand());
  });
db.command('retention')
  .description('Remove rows past retention once (servers without TTL); schedule it when the monitor runs without schema rights.')
  .action(async () => {
    const { dbRetentionCommand } = await import('./db.js');
    exitWith(await dbRetentionCommand());
  });
db.command('erase')
  .description("Erase one customer's references: its pseudonyms under every active key are replaced by a random token (or removed) in every table that stores them; audited in console_audit. \"-\" reads the id from stdin (docs/security.md).")
  .argument('<customer-id>')
  .option('--mode <mode>', 'replace (a random token per erasure: distinct counts stay right) or remove', 'replace')
  .option('--by <name>', 'who asked for the erasure, for the audit (default: the OS user)')
  .option('--dry-run', 'count the rows that would change; change and audit nothing', false)
  .option('--wait-seconds <n>', 'how long to wait for the server to apply the mutations', integerArg(1), 600)
  .action(async (customerId: string, o: { mode: string; by?: string; dryRun: boolean; waitSeconds: number }) => {
    const { dbEraseCommand } = await import('./erase.js');
    exitWith(await dbEraseCommand(customerId, o));
  });
db.command('grants')
  .description('Print (or --apply) the access model: monitor writer, read-only analyst, the console\'s reader and writer (docs/security.md).')
  .option('--format <format>', 'sql (servers with SQL access control) or xml (a users.d file, e.g. for 18.16)', 'sql')
  .option('--apply', 'run the SQL against $CUSTOS_CLICKHOUSE_URL as $CUSTOS_CLICKHOUSE_USERNAME', false)
  .option('--monitor-user <name>', 'the monitor\'s user', 'custos_monitor')
  .option('--analyst-user <name>', 'the analysts\' user', 'custos_analyst')
  .option('--console-user <name>', 'the console\'s reading user (CUSTOS_CONSOLE_CLICKHOUSE_USERNAME)', 'custos_console')
  .option('--console-writer-user <name>', 'the console\'s writing user (CUSTOS_CONSOLE_CLICKHOUSE_WRITER_USERNAME)', 'custos_console_writer')
  .requiredOption('--monitor-password-file <file>', 'file holding the monitor\'s password')
  .requiredOption('--analyst-password-file <file>', 'file holding the analysts\' password')
  .requiredOption('--console-password-file <file>', 'file holding the console reader\'s password')
  .requiredOption('--console-writer-password-file <file>', 'file holding the console writer\'s password')
  .option('--network <cidr...>', 'where the users may connect from (default: anywhere)', [])
  .action(async (o: { format: string; apply: boolean; monitorUser: string; analystUser: string; consoleUser: string; consoleWriterUser: string; monitorPasswordFile: string; analystPasswordFile: string; consolePasswordFile: string; consoleWriterPasswordFile: string; network: string[] }) => {
    if (o.format !== 'sql' && o.format !== 'xml') {
      process.stderr.write('custos: --format must be sql or xml\n');
      return exitWith(78);
    }
    const { dbGrantsCommand } = await import('./db.js');
    exitWith(await dbGrantsCommand({ ...o, format: o.format, networks: o.network }));
  });

program
  .command('demo')
  .description('Run the main job end to end on local Kafka and ClickHouse with simulated traffic (see README).')
  .option('--seed <n>', 'simulation seed', (v) => Number(v), 42)
  .option('--no-console', 'end after the queries instead of leaving the analysts\' console running')
  .option('--console-port <n>', 'port of the console (default 9480, else any free one)', integerArg(1))
  .action(async (opts: { seed: number; console: boolean; consolePort?: number }) => {
    const { runDemo } = await import('../tools/demo/run-demo.js');
    exitWith(
      await runDemo({
        seed: opts.seed,
        ...servicesFromEnv(),
        workDir: '.cache/demo',
        noConsole: !opts.console,
        ...(opts.consolePort !== undefined && { consolePort: opts.consolePort }),
      }),
    );
  });

// No defaults here: the files default through the settings (src/config/paths.ts), inside the rules folder.
const rulesOptions = (cmd: Command) => {
  cmd.option('--dir <dir>', 'rules folder (default: $CUSTOS_RULES_DIR, else rules_dir in the config file, else rules)');
  // Each enrichment file the rule test cases read (the directory they declare themselves).
  for (const s of ENRICHMENT_SOURCES as readonly EnrichmentSource[]) if (s.withoutFile === undefined) cmd.option(`--${s.option} <file>`, s.flag.description);
  return cmd;
};
type RulesCliOptions = { dir?: string; filter?: string } & EnrichmentFileOptions;

const rules = program.command('rules').description('Validate rules and run the test cases they carry.');
rulesOptions(rules.command('check').description('Validate the rules folder: every problem with file, line and reason.')).action(
  async (o: RulesCliOptions) => {
    const { rulesCheckCommand } = await import('./rules.js');
    exitWith(rulesCheckCommand(o));
  },
);
rulesOptions(rules.command('test').description('Run every rule test case through the real decode, enrich and engine.'))
  .option('--filter <text>', 'only cases whose name contains this')
  .action(async (o: RulesCliOptions) => {
    const { rulesTestCommand } = await import('./rules.js');
    exitWith(rulesTestCommand(o));
  });

const backtest = program
  .command('backtest')
  .description('Run the engine over historical events (NDJSON file or a ClickHouse time range) with a virtual clock; compare two rule sets. See docs/backtest.md.')
  .option('--from-file <file>', 'wire-contract v1 events, one JSON object per line (e.g. events.ndjson of custos simulate)');
// Each enrichment file the events of --from-file are enriched with.
for (const s of ENRICHMENT_SOURCES as readonly EnrichmentSource[]) backtest.option(`--${s.option} <file>`, s.flag.description);
backtest
  .option('--default-timezone <zone>', 'time zone of unknown actors and of directory rows without one (default: $CUSTOS_DEFAULT_TIMEZONE or the config file, else UTC)')
  .option('--from-clickhouse', 'replay stored events of access_events_dedup (connection from $CUSTOS_CLICKHOUSE_*)')
  .option('--since <time>', 'start of the range, inclusive: RFC 3339 with offset, YYYY-MM-DD (UTC) or epoch ms', instantArg)
  .option('--until <time>', 'end of the range, exclusive (same forms)', instantArg)
  .option('--no-history', 'start with empty baselines instead of actor_activity and the events before --since')
  .option('--chunk-rows <n>', 'rows per ClickHouse query (memory holds two chunks)', integerArg(1))
  .option('-c, --config <file>', 'YAML config file for the ClickHouse settings (default: $CUSTOS_CONFIG_FILE)')
  .option('--rules <dir>', 'rules folder (default: $CUSTOS_RULES_DIR, else rules_dir in the config file, else rules)')
  .option('--compare-rules <dir>', 'a second rules folder, run over the same events: print what differs')
  .option('--json <file>', 'write every alert in full, per-rule counts and the difference as JSON')
  .option('--alerts-out <file>', 'write every alert revision as NDJSON, in order, each line the JSON body a webhook carries')
  .option('--quiet', 'no progress on stderr')
  // Bad arguments exit 78 like invalid rules: nothing was replayed.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 78))
  .action(async (opts: BacktestCliOptions) => {
    const { backtestCommand } = await import('./backtest.js');
    exitWith(await backtestCommand(opts));
  });

program
  .command('produce')
  .description('Put an NDJSON file of contract-v1 events on the events topic, keyed by actor_id, with the monitor\'s Kafka settings; every line is checked first as decode would (bad lines: line number and reason).')
  .argument('<file>', 'one contract-v1 event per line')
  .option('--topic <name>', 'topic to produce to (default: $CUSTOS_KAFKA_TOPIC, the topic the monitor reads)')
  .option('--strict', 'a bad line is fatal: report every bad line, send nothing, exit 65 (default: skip bad lines)')
  .option('--batch <n>', 'messages per send (default 500)', integerArg(1))
  .option('-c, --config <file>', 'YAML config file (default: $CUSTOS_CONFIG_FILE); environment variables override it')
  .option('--quiet', 'no progress on stderr')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 78))
  .action(async (file: string, opts: ProduceCliOptions) => {
    const { produceCommand } = await import('./produce.js');
    exitWith(await produceCommand(file, opts));
  });

program
  .command('simulate')
  .description('Write labeled simulated traffic to files and/or produce it to Kafka (see docs/simulator.md).')
  .requiredOption('--seed <n>', 'simulation seed', integerArg())
  .option('--out <dir>', 'write events.ndjson, actors.csv and labels.json here')
  .option('--actors <n>', 'actors, people and service accounts (default 300)', integerArg(1))
  .option('--days <n>', 'simulated days (default 28)', integerArg(1))
  .option('--start <date>', 'first day, YYYY-MM-DD UTC (default 2026-03-09)', dateArg)
  .option('--history-days <n>', 'benign history before the first incident (default min(14, days/2))', integerArg(0))
  .option('--incidents <spec>', 'default | allowed | none | type,type | @specs.json', incidentsArg, 'default')
  .option('--no-lookalikes', 'leave the labeled look-alikes out')
  .option('--brokers <list>', 'produce to Kafka: host:port,... (key actor_id, acks -1)')
  .option('--topic <name>', 'topic to produce to (with --brokers)')
  .option('--batch <n>', 'messages per send (default 1000)', integerArg(1))
  .option('--rules <dir>', 'rules folder the policy-allowed incidents are audited against', 'rules')
  .action(async (opts: SimulateCommandOptions) => {
    const { simulateCommand } = await import('./simulate.js');
    exitWith(await simulateCommand(opts));
  });

const bench = program.command('bench').description('Benchmarks that print figures (never asserted in tests).');
bench
  .command('throughput')
  .description('Drain a preloaded topic with a bare kafkajs consumer and with custos; print events/s, CPU µs/event (custos, ClickHouse, broker), peak RSS, GC, CPU per stage.')
  .option('--events <n>', 'simulated events to preload', (v) => Number(v), 300_000)
  .option('--actors <n>', 'simulated actors', (v) => Number(v), 300)
  .option('--partitions <n>', 'partitions of the benchmark topic', (v) => Number(v), 3)
  .option('--rounds <n>', 'runs of each side, alternating', (v) => Number(v), 3)
  .option('--node-args <flags>', "extra Node flags for custos's runner, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' or '--max-semi-space-size=16'")
  .option('--compare-dist <dir>', "another build's dist folder: its custos runner drains the topic too, after this build's, in every round")
  .option('--compare-node-args <flags>', 'extra Node flags for the compared runner (without --compare-dist: this build again, with these flags)')
  .option('--compare-rules <dir>', "the compared runner's rules folder (default: this build's): another checkout's rules, where its build cannot load these")
  .option('--warmup <n>', "events of each drain before the 'after the warm-up' figures start (default: a third of --events)", (v) => Number(v))
  .action(async (opts: { events: number; actors: number; partitions: number; rounds: number; nodeArgs?: string; compareDist?: string; compareNodeArgs?: string; compareRules?: string; warmup?: number }) => {
    const { runThroughputBenchmark } = await import('../tools/bench/throughput/main.js');
    const { brokers, clickhouseUrl } = servicesFromEnv();
    const flags = (v: string | undefined) => (v ?? '').split(/\s+/).filter((f) => f !== '');
    await runThroughputBenchmark({
      events: opts.events,
      actors: opts.actors,
      partitions: opts.partitions,
      rounds: opts.rounds,
      brokers,
      clickhouseUrl,
      nodeArgs: flags(opts.nodeArgs),
      compareNodeArgs: flags(opts.compareNodeArgs),
      ...(opts.warmup !== undefined && { warmupEvents: opts.warmup }),
      ...(opts.compareDist !== undefined && { compareDist: opts.compareDist }),
      ...(opts.compareRules !== undefined && { compareRules: opts.compareRules }),
    });
  });

bench
  .command('memory')
  .description('Per-actor window state (measured mean and p99, beside the engine\'s estimate) and RSS, for a simulated organisation and for floods of distinct actor ids.')
  .option('--seed <n>', 'simulation seed', integerArg(), 1)
  .option('--actors <n>', 'actors of the simulated organisation', integerArg(1), 300)
  .option('--days <n>', 'simulated days before the measurement (at 15:00 UTC of the last weekday)', integerArg(1), 14)
  .option('--floods <list>', 'distinct actor ids of each flood run', integerListArg, [100_000, 1_000_000])
  .option('--flood-hours <n>', 'event time each flood is spread over', integerArg(1), 24)
  .option('--heap-mb <n>', 'heap limit of each scenario process', integerArg(64), 6144)
  .option('--rules <dir>', 'rules folder', 'rules')
  .option('--engine <json>', 'engine options under test instead of the default caps, e.g. \'{"maxActors":50000}\' or \'{}\' (no caps)')
  .option('--breakdown', 'run the organisation once more and measure each part of its actors\' state (seen ids, windows, buckets, ...)')
  .option('--json <file>', 'write the figures as JSON')
  .action(async (opts: { seed: number; actors: number; days: number; floods: number[]; floodHours: number; heapMb: number; rules: string; engine?: string; breakdown?: boolean; json?: string }) => {
    const { runMemoryBenchmark } = await import('../tools/bench/memory/main.js');
    await runMemoryBenchmark({
      seed: opts.seed,
      actors: opts.actors,
      days: opts.days,
      floods: opts.floods,
      floodSpanMs: opts.floodHours * 3_600_000,
      heapMb: opts.heapMb,
      rulesDir: opts.rules,
      ...(opts.engine !== undefined && { engine: JSON.parse(opts.engine) as Record<string, unknown> }),
      ...(opts.breakdown === true && { breakdown: true }),
      ...(opts.json !== undefined && { json: opts.json }),
    });
  });

bench
  .command('latency')
  .description('Alert latency: produce at a steady rate (default 50 % of a capacity measured first) with incidents at known times into the real monitor; print produce → alert stored in ClickHouse and produce → webhook received, p50/p95/p99 per round, beside the stages between.')
  .option('--capacity-events <n>', 'background events preloaded and drained first to measure the capacity (0 with --rate: none)', integerArg(0), 100_000)
  .option('--rate <n>', 'events/s to produce instead of a share of the measured capacity', integerArg(1))
  .option('--load <percent>', 'share of the measured capacity to produce at', integerArg(1), 50)
  .option('--rounds <n>', 'rounds', integerArg(1), 5)
  .option('--round-seconds <n>', 'length of each round', integerArg(1), 20)
  .option('--incidents <n>', 'incidents per round, evenly spread', integerArg(1), 10)
  .option('--warmup-seconds <n>', 'steady production before the first round', integerArg(0), 10)
  .option('--actors <n>', 'background actors', integerArg(1), 1000)
  .option('--partitions <n>', 'partitions of the benchmark topic', integerArg(1), 3)
  .option('--poll-ms <n>', 'how often ClickHouse is read for the alerts', integerArg(1), 50)
  .option('--linger-ms <n>', 'the producer sends what is due every n ms', integerArg(1), 5)
  .option('--drain-seconds <n>', 'after production stops, how long to wait for the last alerts', integerArg(1), 60)
  .option('--rules <dir>', 'rules folder', 'rules')
  .option('--json <file>', 'write the figures (and every incident\'s instants) as JSON')
  .action(
    async (opts: {
      capacityEvents: number; rate?: number; load: number; rounds: number; roundSeconds: number; incidents: number; warmupSeconds: number;
      actors: number; partitions: number; pollMs: number; lingerMs: number; drainSeconds: number; rules: string; json?: string;
    }) => {
      const { runLatencyBenchmark } = await import('../tools/bench/latency/main.js');
      await runLatencyBenchmark({
        ...servicesFromEnv(),
        capacityEvents: opts.capacityEvents,
        ...(opts.rate !== undefined && { rate: opts.rate }),
        loadPercent: opts.load,
        rounds: opts.rounds,
        roundSeconds: opts.roundSeconds,
        incidentsPerRound: opts.incidents,
        warmupSeconds: opts.warmupSeconds,
        actors: opts.actors,
        partitions: opts.partitions,
        pollMs: opts.pollMs,
        lingerMs: opts.lingerMs,
        drainSeconds: opts.drainSeconds,
        rulesDir: opts.rules,
        ...(opts.json !== undefined && { json: opts.json }),
      });
    },
  );

bench
  .command('restore')
  .description("Time and peak memory to restore one partition's window state (the monitor's streamed restore, and the same rows read whole then restored, each in a fresh process) with N stored events of the partition, beside a bare read of the same rows.")
  .option('--sizes <list>', 'stored events of the partition, one measurement each', integerListArg, [1_000_000, 2_000_000])
  .option('--rounds <n>', 'rounds per size (baseline and the two restores alternating)', integerArg(1), 3)
  .option('--actors <n>', 'actors of the simulated traffic', integerArg(1), 300)
  .option('--rules <dir>', 'rules folder', 'rules')
  .option('--json <file>', 'write the figures as JSON')
  .action(async (opts: { sizes: number[]; rounds: number; actors: number; rules: string; json?: string }) => {
    const { runRestoreBenchmark } = await import('../tools/bench/restore/main.js');
    await runRestoreBenchmark({
      ...servicesFromEnv(),
      sizes: opts.sizes,
      rounds: opts.rounds,
      actors: opts.actors,
      rulesDir: opts.rules,
      ...(opts.json !== undefined && { json: opts.json }),
    });
  });

bench
  .command('detection')
  .description('Recall, time to detect, precision and false alerts on labeled simulated traffic, per seed and aggregated.')
  .option('--seeds <list>', 'comma list of seeds', integerListArg, [1, 2, 3, 4, 5])
  .option('--seed-set <name>', `instead of --seeds: ${Object.entries(SEED_SETS).map(([k, v]) => `${k} = ${v[0]}-${v[v.length - 1]}`).join(', ')} (held-out: never tuned on, see docs/simulator.md)`)
  .option('--actors <n>', 'actors per run (default 300)', integerArg(1))
  .option('--days <n>', 'simulated days (default 28)', integerArg(1))
  .option('--start <date>', 'first day, YYYY-MM-DD UTC (default 2026-03-09)', dateArg)
  .option('--history-days <n>', 'benign history before the first incident (default min(14, days/2))', integerArg(0))
  .option('--incidents <spec>', 'default (classic kinds) | allowed (policy-allowed kinds) | type,type | @specs.json', incidentsArg, 'default')
  .option('--rules <dir>', 'rules folder', 'rules')
  .option('--json <file>', 'write the scores as JSON')
  .option('--detections', 'list every incident with the rule and explanation of its first detection')
  .option('--false-alerts <n>', 'list the first n false alerts', integerArg(0), 20)
  .option('--strict', 'exit 1 when a goal is not met')
  .option('--quiet', 'no progress on stderr')
  .option('--live', 'through the live pipeline: produce to Kafka ($CUSTOS_KAFKA_BROKERS), run the monitor, score the alerts stored in ClickHouse ($CUSTOS_CLICKHOUSE_URL)')
  .option('--keep', 'with --live: keep the topic and database afterwards')
  .action(async (opts: Omit<BenchDetectionOptions, 'strict' | 'quiet' | 'live' | 'seeds'> & { seeds: readonly number[]; seedSet?: string; strict?: boolean; quiet?: boolean; live?: boolean; keep?: boolean }) => {
    const { benchDetectionCommand } = await import('./bench-detection.js');
    const { live, keep, seedSet, ...rest } = opts;
    if (seedSet !== undefined) {
      const set = SEED_SETS[seedSet];
      if (set === undefined) {
        process.stderr.write(`custos bench detection: --seed-set: unknown set ${seedSet} (known: ${Object.keys(SEED_SETS).join(', ')})\n`);
        exitWith(2);
        return;
      }
      rest.seeds = set;
    }
    const endpoints = live ? { ...servicesFromEnv(), keep: keep === true } : undefined;
    exitWith(await benchDetectionCommand({ ...rest, strict: opts.strict === true, quiet: opts.quiet === true, ...(endpoints && { live: endpoints }) }));
  });

bench
  .command('console')
  .description("Seed a scratch database (10,000 alerts, one actor with 100,000 events), run custos console, and time its queue, alert and actor pages over HTTP beside their bare ClickHouse queries: wall, console CPU and ClickHouse CPU per request.")
  .option('--alerts <n>', 'alerts in the queue', integerArg(1), 10_000)
  .option('--events <n>', "events of the heavy actor whose alert page is measured", integerArg(1000), 100_000)
  .option('--rounds <n>', 'rounds, each side alternating first', integerArg(1), 5)
  .option('--requests <n>', 'requests per page and round', integerArg(1), 5)
  .option('--rules <dir>', 'rules folder', 'rules')
  .action(async (opts: { alerts: number; events: number; rounds: number; requests: number; rules: string }) => {
    const { runConsoleBenchmark } = await import('../tools/bench/console/main.js');
    const { clickhouseUrl, clickhouseUsername, clickhousePassword } = servicesFromEnv();
    await runConsoleBenchmark({ ...opts, rulesDir: opts.rules, clickhouseUrl, clickhouseUsername, clickhousePassword });
  });

program
  .command('chaos')
  .description('Consume one stream cleanly and under faults (SIGKILLs, ClickHouse frozen and down, broker restart, receiver down); print what differs.')
  .option('--seed <n>', 'seed of the traffic and of the fault schedule', integerArg(), 1)
  .option('--actors <n>', 'simulated actors', integerArg(1), 60)
  .option('--days <n>', 'simulated days', integerArg(1), 17)
  .option('--kills <n>', 'SIGKILLs at random points (plus one at a partition assignment and one during a catch-up)', integerArg(0), 5)
  .option('--short', 'SIGKILLs only (what the test suite runs)')
  .action(async (opts: { seed: number; actors: number; days: number; kills: number; short?: boolean }) => {
    const { chaosCommand } = await import('./chaos.js');
    exitWith(await chaosCommand({ ...opts, short: opts.short === true }, servicesFromEnv()));
  });

await program.parseAsync(process.argv);
// A finished command exits even if a library left a timer or socket behind.
process.exit(process.exitCode ?? 0);
