/**
 * The TLS material the settings name, read and checked at start, before any
 * connection: a file that is missing, unreadable or not PEM of the right kind
 * is a configuration error (exit 78) naming the setting, never a connection
 * retried for two minutes. Key contents never appear in a message.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ConfigError } from './load.js';
import type { Settings } from './settings.js';

export interface KafkaTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
}

export interface ClickHouseTlsFiles {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** The settings of the Kafka TLS material (kafkaTlsOf). */
export const KAFKA_TLS_SETTING_KEYS = ['kafka.ssl', 'kafka.ssl_ca_file', 'kafka.ssl_cert_file', 'kafka.ssl_key_file', 'kafka.ssl_servername'] as const;
type KafkaTlsSettings = Pick<Settings, (typeof KAFKA_TLS_SETTING_KEYS)[number]>;
type TlsSettings = KafkaTlsSettings & ClickHouseTlsSettings;

/** Whether Kafka is reached over TLS: asked for, or implied by a CA file or a client certificate. */
export function kafkaTlsWanted(config: Pick<Settings, 'kafka.ssl' | 'kafka.ssl_ca_file' | 'kafka.ssl_cert_file'>): boolean {
  return config['kafka.ssl'] || config['kafka.ssl_ca_file'] !== '' || config['kafka.ssl_cert_file'] !== '';
}

export interface TlsMaterial {
  /** null: plaintext; {}: TLS with the system CAs. */
  readonly kafka: KafkaTls | null;
  readonly clickhouse: ClickHouseTlsFiles | null;
}

/** Reads and checks PEM files, collecting problems instead of throwing (every problem is reported at once). */
function pemReader(problems: string[]) {
  const read = (env: string, file: string, kind: 'certificate' | 'key'): Buffer | undefined => {
    if (file === '') return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      problems.push(`${env}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
    try {
      if (kind === 'certificate') new X509Certificate(bytes);
      else createPrivateKey(bytes);
    } catch {
      problems.push(`${env}: ${file} is not a PEM ${kind === 'certificate' ? 'certificate' : 'private key'}`);
      return undefined;
    }
    return bytes;
  };
  const pair = (certEnv: string, keyEnv: string, cert: string, key: string) => {
    if ((cert === '') !== (key === '')) problems.push(`${cert === '' ? certEnv : keyEnv}: a client certificate needs both ${certEnv} and ${keyEnv}`);
  };
  return { read, pair };
}

function kafkaTlsOf(config: KafkaTlsSettings, problems: string[]): KafkaTls | null {
  const { read, pair } = pemReader(problems);
  const kCa = read('CUSTOS_KAFKA_SSL_CA_FILE', config['kafka.ssl_ca_file'], 'certificate');
  const kCert = read('CUSTOS_KAFKA_SSL_CERT_FILE', config['kafka.ssl_cert_file'], 'certificate');
  const kKey = read('CUSTOS_KAFKA_SSL_KEY_FILE', config['kafka.ssl_key_file'], 'key');
  pair('CUSTOS_KAFKA_SSL_CERT_FILE', 'CUSTOS_KAFKA_SSL_KEY_FILE', config['kafka.ssl_cert_file'], config['kafka.ssl_key_file']);
  return kafkaTlsWanted(config)
    ? { ...(kCa && { ca: kCa }), ...(kCert && kKey && { cert: kCert, key: kKey }), ...(config['kafka.ssl_servername'] !== '' && { servername: config['kafka.ssl_servername'] }) }
    : null;
}

/** The Kafka part alone, for commands that talk to Kafka only (`custos produce`). */
export function loadKafkaTls(config: KafkaTlsSettings): KafkaTls | null {
  const problems: string[] = [];
  const tls = kafkaTlsOf(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return tls;
}

/** The settings of the ClickHouse TLS files: every command that talks to ClickHouse loads them (loadClickHouseTls). */
export const CLICKHOUSE_TLS_SETTING_KEYS = ['clickhouse.ca_file', 'clickhouse.cert_file', 'clickhouse.key_file'] as const;

/** Every setting loadTlsMaterial reads. */
export const TLS_SETTING_KEYS = [...KAFKA_TLS_SETTING_KEYS, 'clickhouse.url', ...CLICKHOUSE_TLS_SETTING_KEYS] as const;

type ClickHouseTlsSettings = Pick<Settings, 'clickhouse.url' | (typeof CLICKHOUSE_TLS_SETTING_KEYS)[number]>;

/**
 * The ClickHouse part alone, for commands that talk to ClickHouse only (`custos
 * console`, `subject-report`, `exceptions list`, `backtest --from-clickhouse`,
 * `check --from-clickhouse`): `{ tls }` to spread into the connection options,
 * or `{}` (plain http, or https with the system CAs).
 */
export function loadClickHouseTls(config: ClickHouseTlsSettings): { readonly tls?: ClickHouseTlsFiles } {
  const problems: string[] = [];
  const tls = clickHouseTlsOf(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return tls === null ? {} : { tls };
}

function clickHouseTlsOf(config: ClickHouseTlsSettings, problems: string[]): ClickHouseTlsFiles | null {
  const { read, pair } = pemReader(problems);
  const cCa = read('CUSTOS_CLICKHOUSE_CA_FILE', config['clickhouse.ca_file'], 'certificate');
  const cCert = read('CUSTOS_CLICKHOUSE_CERT_FILE', config['clickhouse.cert_file'], 'certificate');
  const cKey = read('CUSTOS_CLICKHOUSE_KEY_FILE', config['clickhouse.key_file'], 'key');
  pair('CUSTOS_CLICKHOUSE_CERT_FILE', 'CUSTOS_CLICKHOUSE_KEY_FILE', config['clickhouse.cert_file'], config['clickhouse.key_file']);
  const wantsClickHouseTls = config['clickhouse.ca_file'] !== '' || config['clickhouse.cert_file'] !== '';
  if (wantsClickHouseTls && !config['clickhouse.url'].startsWith('https://')) problems.push('CUSTOS_CLICKHOUSE_CA_FILE: set, but CUSTOS_CLICKHOUSE_URL is not https://');
  if (config['clickhouse.cert_file'] !== '' && config['clickhouse.ca_file'] === '') problems.push('CUSTOS_CLICKHOUSE_CA_FILE: a ClickHouse client certificate needs the CA file too');
  return wantsClickHouseTls && cCa ? { ca: cCa, ...(cCert && cKey && { cert: cCert, key: cKey }) } : null;
}

export function loadTlsMaterial(config: TlsSettings): TlsMaterial {
  const problems: string[] = [];
  const kafka = kafkaTlsOf(config, problems);
  const clickhouse = clickHouseTlsOf(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { kafka, clickhouse };
}
