/**
 * `custos produce FILE`: an NDJSON file of contract-v1 events onto the events
 * topic (or --topic), keyed by actor_id, with the monitor's Kafka settings
 * (CUSTOS_KAFKA_*: brokers, client id, TLS, SASL; the same client builder),
 * each line checked first by the monitor's own message checks (see
 * src/tools/produce/produce-file.ts).
 *
 * Exit codes: 0 sent (bad lines, if any, reported and skipped); 65 with
 * --strict when a line is bad (every bad line reported, nothing sent); 78 bad
 * settings, rules folder, file or topic (nothing sent); 1 Kafka failed while
 * sending (the lines acknowledged so far are on the topic: the report says
 * how many).
 */
import { accessSync, constants } from 'node:fs';
import pino from 'pino';
import { Partitioners } from 'kafkajs';
import { ConfigError, loadSettingsSubset } from '../config/load.js';
import { loadKafkaTls } from '../config/tls-files.js';
import { classify, describeError, ERRORS } from '../errors.js';
import { createLogger } from '../observability/log.js';
import { formatRuleProblem, loadRuleSet, RuleSetInvalidError } from '../runtime/engine/index.js';
import { createKafka, kafkaClientOptions } from '../runtime/source/kafka-client.js';
import { produceFile, type BadLine, type ProduceProgress } from '../tools/produce/produce-file.js';

export interface ProduceCliOptions {
  readonly topic?: string;
  readonly strict?: boolean;
  readonly batch?: number;
  readonly config?: string;
  readonly quiet?: boolean;
}

export interface ProduceIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Where progress goes (null: nowhere). */
  readonly progress: NodeJS.WriteStream | null;
}

const processIo: ProduceIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  progress: process.stderr,
};

export const EXIT_BAD_LINES = 65;
const EXIT_CONFIG = 78;
/** Bad lines listed one by one; past this only counted (a broken export can have millions). */
const LISTED_BAD_LINES = 100;

const KEYS = [
  'kafka.brokers',
  'kafka.topic',
  'kafka.client_id',
  'kafka.ssl',
  'kafka.ssl_ca_file',
  'kafka.ssl_cert_file',
  'kafka.ssl_key_file',
  'kafka.ssl_servername',
  'kafka.sasl_mechanism',
  'kafka.sasl_username',
  'kafka.sasl_password',
  'max_message_bytes',
  'rules_dir',
  'log.level',
] as const;

export async function produceCommand(file: string, o: ProduceCliOptions, io: ProduceIo = processIo): Promise<number> {
  const fail = (text: string, code: number) => {
    io.err(`custos produce: ${text}\n`);
    return code;
  };
  let config;
  let tls;
  let clockSkewMs: number;
  try {
    config = loadSettingsSubset({ env: io.env, file: o.config ?? io.env.CUSTOS_CONFIG_FILE }, KEYS);
    tls = loadKafkaTls(config);
    // The future bound of decode is the rule set's clock_skew: load it as the monitor would.
    clockSkewMs = loadRuleSet(config.rules_dir).settings.clock_skew;
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, EXIT_CONFIG);
    if (err instanceof RuleSetInvalidError) {
      // Say why produce reads rules at all: a user feeding a file may not expect it.
      const why = `the rules folder ${config?.rules_dir ?? ''} (CUSTOS_RULES_DIR) cannot be loaded; produce reads its clock_skew to judge timestamps as the monitor will`;
      return fail(`${why}:\n${err.problems.map((p) => `  ${formatRuleProblem(p)}`).join('\n')}`, EXIT_CONFIG);
    }
    throw err;
  }
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    return fail(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, EXIT_CONFIG);
  }
  const topic = o.topic ?? config['kafka.topic'];

  // kafkajs' own warnings go to stderr as JSON; stdout carries only the report.
  const logger = createLogger(config['log.level'] === 'info' ? 'warn' : config['log.level'], pino.destination(2));
  const kafka = createKafka(kafkaClientOptions(config, tls), logger);
  const admin = kafka.admin();
  // Idempotent, one request in flight: a retried send neither duplicates nor reorders an actor's events.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const t0 = performance.now();
  let listed = 0;
  let progress: ProduceProgress = { sent: 0, bad: 0, line: 0 };
  const printer = o.quiet || io.progress === null ? null : progressPrinter(io.progress);
  const onBadLine = (b: BadLine) => {
    if (listed++ < LISTED_BAD_LINES) io.err(`${file}:${b.line}: ${b.reason}: ${b.detail}\n`);
  };
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return fail(`topic ${topic} does not exist on ${config['kafka.brokers'].join(',')} (create it first; produce never creates topics)`, EXIT_CONFIG);
    await producer.connect();
    const r = await produceFile(
      {
        file,
        topic,
        strict: o.strict === true,
        checks: { maxMessageBytes: config.max_message_bytes, future: { now: () => Date.now(), maxFutureSkewMs: () => clockSkewMs } },
        ...(o.batch !== undefined && { batchSize: o.batch }),
        onBadLine,
        onProgress: (p) => {
          progress = p;
          printer?.update(p);
        },
      },
      producer,
    );
    printer?.done();
    if (r.bad > LISTED_BAD_LINES) io.err(`... and ${r.bad - LISTED_BAD_LINES} more bad lines\n`);
    const reasons = [...r.badByReason.entries()].map(([reason, n]) => `${reason} ${n}`).join(', ');
    const badPart = r.bad === 0 ? 'no bad lines' : `${r.bad} bad line${r.bad === 1 ? '' : 's'} (${reasons})`;
    if (r.refused) {
      io.out(`${file}: ${r.lines} non-blank lines, ${badPart}: nothing sent (--strict)\n`);
      return EXIT_BAD_LINES;
    }
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    io.out(`${file}: ${r.lines} non-blank lines, sent ${r.sent} events to ${topic} in ${r.sends} batches in ${secs} s; ${r.bad === 0 ? badPart : `${badPart} skipped`}\n`);
    return 0;
  } catch (err) {
    printer?.done();
    const c = classify(err);
    const e = describeError(err);
    return fail(`${c.code}: ${ERRORS[c.code].meaning}\n  ${e.message}\n  ${progress.sent} events acknowledged before the failure (through line ${progress.line}); sending the file again is safe for the monitor: the same event_id twice is the same event`, ERRORS[c.code].exit === 0 ? 1 : ERRORS[c.code].exit);
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Sent so far on stderr: in place on a terminal, a line every 10 s otherwise;
 * the first acknowledged send is always shown (the broker took data: the
 * settings work).
 */
function progressPrinter(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY === true;
  const everyMs = tty ? 500 : 10_000;
  let last = Number.NEGATIVE_INFINITY;
  let wrote = false;
  return {
    update(p: ProduceProgress) {
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      const line = `produce: ${p.sent.toLocaleString('en-US')} sent, ${p.bad.toLocaleString('en-US')} bad, at line ${p.line.toLocaleString('en-US')}`;
      stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      wrote = true;
    },
    done() {
      if (tty && wrote) stream.write('\n');
    },
  };
}
