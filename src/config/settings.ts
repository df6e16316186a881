/**
 * Every setting custos reads: one table, so the loader, the error messages, the
 * README's configuration table and the docker-compose test agree by construction.
 *
 * Each setting comes from its environment variable, else from the optional YAML
 * config file (CUSTOS_CONFIG_FILE) at its dotted path, else its default.
 */
import { z } from 'zod';
import { ENRICHMENT_SETTINGS } from '../runtime/enrich/sources/index.js';
import { setting } from './setting-spec.js';
import { DEFAULT_INSERT_MAX_ROWS } from '../runtime/outputs/clickhouse/insert-coalescer.js';

export type { SettingSpec } from './setting-spec.js';

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''));
/**
 * A whole number: a number (config file) or a string of digits, optionally
 * signed (environment). Nothing is coerced: z.coerce.number() read " ", "" and
 * false as 0, which keeps rows forever or turns /metrics off.
 */
const NOT_WHOLE = 'must be a whole number (digits, e.g. 30000); a blank, true/false or other text is not a number';
const wholeNumber = (v: number | string, ctx: z.RefinementCtx, message = NOT_WHOLE): number => {
  if (typeof v === 'number') return v;
  if (/^[+-]?\d+$/.test(v.trim())) return Number(v.trim());
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};
const numberOrText = z.union([z.number(), z.string()], { error: NOT_WHOLE });
const whole = (min: number, max: number) => z.number().int(NOT_WHOLE).min(min).max(max);
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => numberOrText.transform(wholeNumber).pipe(whole(min, max));
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');
const httpUrl = z.url({ protocol: /^https?$/ });
/** Empty (inherit the general retention) or whole days (0: forever); a blank is empty. */
const NOT_DAYS = 'must be empty (the general retention, CUSTOS_CLICKHOUSE_RETENTION_DAYS) or a whole number of days in digits; true/false or other text is not a number';
const optionalDays = z
  .union([z.number(), z.string()], { error: NOT_DAYS })
  .transform((v, ctx) => (typeof v === 'string' && v.trim() === '' ? null : wholeNumber(v, ctx, NOT_DAYS)))
  .pipe(z.number().int(NOT_DAYS).min(0).max(Number.MAX_SAFE_INTEGER).nullable());


export const SETTINGS = {
  'kafka.brokers': setting({ env: 'CUSTOS_KAFKA_BROKERS', schema: list.pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1)), description: 'Kafka bootstrap brokers, comma-separated host:port.' }),
  'kafka.topic': setting({ env: 'CUSTOS_KAFKA_TOPIC', schema: z.string().min(1), default: 'access-events', description: 'Topic of data-access events (contract v1).' }),
  'kafka.dead_letter_topic': setting({ env: 'CUSTOS_KAFKA_DEAD_LETTER_TOPIC', schema: z.string().min(1), default: 'access-events.dead-letter', description: 'Where refused messages go, original bytes plus reason headers.' }),
  'kafka.group_id': setting({ env: 'CUSTOS_KAFKA_GROUP_ID', schema: z.string().min(1), default: 'custos', description: 'Consumer group; instances sharing it split the partitions.' }),
  'kafka.client_id': setting({ env: 'CUSTOS_KAFKA_CLIENT_ID', schema: z.string().min(1), default: 'custos', description: 'Kafka client id (broker logs and quotas).' }),
  'kafka.from_beginning': setting({ env: 'CUSTOS_KAFKA_FROM_BEGINNING', schema: bool, default: true, description: 'A new consumer group starts at the earliest offset (nothing is skipped).' }),
  'kafka.session_timeout_ms': setting({ env: 'CUSTOS_KAFKA_SESSION_TIMEOUT_MS', schema: int(6_000, 300_000), default: 45_000, description: 'Consumer-group session timeout: a member silent this long is dropped. custos heartbeats every 3 s, also while a store or rebuild request to ClickHouse hangs, so it need not exceed the ClickHouse request timeout.' }),
  'kafka.align_partitions': setting({ env: 'CUSTOS_KAFKA_ALIGN_PARTITIONS', schema: bool, default: true, description: 'Keep the partitions this instance owns within the peer-baseline margin of each other in event time (a partition ahead pauses), so alerts do not depend on how partitions interleave; false favours the fastest partition over repeatable peer baselines.' }),
  'kafka.ssl': setting({ env: 'CUSTOS_KAFKA_SSL', schema: bool, default: false, description: 'Connect to Kafka with TLS.' }),
  'kafka.ssl_ca_file': setting({ env: 'CUSTOS_KAFKA_SSL_CA_FILE', schema: z.string(), default: '', description: 'PEM file of the CA(s) the brokers\' certificates must chain to, instead of the system CAs; setting it (or a client certificate) turns TLS on.' }),
  'kafka.ssl_cert_file': setting({ env: 'CUSTOS_KAFKA_SSL_CERT_FILE', schema: z.string(), default: '', description: 'PEM client certificate for mutual TLS (with CUSTOS_KAFKA_SSL_KEY_FILE).' }),
  'kafka.ssl_key_file': setting({ env: 'CUSTOS_KAFKA_SSL_KEY_FILE', schema: z.string(), default: '', description: 'PEM private key of the client certificate (a file: the key is never in the environment).' }),
  'kafka.ssl_servername': setting({ env: 'CUSTOS_KAFKA_SSL_SERVERNAME', schema: z.string(), default: '', description: 'Name the brokers\' certificates must carry (SNI and verification), when it differs from the broker host names.' }),
  'kafka.sasl_mechanism': setting({ env: 'CUSTOS_KAFKA_SASL_MECHANISM', schema: z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']), default: 'none', description: 'SASL mechanism (`plain`, `scram-sha-256`, `scram-sha-512`), or none; use it over TLS (CUSTOS_KAFKA_SSL or a CA file), as the password travels in it. OAUTHBEARER is not offered (docs/security.md).' }),
  'kafka.sasl_username': setting({ env: 'CUSTOS_KAFKA_SASL_USERNAME', schema: z.string(), default: '', description: 'SASL user name.' }),
  'kafka.sasl_password': setting({ env: 'CUSTOS_KAFKA_SASL_PASSWORD', schema: z.string(), default: '', secret: true, description: 'SASL password (secret; never logged).' }),
  'clickhouse.url': setting({ env: 'CUSTOS_CLICKHOUSE_URL', schema: httpUrl, url: true, description: 'ClickHouse HTTP endpoint, e.g. http://127.0.0.1:8123.' }),
  'clickhouse.username': setting({ env: 'CUSTOS_CLICKHOUSE_USERNAME', schema: z.string().min(1), default: 'default', description: 'ClickHouse user.' }),
  'clickhouse.password': setting({ env: 'CUSTOS_CLICKHOUSE_PASSWORD', schema: z.string(), default: '', secret: true, description: 'ClickHouse password (secret; never logged).' }),
  'clickhouse.database': setting({ env: 'CUSTOS_CLICKHOUSE_DATABASE', schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a plain identifier'), default: 'custos', description: 'Database holding custos tables (created if missing when the monitor manages the schema; with `CUSTOS_CLICKHOUSE_MANAGE_SCHEMA=false`, by `custos db migrate`).' }),
  'clickhouse.ca_file': setting({ env: 'CUSTOS_CLICKHOUSE_CA_FILE', schema: z.string(), default: '', description: 'PEM file of the CA(s) an https:// ClickHouse certificate must chain to, instead of the system CAs.' }),
  'clickhouse.cert_file': setting({ env: 'CUSTOS_CLICKHOUSE_CERT_FILE', schema: z.string(), default: '', description: 'PEM client certificate for ClickHouse over https (with CUSTOS_CLICKHOUSE_KEY_FILE and CUSTOS_CLICKHOUSE_CA_FILE).' }),
  'clickhouse.key_file': setting({ env: 'CUSTOS_CLICKHOUSE_KEY_FILE', schema: z.string(), default: '', description: 'PEM private key of the ClickHouse client certificate.' }),
  'clickhouse.manage_schema': setting({ env: 'CUSTOS_CLICKHOUSE_MANAGE_SCHEMA', schema: bool, default: true, description: 'The monitor creates and upgrades its tables at start (and, on servers without TTL, removes expired rows); false for a least-privilege writer user: the schema then comes from `custos db migrate` and retention from `custos db retention` (docs/security.md).' }),
  'clickhouse.request_timeout_ms': setting({ env: 'CUSTOS_CLICKHOUSE_REQUEST_TIMEOUT_MS', schema: int(1_000, 3_600_000), default: 30_000, description: 'Timeout of one ClickHouse request; a timed-out insert is retried (the partition waits, heartbeating, and commits nothing).' }),
  'clickhouse.insert_format': setting({ env: 'CUSTOS_CLICKHOUSE_INSERT_FORMAT', schema: z.enum(['json', 'rowbinary']), default: 'rowbinary', description: 'How access_events rows are sent: rowbinary (half the bytes, less CPU in custos and in the server; column order read from the server at start, JSONEachRow where a column type differs) or json (JSONEachRow). Same stored rows either way.' }),
  'clickhouse.insert_max_rows': setting({ env: 'CUSTOS_CLICKHOUSE_INSERT_MAX_ROWS', schema: int(1, 10_000_000), default: DEFAULT_INSERT_MAX_ROWS, description: 'Most rows of one table in one insert. The batches of the partitions handled at once are stored as one insert per table (ClickHouse spends its CPU per part written, not per row), up to this many rows; a batch larger than this still goes alone, in one insert.' }),
  'clickhouse.retention_days': setting({ env: 'CUSTOS_CLICKHOUSE_RETENTION_DAYS', schema: int(0), default: 400, description: 'Days every custos table keeps its rows unless its own retention setting says otherwise: a TTL on servers with TTL, elsewhere custos drops expired months and deletes expired alert rows itself (docs/security.md); 0 keeps rows forever.' }),
  'retention.access_events_days': setting({ env: 'CUSTOS_RETENTION_ACCESS_EVENTS_DAYS', schema: optionalDays, default: '', description: 'Retention of access_events (by ts), in days; empty: CUSTOS_CLICKHOUSE_RETENTION_DAYS.' }),
  'retention.rejected_events_days': setting({ env: 'CUSTOS_RETENTION_REJECTED_EVENTS_DAYS', schema: optionalDays, default: '', description: 'Retention of rejected_events (by received_at), in days; empty: CUSTOS_CLICKHOUSE_RETENTION_DAYS.' }),
  'retention.alerts_days': setting({ env: 'CUSTOS_RETENTION_ALERTS_DAYS', schema: optionalDays, default: '', description: 'Retention of alerts (by last_event_ts), in days; empty: CUSTOS_CLICKHOUSE_RETENTION_DAYS.' }),
  'retention.alert_notifications_days': setting({ env: 'CUSTOS_RETENTION_ALERT_NOTIFICATIONS_DAYS', schema: optionalDays, default: '', description: 'Retention of alert_notifications, the webhook outbox (by stored_at), in days; keep it above the webhook max age; empty: CUSTOS_CLICKHOUSE_RETENTION_DAYS.' }),
  'retention.alert_deliveries_days': setting({ env: 'CUSTOS_RETENTION_ALERT_DELIVERIES_DAYS', schema: optionalDays, default: '', description: 'Retention of alert_deliveries (by updated_at), in days; empty: CUSTOS_CLICKHOUSE_RETENTION_DAYS.' }),
  'retention.actor_activity_days': setting({ env: 'CUSTOS_RETENTION_ACTOR_ACTIVITY_DAYS', schema: optionalDays, default: '', description: 'Retention of actor_activity, the baselines (by bucket_start), in days; keep it above CUSTOS_HISTORY_LOOKBACK_DAYS; empty: CUSTOS_CLICKHOUSE_RETENTION_DAYS.' }),
  'retention.partition_progress_days': setting({ env: 'CUSTOS_RETENTION_PARTITION_PROGRESS_DAYS', schema: optionalDays, default: '', description: 'Retention of partition_progress, the restore anchors (by stored_at), in days; empty: CUSTOS_CLICKHOUSE_RETENTION_DAYS.' }),
  'retention.interval_ms': setting({ env: 'CUSTOS_RETENTION_INTERVAL_MS', schema: int(0), default: 3_600_000, description: 'On servers without TTL, how often custos removes rows past retention (also once at start; 0: only at start).' }),
  'pseudonym_key': setting({ env: 'CUSTOS_PSEUDONYM_KEY', schema: z.string().min(32, 'must be at least 32 characters'), secret: true, description: 'HMAC key for customer-record pseudonyms, the current one (secret; never stored, logged or sent).' }),
  'pseudonym_key_id': setting({ env: 'CUSTOS_PSEUDONYM_KEY_ID', schema: z.string().regex(/^([a-z0-9]{1,8})?$/, 'must be empty or 1 to 8 lowercase letters or digits'), default: '', description: 'Id of the current pseudonym key, stored with every pseudonym it makes (`<hex>@<id>`); empty: the unnamed key (bare pseudonyms, as before key ids). Give each new key an id when rotating (docs/security.md).' }),
  'pseudonym_old_keys': setting({ env: 'CUSTOS_PSEUDONYM_OLD_KEYS', schema: list, default: [], secret: true, description: 'Earlier pseudonym keys, still searched by `custos pseudonym`, subject reports and `custos db erase` (never used to write): comma-separated `<key id>:<key>` entries (an empty id for the unnamed key), a list in the config file; keep each for the access_events retention after its rotation (secret).' }),
  'minimise.source_ip': setting({ env: 'CUSTOS_MINIMISE_SOURCE_IP', schema: z.enum(['clear', 'truncated', 'pseudonymised', 'dropped']), default: 'truncated', description: 'How source_ip is stored: clear, truncated (IPv4 /24, IPv6 /48), pseudonymised (keyed) or dropped; the network zone is resolved from the full address first (docs/security.md).' }),
  'minimise.user_agent': setting({ env: 'CUSTOS_MINIMISE_USER_AGENT', schema: z.enum(['clear', 'truncated', 'pseudonymised', 'dropped']), default: 'truncated', description: 'How user_agent is stored: clear, truncated (product and major version, e.g. Chrome/120), pseudonymised or dropped.' }),
  'minimise.session_id': setting({ env: 'CUSTOS_MINIMISE_SESSION_ID', schema: z.enum(['clear', 'pseudonymised', 'dropped']), default: 'pseudonymised', description: 'How session_id is stored: clear, pseudonymised (keyed: events of one session still match) or dropped.' }),
  'max_message_bytes': setting({ env: 'CUSTOS_MAX_MESSAGE_BYTES', schema: int(1, 64 * 1024 * 1024), default: 1_048_576, description: 'Messages larger than this are dead-lettered as too_large.' }),
  'rules_dir': setting({ env: 'CUSTOS_RULES_DIR', schema: z.string().min(1), default: 'rules', description: 'Folder of rules, lists, exceptions and their test cases.' }),
  // The file setting of each enrichment source, in the list's order (src/runtime/enrich/sources/index.ts).
  ...ENRICHMENT_SETTINGS,
  'enrichment.default_timezone': setting({ env: 'CUSTOS_DEFAULT_TIMEZONE', schema: z.string().min(1), default: 'UTC', description: 'Time zone of unknown actors and of directory rows without one.' }),
  'reload_interval_ms': setting({ env: 'CUSTOS_RELOAD_INTERVAL_MS', schema: int(0), default: 10_000, description: 'How often rule and enrichment files are checked for changes (0: only on SIGHUP).' }),
  'alerts.destinations': setting({
    env: 'CUSTOS_ALERT_DESTINATIONS',
    schema: z
      .union([z.string().transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON list of destinations' });
          return z.NEVER;
        }
      }), z.array(z.unknown())])
      .pipe(z.array(z.looseObject({ kind: z.string().min(1) }), { message: 'must be a list of destinations, each with a kind' })),
    default: [],
    secret: true,
    description: 'Alert destinations, each { kind, ...its keys }: `webhook`, `slack`, `pagerduty`, `ocsf` (every key: docs/destinations.md); JSON in the variable, a list in the config file. Holds URLs and keys: never logged.',
  }),
  'webhook.urls': setting({ env: 'CUSTOS_WEBHOOK_URLS', schema: list.pipe(z.array(httpUrl)), url: true, default: [], description: 'Alert webhook endpoints, comma-separated: https, or plain http to this machine only (another http URL stops the start, exit 78); empty stores alerts only.' }),
  'webhook.secret': setting({ env: 'CUSTOS_WEBHOOK_SECRET', schema: z.string().regex(/^(whsec_[A-Za-z0-9+/=]{16,})?$/, 'must be whsec_ followed by base64 (Standard Webhooks)'), default: '', secret: true, description: 'Signing secret (Standard Webhooks, whsec_...); empty sends unsigned.' }),
  'webhook.timeout_ms': setting({ env: 'CUSTOS_WEBHOOK_TIMEOUT_MS', schema: int(100, 120_000), default: 10_000, description: 'Timeout of one delivery attempt.' }),
  'webhook.max_age_ms': setting({ env: 'CUSTOS_WEBHOOK_MAX_AGE_MS', schema: int(1000), default: 86_400_000, description: 'Retry a failing delivery for this long, then record gave_up.' }),
  'history.lookback_days': setting({ env: 'CUSTOS_HISTORY_LOOKBACK_DAYS', schema: int(1, 366), default: 28, description: 'Days of activity history loaded for baselines at start.' }),
  'history.refresh_interval_ms': setting({ env: 'CUSTOS_HISTORY_REFRESH_INTERVAL_MS', schema: int(0), default: 900_000, description: 'How often activity stored by any instance is merged into the baselines (0: only at start).' }),
  'history.max_recent_events': setting({ env: 'CUSTOS_HISTORY_MAX_RECENT_EVENTS', schema: int(0), default: 2_000_000, description: 'Cap on events reloaded per assigned partition (at start and at each rebalance) to rebuild sliding windows; the newest by offset are kept, streamed, never held whole.' }),
  'engine.max_actors': setting({ env: 'CUSTOS_ENGINE_MAX_ACTORS', schema: int(1), default: 100_000, description: 'Actors whose window state is held; beyond it the least recently active without an open alert are evicted and rebuilt from ClickHouse on their next event.' }),
  'engine.max_open_alerts': setting({ env: 'CUSTOS_ENGINE_MAX_OPEN_ALERTS', schema: int(1), default: 20_000, description: 'Open alerts held; beyond it the least recently active actors\' alerts are closed early (`closed_by: open_alert_cap`).' }),
  'engine.max_history_actors': setting({ env: 'CUSTOS_ENGINE_MAX_HISTORY_ACTORS', schema: int(1), default: 200_000, description: 'Actors whose baseline history (activity rows of the look-back) is held; beyond it those longest without a new row and without window state are dropped.' }),
  'exceptions.refresh_interval_ms': setting({ env: 'CUSTOS_EXCEPTIONS_REFRESH_INTERVAL_MS', schema: int(0), default: 30_000, description: 'How often the monitor loads the exceptions made in the console (merged with the YAML ones; 0: only at start).' }),
  'console.host': setting({ env: 'CUSTOS_CONSOLE_HOST', schema: z.string().min(1), default: '127.0.0.1', description: 'Address the analysts\' console (custos console) binds to.' }),
  'console.port': setting({ env: 'CUSTOS_CONSOLE_PORT', schema: int(0, 65535), default: 9480, description: 'Port of the analysts\' console (0: any free port, printed at start).' }),
  'console.auth': setting({ env: 'CUSTOS_CONSOLE_AUTH', schema: z.enum(['users_file', 'proxy']), default: 'users_file', description: 'How console users sign in: users_file (names, roles, scrypt password hashes) or proxy (X-Forwarded-User / X-Forwarded-Email from a trusted reverse proxy such as oauth2-proxy; roles from the users file).' }),
  'console.users_file': setting({ env: 'CUSTOS_CONSOLE_USERS_FILE', schema: z.string().min(1), default: 'console-users.yaml', description: 'Console users and roles (viewer, analyst, privacy_officer), YAML; see docs/console.md.' }),
  'console.trusted_proxies': setting({ env: 'CUSTOS_CONSOLE_TRUSTED_PROXIES', schema: list, default: [], description: 'With console.auth proxy: addresses or CIDR ranges whose X-Forwarded-User / X-Forwarded-Email headers are believed; requests from elsewhere are refused.' }),
  'console.session_key': setting({ env: 'CUSTOS_CONSOLE_SESSION_KEY', schema: z.string().regex(/^([0-9a-fA-F]{64})?$/, 'must be 64 hex characters (32 bytes)'), default: '', secret: true, description: 'Key of the encrypted session cookies, 64 hex characters (secret); empty: a random key per start (sessions end with a restart; give every console instance the same key).' }),
  'console.session_hours': setting({ env: 'CUSTOS_CONSOLE_SESSION_HOURS', schema: int(1, 24 * 30), default: 8, description: 'A console session ends this long after sign-in.' }),
  'console.cookie_secure': setting({ env: 'CUSTOS_CONSOLE_COOKIE_SECURE', schema: bool, default: true, description: 'Session cookies only over HTTPS (browsers also accept them from http://localhost); false only behind a proxy that terminates TLS and forwards plain HTTP on a trusted network.' }),
  'console.login_attempts_per_minute': setting({ env: 'CUSTOS_CONSOLE_LOGIN_ATTEMPTS_PER_MINUTE', schema: int(1, 1000), default: 10, description: 'Sign-in attempts allowed per client address and minute; more are refused with 429.' }),
  'console.max_exception_days': setting({ env: 'CUSTOS_CONSOLE_MAX_EXCEPTION_DAYS', schema: int(1, 3660), default: 90, description: 'Longest expiry an exception made in the console may have.' }),
  'console.clickhouse_username': setting({ env: 'CUSTOS_CONSOLE_CLICKHOUSE_USERNAME', schema: z.string().min(1), default: 'custos_console', description: 'ClickHouse user the console reads with (read only; the access model of custos db grants).' }),
  'console.clickhouse_password': setting({ env: 'CUSTOS_CONSOLE_CLICKHOUSE_PASSWORD', schema: z.string(), default: '', secret: true, description: 'Password of the console\'s reading ClickHouse user (secret).' }),
  'console.clickhouse_writer_username': setting({ env: 'CUSTOS_CONSOLE_CLICKHOUSE_WRITER_USERNAME', schema: z.string().min(1), default: 'custos_console_writer', description: 'ClickHouse user the console writes triage, exceptions and its audit with (only the console database; no DDL).' }),
  'console.clickhouse_writer_password': setting({ env: 'CUSTOS_CONSOLE_CLICKHOUSE_WRITER_PASSWORD', schema: z.string(), default: '', secret: true, description: 'Password of the console\'s writing ClickHouse user (secret).' }),
  'log.level': setting({ env: 'CUSTOS_LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', description: 'pino log level.' }),
  'metrics.port': setting({ env: 'CUSTOS_METRICS_PORT', schema: int(0, 65535), default: 9464, description: 'Port of /metrics (Prometheus) and /healthz; 0 disables.' }),
  'metrics.host': setting({ env: 'CUSTOS_METRICS_HOST', schema: z.string().min(1), default: '127.0.0.1', description: 'Address /metrics binds to (0.0.0.0 in containers).' }),
} as const;

export type SettingKey = keyof typeof SETTINGS;

/**
 * `CUSTOS_*` variables that are not settings but are read by custos or its
 * scripts; any other `CUSTOS_*` variable is refused at start (a typo such as
 * CUSTOS_WEBHOOK_SECRT would otherwise be ignored silently).
 */
export const OTHER_VARIABLES: Readonly<Record<string, string>> = {
  CUSTOS_CONFIG_FILE: 'YAML config file (or --config); environment variables override it.',
};

/**
 * Prefixes of the variables the test suite and scripts read (test endpoints,
 * native services, chaos runs, and the chDB server of scripts/services.sh and
 * test/support/global-setup-modern.ts: CUSTOS_CHDB_PORT, _VERSION, _URL,
 * _QUERY_LOG). They are left in the shell of whoever runs those scripts, so
 * the unknown-variable check must pass them, or every custos command run from
 * that shell refuses to start.
 */
export const TOOL_VARIABLE_PREFIXES: readonly string[] = ['CUSTOS_TEST_', 'CUSTOS_NATIVE_', 'CUSTOS_CHAOS_', 'CUSTOS_CHDB_'];
export type Settings = { readonly [K in SettingKey]: z.output<(typeof SETTINGS)[K]['schema']> };
