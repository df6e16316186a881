/**
 * `custos check`: settings that are each valid alone but misfire together
 * (src/runtime/check/settings-checks.ts) are warnings, each naming both values
 * and what to change; never an error, never a secret's value.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../../src/cli/check.js';
import { inspectSettings } from '../../../src/config/load.js';
import { SETTINGS, type SettingKey } from '../../../src/config/settings.js';
import { tryLoadRuleSet } from '../../../src/runtime/engine/index.js';
import { formatFinding } from '../../../src/runtime/check/findings.js';
import { checkSettingsTogether, ruleHorizons, SETTINGS_CHECKS, type RuleHorizons } from '../../../src/runtime/check/settings-checks.js';
import { tempDir } from '../../support/temp-dir.js';

const DAY = 86_400_000;
const BASE = { CUSTOS_KAFKA_BROKERS: '127.0.0.1:9092', CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:8123', CUSTOS_PSEUDONYM_KEY: 'k'.repeat(40) };
/** The shipped rules' horizons (28 days of activity, about 3 days of windows to restore). */
const RULES: RuleHorizons = { activityLookbackMs: 28 * DAY, activityLookbackAt: 'rules/settings.yaml:13', restoreWindowMs: 3 * DAY + 5 * 60_000 };
const PASSWORD = 'hunter2-not-shown';

/** The warnings for these variables (on top of BASE), as `custos check` prints them. */
/** rules null: the rules folder did not load. */
function warningsFor(env: Record<string, string>, rules: RuleHorizons | null = RULES): string[] {
  const s = inspectSettings({ env: { ...BASE, ...env } }, Object.keys(SETTINGS) as SettingKey[]);
  expect(s.problems).toEqual([]);
  return checkSettingsTogether({ values: s.values, origins: s.origins, ...(rules !== null && { rules }) }).map(formatFinding);
}

describe('custos check: settings that misfire together', () => {
  it('the defaults raise none of them', () => {
    expect(warningsFor({})).toEqual([]);
    expect(warningsFor({ CUSTOS_WEBHOOK_URLS: 'https://siem.example.com/in' })).toEqual([]);
    expect(SETTINGS_CHECKS.length).toBeGreaterThanOrEqual(10);
  });

  describe('actor_activity retention below the history look-back', () => {
    it('warns with both values and the settings to change', () => {
      expect(warningsFor({ CUSTOS_RETENTION_ACTOR_ACTIVITY_DAYS: '7' })).toEqual([
        'warning: settings: actor_activity keeps 7 days (CUSTOS_RETENTION_ACTOR_ACTIVITY_DAYS), but the baselines are restored from 28 days of it (CUSTOS_HISTORY_LOOKBACK_DAYS (default)): after a restart baselines and first-seen facts would hold only 7 days; set CUSTOS_RETENTION_ACTOR_ACTIVITY_DAYS to at least 28, or lower CUSTOS_HISTORY_LOOKBACK_DAYS',
      ]);
    });
    it('follows the general retention when the table has none of its own', () => {
      const [w] = warningsFor({ CUSTOS_CLICKHOUSE_RETENTION_DAYS: '20', CUSTOS_RETENTION_ACCESS_EVENTS_DAYS: '30', CUSTOS_RETENTION_ALERT_NOTIFICATIONS_DAYS: '30', CUSTOS_RETENTION_ALERT_DELIVERIES_DAYS: '30' });
      expect(w).toContain('actor_activity keeps 20 days (CUSTOS_CLICKHOUSE_RETENTION_DAYS; CUSTOS_RETENTION_ACTOR_ACTIVITY_DAYS is empty)');
    });
    it('is quiet at or above the look-back, and for 0 (forever)', () => {
      expect(warningsFor({ CUSTOS_RETENTION_ACTOR_ACTIVITY_DAYS: '28' })).toEqual([]);
      expect(warningsFor({ CUSTOS_RETENTION_ACTOR_ACTIVITY_DAYS: '7', CUSTOS_HISTORY_LOOKBACK_DAYS: '7' }, { ...RULES, activityLookbackMs: 7 * DAY })).toEqual([]);
      expect(warningsFor({ CUSTOS_CLICKHOUSE_RETENTION_DAYS: '0' })).toEqual([]);
    });
  });

  describe('history look-back below the rules activity_lookback', () => {
    it('warns, naming where the rules set it', () => {
      expect(warningsFor({ CUSTOS_HISTORY_LOOKBACK_DAYS: '7' })).toEqual([
        "warning: settings: CUSTOS_HISTORY_LOOKBACK_DAYS restores 7 days of activity, but the rules' activity_lookback is 28 days (rules/settings.yaml:13): after a restart baselines and first-seen facts would hold only 7 days until the monitor has run 28 days; set CUSTOS_HISTORY_LOOKBACK_DAYS to at least 28, or lower activity_lookback",
      ]);
    });
    it('is quiet when the look-back covers the rules, or the rules did not load', () => {
      expect(warningsFor({ CUSTOS_HISTORY_LOOKBACK_DAYS: '30' })).toEqual([]);
      expect(warningsFor({ CUSTOS_HISTORY_LOOKBACK_DAYS: '7' }, null)).toEqual([]);
    });
  });

  describe('access_events retention below the restore window', () => {
    it('warns with the window the rules need', () => {
      expect(warningsFor({ CUSTOS_RETENTION_ACCESS_EVENTS_DAYS: '3' })).toEqual([
        "warning: settings: access_events keeps 3 days (CUSTOS_RETENTION_ACCESS_EVENTS_DAYS), but restoring the rules' windows (a partition's assignment, actors evicted under CUSTOS_ENGINE_MAX_ACTORS) reads up to 4 days 1 h of it (the longest rule window, lateness, the group margin and two days): restored windows would silently be short; set CUSTOS_RETENTION_ACCESS_EVENTS_DAYS to at least 5",
      ]);
    });
    it('is quiet when the retention covers it, or the rules did not load', () => {
      expect(warningsFor({ CUSTOS_RETENTION_ACCESS_EVENTS_DAYS: '5' })).toEqual([]);
      expect(warningsFor({ CUSTOS_RETENTION_ACCESS_EVENTS_DAYS: '3' }, null)).toEqual([]);
    });
  });

  describe('alert outbox retention below the outbox scan', () => {
    const hooks = { CUSTOS_WEBHOOK_URLS: 'https://siem.example.com/in' };
    it('warns for alert_notifications', () => {
      expect(warningsFor({ ...hooks, CUSTOS_RETENTION_ALERT_NOTIFICATIONS_DAYS: '1' })).toEqual([
        'warning: settings: alert_notifications, the alert outbox, keeps 1 day (CUSTOS_RETENTION_ALERT_NOTIFICATIONS_DAYS), but a failing delivery is retried for 1 day (CUSTOS_WEBHOOK_MAX_AGE_MS (default)) and the outbox scan looks 1 day 1 h back: a notification still owed after a restart could expire unsent and without its gave_up state; set CUSTOS_RETENTION_ALERT_NOTIFICATIONS_DAYS to at least 2, or lower CUSTOS_WEBHOOK_MAX_AGE_MS',
      ]);
    });
    it('warns for alert_deliveries', () => {
      expect(warningsFor({ ...hooks, CUSTOS_RETENTION_ALERT_DELIVERIES_DAYS: '2', CUSTOS_WEBHOOK_MAX_AGE_MS: String(3 * DAY) })).toEqual([
        'warning: settings: alert_deliveries keeps 2 days (CUSTOS_RETENTION_ALERT_DELIVERIES_DAYS), but the outbox scan looks 3 days 1 h back (CUSTOS_WEBHOOK_MAX_AGE_MS, plus an hour): a notification whose delivered state expired while it is still in the scan would be sent again; set CUSTOS_RETENTION_ALERT_DELIVERIES_DAYS to at least 4, or lower CUSTOS_WEBHOOK_MAX_AGE_MS',
      ]);
    });
    it('is quiet when the retention covers the scan, or no destination uses the outbox', () => {
      expect(warningsFor({ ...hooks, CUSTOS_RETENTION_ALERT_NOTIFICATIONS_DAYS: '2', CUSTOS_RETENTION_ALERT_DELIVERIES_DAYS: '2' })).toEqual([]);
      expect(warningsFor({ CUSTOS_RETENTION_ALERT_NOTIFICATIONS_DAYS: '1', CUSTOS_RETENTION_ALERT_DELIVERIES_DAYS: '1' })).toEqual([]);
    });
  });

  describe('SASL', () => {
    it('warns about credentials a mechanism of none never uses, without showing them', () => {
      const out = warningsFor({ CUSTOS_KAFKA_SASL_USERNAME: 'custos-user', CUSTOS_KAFKA_SASL_PASSWORD: PASSWORD });
      expect(out).toEqual([
        'warning: settings: CUSTOS_KAFKA_SASL_USERNAME and CUSTOS_KAFKA_SASL_PASSWORD are set, but CUSTOS_KAFKA_SASL_MECHANISM (default) is none: custos connects to Kafka without SASL and never uses them; set CUSTOS_KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512), or unset CUSTOS_KAFKA_SASL_USERNAME and CUSTOS_KAFKA_SASL_PASSWORD',
      ]);
      expect(out.join('\n')).not.toContain(PASSWORD);
      expect(out.join('\n')).not.toContain('custos-user');
    });
    it('warns about a mechanism with an empty password', () => {
      expect(warningsFor({ CUSTOS_KAFKA_SASL_MECHANISM: 'scram-sha-512', CUSTOS_KAFKA_SASL_USERNAME: 'custos' })).toEqual([
        'warning: settings: CUSTOS_KAFKA_SASL_MECHANISM is scram-sha-512, but CUSTOS_KAFKA_SASL_PASSWORD is empty: the SASL login would send it empty, which brokers refuse (custos run then exits 78, CUSTOS_KAFKA_AUTH); set CUSTOS_KAFKA_SASL_PASSWORD, or set CUSTOS_KAFKA_SASL_MECHANISM to none',
      ]);
    });
    it('warns about plain without TLS', () => {
      expect(warningsFor({ CUSTOS_KAFKA_SASL_MECHANISM: 'plain', CUSTOS_KAFKA_SASL_USERNAME: 'custos', CUSTOS_KAFKA_SASL_PASSWORD: PASSWORD })).toEqual([
        'warning: settings: CUSTOS_KAFKA_SASL_MECHANISM is plain, but Kafka is reached without TLS (CUSTOS_KAFKA_SSL false, no CUSTOS_KAFKA_SSL_CA_FILE or CUSTOS_KAFKA_SSL_CERT_FILE): the SASL password would cross the network in clear; set CUSTOS_KAFKA_SSL=true (or a CA file), or use scram-sha-256 / scram-sha-512',
      ]);
    });
    it('is quiet for a mechanism with both credentials (plain over TLS), and for none without credentials', () => {
      expect(warningsFor({ CUSTOS_KAFKA_SASL_MECHANISM: 'plain', CUSTOS_KAFKA_SSL: 'true', CUSTOS_KAFKA_SASL_USERNAME: 'custos', CUSTOS_KAFKA_SASL_PASSWORD: PASSWORD })).toEqual([]);
      expect(warningsFor({ CUSTOS_KAFKA_SASL_MECHANISM: 'scram-sha-256', CUSTOS_KAFKA_SASL_USERNAME: 'custos', CUSTOS_KAFKA_SASL_PASSWORD: PASSWORD })).toEqual([]);
      expect(warningsFor({ CUSTOS_KAFKA_SASL_MECHANISM: 'none' })).toEqual([]);
    });
  });

  describe('Kafka TLS server name without TLS', () => {
    it('warns', () => {
      expect(warningsFor({ CUSTOS_KAFKA_SSL_SERVERNAME: 'kafka.internal.example' })).toEqual([
        'warning: settings: CUSTOS_KAFKA_SSL_SERVERNAME is set, but Kafka is reached without TLS (CUSTOS_KAFKA_SSL false, no CUSTOS_KAFKA_SSL_CA_FILE or CUSTOS_KAFKA_SSL_CERT_FILE): the connection is plaintext and the server name is never used; set CUSTOS_KAFKA_SSL=true (or a CA file), or unset CUSTOS_KAFKA_SSL_SERVERNAME',
      ]);
    });
    it('is quiet with TLS on', () => {
      expect(warningsFor({ CUSTOS_KAFKA_SSL_SERVERNAME: 'kafka.internal.example', CUSTOS_KAFKA_SSL: 'true' })).toEqual([]);
    });
  });

  describe('webhook secret without webhook URLs', () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123').toString('base64')}`;
    it('warns, without showing the secret', () => {
      const out = warningsFor({ CUSTOS_WEBHOOK_SECRET: secret });
      expect(out).toEqual([
        'warning: settings: CUSTOS_WEBHOOK_SECRET is set, but CUSTOS_WEBHOOK_URLS (default) is empty: the secret signs only the CUSTOS_WEBHOOK_URLS webhooks, so nothing uses it (a webhook in CUSTOS_ALERT_DESTINATIONS takes its own secret key); set CUSTOS_WEBHOOK_URLS, or move the secret into the destination and unset CUSTOS_WEBHOOK_SECRET',
      ]);
      expect(out.join('\n')).not.toContain(secret);
    });
    it('is quiet with webhook URLs', () => {
      expect(warningsFor({ CUSTOS_WEBHOOK_SECRET: secret, CUSTOS_WEBHOOK_URLS: 'https://siem.example.com/in' })).toEqual([]);
    });
  });

  it('reads the horizons of the shipped rules as the restore computes them', () => {
    const loaded = tryLoadRuleSet('rules', { now: Date.parse('2026-12-01T12:00:00Z') });
    if (!loaded.ok) throw new Error('the shipped rules must load');
    const h = ruleHorizons(loaded.ruleSet);
    expect(h.activityLookbackMs).toBe(28 * DAY);
    expect(h.activityLookbackAt).toMatch(/rules\/settings\.yaml:\d+$/);
    expect(h.restoreWindowMs).toBeGreaterThan(2 * DAY);
  });

  it('custos check prints the warnings, counts them and exits 0, naming a value from the config file by its key', async () => {
    const config = join(tempDir('custos-settings-check-'), 'custos.yaml');
    writeFileSync(config, 'history:\n  lookback_days: 7\n');
    let out = '';
    const code = await checkCommand(
      { config },
      { env: { ...BASE, CUSTOS_KAFKA_SASL_USERNAME: 'custos', CUSTOS_KAFKA_SASL_PASSWORD: PASSWORD }, out: (t) => (out += t) },
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^warning: settings: CUSTOS_KAFKA_SASL_USERNAME and CUSTOS_KAFKA_SASL_PASSWORD are set, but CUSTOS_KAFKA_SASL_MECHANISM \(default\) is none: /m);
    expect(out).toMatch(new RegExp(`^warning: settings: history\\.lookback_days \\(in ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) restores 7 days of activity, but the rules' activity_lookback is 28 days \\(.*rules/settings\\.yaml:\\d+\\)`, 'm'));
    expect(out).not.toContain(PASSWORD);
    // The same run without them: two warnings fewer.
    let plain = '';
    await checkCommand({}, { env: BASE, out: (t) => (plain += t) });
    const count = (text: string) => Number(/(\d+) warnings?: custos run would start/.exec(text)?.[1]);
    expect(count(out)).toBe(count(plain) + 2);
  });
});
