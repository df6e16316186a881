/** One place that turns settings into a kafkajs client (brokers, TLS, SASL, logging). */
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../observability/log.js';
import type { KafkaTls } from '../../config/tls-files.js';
import type { Settings } from '../../config/settings.js';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** false: plaintext; true: TLS with the system CAs; an object: TLS with this CA, client certificate (mTLS) and server name. */
  readonly ssl: boolean | KafkaTls;
  readonly saslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly saslUsername: string;
  readonly saslPassword: string;
}

export type KafkaClientSettings = Pick<Settings, 'kafka.brokers' | 'kafka.client_id' | 'kafka.sasl_mechanism' | 'kafka.sasl_username' | 'kafka.sasl_password'>;

/** The client options from the settings: the monitor and `custos produce` connect the same way. */
export function kafkaClientOptions(config: KafkaClientSettings, tls: KafkaTls | null): KafkaClientOptions {
  return {
    brokers: config['kafka.brokers'],
    clientId: config['kafka.client_id'],
    ssl: tls ?? false,
    saslMechanism: config['kafka.sasl_mechanism'],
    saslUsername: config['kafka.sasl_username'],
    saslPassword: config['kafka.sasl_password'],
  };
}

export function createKafka(options: KafkaClientOptions, logger: Logger): Kafka {
  const sasl: SASLOptions | undefined =
    options.saslMechanism === 'none'
      ? undefined
      : ({ mechanism: options.saslMechanism, username: options.saslUsername, password: options.saslPassword } as SASLOptions);
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ssl: typeof options.ssl === 'boolean' ? options.ssl : { ...options.ssl, rejectUnauthorized: true },
    ...(sasl ? { sasl } : {}),
    // kafkajs logs through pino, at warn and above: its info lines are per
    // rebalance/connection and would make normal operation noisy.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const fields = { broker: rest.broker, groupId: rest.groupId, error: rest.error, retryCount: rest.retryCount };
        // "Response <Api>" lines are protocol errors kafkajs retries by itself
        // (a coordinator still loading, a leader moving); if retrying fails,
        // the operation fails and that is reported. Alone they are debug noise.
        if (message.startsWith('Response ')) log.debug(fields, message);
        else if (level <= logLevel.ERROR) log.error(fields, message);
        else log.warn(fields, message);
      },
  });
}
