/**
 * Settings that are each valid alone but misfire together: `custos check`
 * warns about them (never an error: the monitor starts), so a deployer learns
 * before go-live that, say, a table expires rows the restore needs.
 *
 * Each check is one small pure function in SETTINGS_CHECKS: the settings
 * values (and where each came from) and, where it needs them, the horizons of
 * the loaded rule set in, findings out. A setting that is itself invalid is
 * absent from the values (reported as an error already): a check that needs
 * it says nothing. Secret values are never shown, only whether they are set.
 */
import { SETTINGS, type SettingKey, type Settings } from '../../config/settings.js';
import { createEngine, type RuleSet } from '../engine/index.js';
import type { RetainedTable } from '../outputs/clickhouse/ddl.js';
import { OUTBOX_SCAN_EXTRA_MS } from '../outputs/alerts/dispatcher.js';
import { kafkaTlsWanted } from '../../config/tls-files.js';
import { warning, type CheckFinding } from './findings.js';
import { indexRuleFiles } from './rule-files.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What the loaded rule set asks of the stored history (absent when the rules did not load). */
export interface RuleHorizons {
  /** settings.activity_lookback: how much activity history baselines and first-seen facts use. */
  readonly activityLookbackMs: number;
  /** Where it is set (`file:line`), or that it is the default. */
  readonly activityLookbackAt: string;
  /** How far back a partition's restore reads access_events (the engine's historyWindowMs: longest window, lateness, a day, the group margin). */
  readonly restoreWindowMs: number;
}

export interface SettingsCheckInput {
  readonly values: Partial<Settings>;
  /** Where each value came from: its variable, `key (in file)`, or `default`. */
  readonly origins: Readonly<Partial<Record<SettingKey, string>>>;
  readonly rules?: RuleHorizons;
}

export type SettingsCheck = (input: SettingsCheckInput) => CheckFinding[];

/** The rule set's horizons, as the monitor's restore computes them (an engine is built, nothing is evaluated). */
export function ruleHorizons(ruleSet: RuleSet): RuleHorizons {
  const engine = createEngine({ rules: ruleSet, clock: { now: () => 0 } });
  let at = `the default (no settings.activity_lookback in the rules folder)`;
  for (const src of indexRuleFiles(ruleSet).files) {
    const set = (src.data?.settings as { activity_lookback?: unknown } | undefined)?.activity_lookback;
    if (set === undefined) continue;
    const line = src.lineOf(['settings', 'activity_lookback']);
    at = `${src.file}${line === null ? '' : `:${line}`}`;
  }
  return { activityLookbackMs: ruleSet.settings.activity_lookback, activityLookbackAt: at, restoreWindowMs: engine.historyWindowMs() };
}

/** Every check, in the order its warnings are printed: adding a check is one entry. */
export const SETTINGS_CHECKS: readonly { readonly name: string; readonly check: SettingsCheck }[] = [
  { name: 'actor_activity retention below the history look-back', check: activityRetentionBelowLookback },
  { name: 'history look-back below the rules activity_lookback', check: lookbackBelowRules },
  { name: 'access_events retention below the restore window', check: eventsRetentionBelowRestoreWindow },
  { name: 'alert_notifications retention below the outbox scan', check: notificationsRetentionBelowOutboxScan },
  { name: 'alert_deliveries retention below the outbox scan', check: deliveriesRetentionBelowOutboxScan },
  { name: 'SASL credentials without a mechanism', check: saslCredentialsUnused },
  { name: 'SASL mechanism without credentials', check: saslCredentialsMissing },
  { name: 'SASL plain without TLS', check: saslPlainWithoutTls },
  { name: 'Kafka TLS server name without TLS', check: servernameWithoutTls },
  { name: 'webhook secret without webhook URLs', check: webhookSecretUnused },
];

export function checkSettingsTogether(input: SettingsCheckInput): CheckFinding[] {
  return SETTINGS_CHECKS.flatMap((c) => c.check(input));
}

// ---- the checks ------------------------------------------------------------

function activityRetentionBelowLookback(i: SettingsCheckInput): CheckFinding[] {
  const kept = retention(i, 'actor_activity');
  const lookback = i.values['history.lookback_days'];
  if (kept === null || lookback === undefined || kept.days === 0 || kept.days >= lookback) return [];
  return found(
    `actor_activity keeps ${days(kept.days)} (${kept.named}), but the baselines are restored from ${days(lookback)} of it (${named(i, 'history.lookback_days')}): ` +
      `after a restart baselines and first-seen facts would hold only ${days(kept.days)}; set ${kept.setting} to at least ${lookback}, or lower ${SETTINGS['history.lookback_days'].env}`,
  );
}

function lookbackBelowRules(i: SettingsCheckInput): CheckFinding[] {
  const lookback = i.values['history.lookback_days'];
  const r = i.rules;
  if (lookback === undefined || r === undefined || lookback * DAY_MS >= r.activityLookbackMs) return [];
  return found(
    `${named(i, 'history.lookback_days')} restores ${days(lookback)} of activity, but the rules' activity_lookback is ${span(r.activityLookbackMs)} (${r.activityLookbackAt}): ` +
      `after a restart baselines and first-seen facts would hold only ${days(lookback)} until the monitor has run ${span(r.activityLookbackMs)}; ` +
      `set ${SETTINGS['history.lookback_days'].env} to at least ${Math.ceil(r.activityLookbackMs / DAY_MS)}, or lower activity_lookback`,
  );
}

function eventsRetentionBelowRestoreWindow(i: SettingsCheckInput): CheckFinding[] {
  const kept = retention(i, 'access_events');
  const r = i.rules;
  if (kept === null || r === undefined || kept.days === 0) return [];
  // A partition's restore reads restoreWindowMs back; rebuilding actors evicted under the cap a day more (monitor.ts).
  const needMs = r.restoreWindowMs + DAY_MS;
  if (kept.days * DAY_MS >= needMs) return [];
  return found(
    `access_events keeps ${days(kept.days)} (${kept.named}), but restoring the rules' windows (a partition's assignment, actors evicted under ${SETTINGS['engine.max_actors'].env}) reads up to ${span(needMs)} of it ` +
      `(the longest rule window, lateness, the group margin and two days): restored windows would silently be short; set ${kept.setting} to at least ${Math.ceil(needMs / DAY_MS)}`,
  );
}

function notificationsRetentionBelowOutboxScan(i: SettingsCheckInput): CheckFinding[] {
  const scan = outboxScan(i);
  const kept = retention(i, 'alert_notifications');
  if (scan === null || kept === null || kept.days === 0 || kept.days * DAY_MS >= scan.ms) return [];
  return found(
    `alert_notifications, the alert outbox, keeps ${days(kept.days)} (${kept.named}), but a failing delivery is retried for ${span(scan.maxAgeMs)} (${scan.named}) and the outbox scan looks ${span(scan.ms)} back: ` +
      `a notification still owed after a restart could expire unsent and without its gave_up state; set ${kept.setting} to at least ${Math.ceil(scan.ms / DAY_MS)}, or lower ${SETTINGS['webhook.max_age_ms'].env}`,
  );
}

function deliveriesRetentionBelowOutboxScan(i: SettingsCheckInput): CheckFinding[] {
  const scan = outboxScan(i);
  const kept = retention(i, 'alert_deliveries');
  if (scan === null || kept === null || kept.days === 0 || kept.days * DAY_MS >= scan.ms) return [];
  return found(
    `alert_deliveries keeps ${days(kept.days)} (${kept.named}), but the outbox scan looks ${span(scan.ms)} back (${scan.named}, plus an hour): ` +
      `a notification whose delivered state expired while it is still in the scan would be sent again; set ${kept.setting} to at least ${Math.ceil(scan.ms / DAY_MS)}, or lower ${SETTINGS['webhook.max_age_ms'].env}`,
  );
}

function saslCredentialsUnused(i: SettingsCheckInput): CheckFinding[] {
  const v = i.values;
  if (v['kafka.sasl_mechanism'] !== 'none') return [];
  const set = (['kafka.sasl_username', 'kafka.sasl_password'] as const).filter((k) => v[k] !== undefined && v[k] !== '');
  if (set.length === 0) return [];
  const names = set.map((k) => SETTINGS[k].env).join(' and ');
  return found(
    `${names} ${set.length === 1 ? 'is' : 'are'} set, but ${named(i, 'kafka.sasl_mechanism')} is none: custos connects to Kafka without SASL and never uses ${set.length === 1 ? 'it' : 'them'}; ` +
      `set ${SETTINGS['kafka.sasl_mechanism'].env} (plain, scram-sha-256 or scram-sha-512), or unset ${names}`,
  );
}

function saslCredentialsMissing(i: SettingsCheckInput): CheckFinding[] {
  const v = i.values;
  const mechanism = v['kafka.sasl_mechanism'];
  if (mechanism === undefined || mechanism === 'none') return [];
  const empty = (['kafka.sasl_username', 'kafka.sasl_password'] as const).filter((k) => v[k] === '');
  if (empty.length === 0) return [];
  const names = empty.map((k) => SETTINGS[k].env).join(' and ');
  return found(
    `${named(i, 'kafka.sasl_mechanism')} is ${mechanism}, but ${names} ${empty.length === 1 ? 'is' : 'are'} empty: the SASL login would send ${empty.length === 1 ? 'it' : 'them'} empty, ` +
      `which brokers refuse (custos run then exits 78, CUSTOS_KAFKA_AUTH); set ${names}, or set ${SETTINGS['kafka.sasl_mechanism'].env} to none`,
  );
}

function saslPlainWithoutTls(i: SettingsCheckInput): CheckFinding[] {
  if (i.values['kafka.sasl_mechanism'] !== 'plain' || kafkaTls(i) !== false) return [];
  return found(
    `${named(i, 'kafka.sasl_mechanism')} is plain, but Kafka is reached without TLS (${tlsOff()}): the SASL password would cross the network in clear; ` +
      `set ${SETTINGS['kafka.ssl'].env}=true (or a CA file), or use scram-sha-256 / scram-sha-512`,
  );
}

function servernameWithoutTls(i: SettingsCheckInput): CheckFinding[] {
  const name = i.values['kafka.ssl_servername'];
  if (name === undefined || name === '' || kafkaTls(i) !== false) return [];
  return found(
    `${named(i, 'kafka.ssl_servername')} is set, but Kafka is reached without TLS (${tlsOff()}): the connection is plaintext and the server name is never used; ` +
      `set ${SETTINGS['kafka.ssl'].env}=true (or a CA file), or unset ${SETTINGS['kafka.ssl_servername'].env}`,
  );
}

function webhookSecretUnused(i: SettingsCheckInput): CheckFinding[] {
  const secret = i.values['webhook.secret'];
  const urls = i.values['webhook.urls'];
  if (secret === undefined || secret === '' || urls === undefined || urls.length > 0) return [];
  return found(
    `${named(i, 'webhook.secret')} is set, but ${named(i, 'webhook.urls')} is empty: the secret signs only the CUSTOS_WEBHOOK_URLS webhooks, so nothing uses it ` +
      `(a webhook in ${SETTINGS['alerts.destinations'].env} takes its own secret key); set ${SETTINGS['webhook.urls'].env}, or move the secret into the destination and unset ${SETTINGS['webhook.secret'].env}`,
  );
}

// ---- helpers ---------------------------------------------------------------

const found = (reason: string): CheckFinding[] => [warning({ file: 'settings', line: null, reason })];

/** A setting by the name the deployer set it under: its variable, its file key, or its variable with "(default)". */
function named(i: SettingsCheckInput, key: SettingKey): string {
  const origin = i.origins[key];
  const env = SETTINGS[key].env;
  if (origin === undefined || origin === 'default') return `${env} (default)`;
  return origin;
}

/** A table's effective retention in days (0: forever) and the setting that decides it; null when one is invalid. */
function retention(i: SettingsCheckInput, table: RetainedTable): { days: number; named: string; setting: string } | null {
  const key = `retention.${table}_days` as const;
  const own = i.values[key];
  const general = i.values['clickhouse.retention_days'];
  if (own === undefined) return null;
  if (own !== null) return { days: own, named: named(i, key), setting: SETTINGS[key].env };
  if (general === undefined) return null;
  return { days: general, named: `${named(i, 'clickhouse.retention_days')}; ${SETTINGS[key].env} is empty`, setting: SETTINGS[key].env };
}

/** How far back the outbox scan reads, when any alert destination is configured (else the outbox is unused). */
function outboxScan(i: SettingsCheckInput): { ms: number; maxAgeMs: number; named: string } | null {
  const v = i.values;
  const maxAge = v['webhook.max_age_ms'];
  const urls = v['webhook.urls'];
  const destinations = v['alerts.destinations'];
  if (maxAge === undefined || urls === undefined || destinations === undefined) return null;
  if (urls.length === 0 && destinations.length === 0) return null;
  return { ms: maxAge + OUTBOX_SCAN_EXTRA_MS, maxAgeMs: maxAge, named: named(i, 'webhook.max_age_ms') };
}

/** Whether Kafka is reached over TLS (tls-files.ts decides it); null when a setting it needs is invalid. */
function kafkaTls(i: SettingsCheckInput): boolean | null {
  const v = i.values;
  const ssl = v['kafka.ssl'];
  const ca = v['kafka.ssl_ca_file'];
  const cert = v['kafka.ssl_cert_file'];
  if (ssl === undefined || ca === undefined || cert === undefined) return null;
  return kafkaTlsWanted({ 'kafka.ssl': ssl, 'kafka.ssl_ca_file': ca, 'kafka.ssl_cert_file': cert });
}

const tlsOff = (): string => `${SETTINGS['kafka.ssl'].env} false, no ${SETTINGS['kafka.ssl_ca_file'].env} or ${SETTINGS['kafka.ssl_cert_file'].env}`;

const days = (n: number): string => `${n} day${n === 1 ? '' : 's'}`;

/** A duration as days (and hours, rounded up): 28 days, 4 days 1 h. */
function span(ms: number): string {
  const hours = Math.ceil(ms / HOUR_MS);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  if (d === 0) return `${h} h`;
  return h === 0 ? days(d) : `${days(d)} ${h} h`;
}
