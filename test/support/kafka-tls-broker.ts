/**
 * A second, throwaway native Kafka broker that speaks TLS only, for the TLS
 * tests (issue 11). Same jars as the shared broker (scripts/services.sh
 * resolves them from Maven Central into the clone's .cache/kafka-libs; the
 * `kafka-jars` command does only that), its own free ports and data folder,
 * a small heap, stopped after the test file. Listeners:
 *   - SSL: mutual TLS, a client certificate from the test CA is required;
 *   - SASL_SSL: TLS with SASL users created at start (SCRAM-SHA-256 and -512
 *     in the metadata log at format time, PLAIN in the listener's JAAS line);
 *   - CONTROLLER: KRaft's own loopback channel, never given to clients.
 * The broker's keystore (PKCS#12) and truststore (PEM) are made at start from
 * a fresh CA (test/support/certificates.ts).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { issueCertificate, makeCa, pkcs12Keystore, type KeyPair } from './certificates.js';
import { freePort, portAnswers } from './ports.js';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * A Kafka cluster id made here to save a JVM start: 16 random bytes in
 * URL-safe base64, like `kafka-storage random-uuid`, and like it never
 * starting with '-' (Kafka's Uuid.randomUuid redraws those): `format -t -C5n...`
 * is read as an unknown option and the broker never starts (a CI run failed
 * so, 1 draw in 64).
 */
export function kafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export interface SaslUser {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface TlsBroker {
  /** host:port of the mutual-TLS listener. */
  readonly sslBrokers: string;
  /** host:port of the SASL over TLS listener. */
  readonly saslBrokers: string;
  /** The CA that signed the broker's certificate and the client certificate. */
  readonly ca: KeyPair;
  /** A client certificate the SSL listener accepts. */
  readonly client: KeyPair;
  /** One user per mechanism, each known to the SASL_SSL listener. */
  readonly users: readonly SaslUser[];
  stop(): Promise<void>;
}

/**
 * The broker jars: CUSTOS_NATIVE_KAFKA_LIBS when set (a folder scripts/services.sh
 * filled elsewhere), else this clone's .cache/kafka-libs, resolved now if
 * scripts/services.sh has not done it yet (a fresh clone whose tests were
 * given service endpoints never ran `services.sh up`).
 */
async function kafkaLibs(): Promise<string> {
  const given = process.env.CUSTOS_NATIVE_KAFKA_LIBS;
  if (given) return given;
  const local = join(ROOT, '.cache', 'kafka-libs');
  if (existsSync(join(local, '.complete'))) return local;
  const { stdout } = await run('bash', [join(ROOT, 'scripts/services.sh'), 'kafka-jars'], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.split('\n').find((l) => l.startsWith('CUSTOS_NATIVE_KAFKA_LIBS='));
  if (!line) throw new Error(`scripts/services.sh kafka-jars printed no folder:\n${stdout}`);
  return line.slice('CUSTOS_NATIVE_KAFKA_LIBS='.length);
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-40).join('\n') : '(no log)');

const JAVA_OPTS = ['-Xms128m', '-Xmx320m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData'];

/** Starts the broker in `dir` (a temporary folder the caller removes) and resolves once both client listeners accept connections. */
export async function startTlsBroker(dir: string, timeoutMs = 120_000): Promise<TlsBroker> {
  const classpath = `${await kafkaLibs()}/*`;
  const [sslPort, saslPort, controllerPort] = [await freePort(), await freePort(), await freePort()];

  const ca = makeCa(dir, 'kafka-test-ca');
  const server = issueCertificate(dir, ca, 'kafka-broker', 'server');
  const client = issueCertificate(dir, ca, 'custos-client', 'client');
  const storePassword = randomBytes(12).toString('hex');
  const keystore = pkcs12Keystore(dir, server, ca, storePassword);
  const users: SaslUser[] = [
    { mechanism: 'scram-sha-256', username: 'custos-scram256', password: randomBytes(12).toString('hex') },
    { mechanism: 'scram-sha-512', username: 'custos-scram512', password: randomBytes(12).toString('hex') },
    { mechanism: 'plain', username: 'custos-plain', password: randomBytes(12).toString('hex') },
  ];
  const plain = users.find((u) => u.mechanism === 'plain')!;

  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SSL://127.0.0.1:${sslPort},SASL_SSL://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SSL://127.0.0.1:${sslPort},SASL_SSL://127.0.0.1:${saslPort}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      // The broker talks to itself over TLS too, with its own certificate.
      'inter.broker.listener.name=SSL',
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${keystore}`,
      `ssl.keystore.password=${storePassword}`,
      `ssl.key.password=${storePassword}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${ca.cert}`,
      'ssl.client.auth=required',
      // SASL clients authenticate with their password; they need no certificate.
      'listener.name.sasl_ssl.ssl.client.auth=none',
      'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${plain.username}="${plain.password}";`,
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      // One node: internal topics must not ask for more replicas than exist.
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );

  const clusterId = kafkaClusterId();
  const scram = users.filter((u) => u.mechanism !== 'plain').flatMap((u) => ['--add-scram', `${u.mechanism.toUpperCase()}=[name=${u.username},password=${u.password}]`]);
  await run('java', [...JAVA_OPTS, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties, ...scram], { timeout: 120_000 });

  const log = join(dir, 'broker.log');
  const out = openSync(log, 'w');
  const child = spawn('java', [...JAVA_OPTS, '-cp', classpath, 'kafka.Kafka', properties], { stdio: ['ignore', out, out] });
  // Never outlive the test process, even if it ends without running its hooks.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited(child)) return;
    const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
    // The data is thrown away: no need for a controlled shutdown.
    child.kill('SIGKILL');
    await gone;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited(child)) throw new Error(`the TLS test broker exited (${child.exitCode ?? child.signalCode}):\n${tail(log)}`);
    if ((await portAnswers(sslPort)) && (await portAnswers(saslPort))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the TLS test broker did not listen within ${timeoutMs} ms:\n${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { sslBrokers: `127.0.0.1:${sslPort}`, saslBrokers: `127.0.0.1:${saslPort}`, ca, client, users, stop };
}
