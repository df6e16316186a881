/** Shared by the pipeline integration tests: config for a fresh topic/database, and wire events. */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import type { EventV1 } from '../../../src/model/contract-v1.js';
import type { Settings } from '../../../src/config/settings.js';
import { inject } from 'vitest';
import { uniqueDatabase } from '../../support/clickhouse.js';
import { uniqueName } from '../../support/kafka.js';
import { tempDir } from '../../support/temp-dir.js';

export const PSEUDONYM_KEY = 'integration-test-pseudonym-key-0123456789';
export const WEBHOOK_SECRET = `whsec_${Buffer.from('integration-test-webhook-secret!').toString('base64')}`;

export interface Scenario {
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly database: string;
  readonly webhookUrl?: string;
  readonly maxMessageBytes?: number;
}

/** The environment a custos process for this scenario runs with (also used for child processes). */
export function scenarioEnv(s: Scenario): Record<string, string> {
  return {
    CUSTOS_KAFKA_BROKERS: inject('kafkaBrokers'),
    CUSTOS_CLICKHOUSE_URL: inject('clickhouseUrl'),
    CUSTOS_CLICKHOUSE_USERNAME: inject('clickhouseUsername'),
    CUSTOS_CLICKHOUSE_PASSWORD: inject('clickhousePassword'),
    CUSTOS_CLICKHOUSE_DATABASE: s.database,
    CUSTOS_KAFKA_TOPIC: s.topic,
    CUSTOS_KAFKA_DEAD_LETTER_TOPIC: s.deadLetterTopic,
    CUSTOS_KAFKA_GROUP_ID: s.groupId,
    CUSTOS_PSEUDONYM_KEY: PSEUDONYM_KEY,
    CUSTOS_WEBHOOK_URLS: s.webhookUrl ?? '',
    CUSTOS_WEBHOOK_SECRET: s.webhookUrl ? WEBHOOK_SECRET : '',
    CUSTOS_MAX_MESSAGE_BYTES: String(s.maxMessageBytes ?? 1_048_576),
    CUSTOS_METRICS_PORT: '0',
    CUSTOS_LOG_LEVEL: 'warn',
  };
}

export function scenarioConfig(s: Scenario): Settings {
  return loadConfig({ env: scenarioEnv(s) });
}

/** A fresh topic, dead-letter topic, consumer group and database, named `<prefix>-events`, ..., `custos_<prefix>_...`. */
export function newScenario(prefix: string, options: Pick<Scenario, 'webhookUrl' | 'maxMessageBytes'> = {}): Scenario {
  return {
    topic: uniqueName(`${prefix}-events`),
    deadLetterTopic: uniqueName(`${prefix}-dead`),
    groupId: uniqueName(`${prefix}-group`),
    database: uniqueDatabase(`custos_${prefix}`),
    ...options,
  };
}

const SHIPPED_RULES = fileURLToPath(new URL('../../../rules', import.meta.url));

/**
 * A copy of the shipped rules/ (enrichment files included) in a temporary
 * folder, removed after the test file, and the scenario's config reading its
 * rules and enrichment from that copy, reloaded only on demand. The test may
 * change the copy before the monitor starts or while it runs.
 */
export function withRulesCopy(s: Scenario, prefix: string): { readonly rulesDir: string; readonly config: Settings } {
  const rulesDir = join(tempDir(prefix), 'rules');
  cpSync(SHIPPED_RULES, rulesDir, { recursive: true });
  const enrichment = join(rulesDir, 'enrichment');
  return {
    rulesDir,
    config: {
      ...scenarioConfig(s),
      rules_dir: rulesDir,
      'enrichment.directory_file': join(enrichment, 'actors.csv'),
      'enrichment.zones_file': join(enrichment, 'zones.yaml'),
      'enrichment.fields_file': join(enrichment, 'fields.yaml'),
      'enrichment.calendar_file': join(enrichment, 'calendar.yaml'),
      reload_interval_ms: 0,
    },
  };
}

/** A contract v1 event (src/model/contract-v1.ts), loosened where tests send values the contract refuses. */
export type WireEvent = Omit<EventV1, 'action' | 'outcome'> & { action: string; outcome?: string };

/**
 * A support agent working tickets: one customer per read, through the support
 * console, from the office; the same few dozen customers come back (repeat
 * contacts), as in real support work, so the reads stay within the role's norms.
 */
export function benignRead(i: number, at: number, actor = 'alice'): WireEvent {
  return {
    event_id: `${actor}-read-${i}`,
    ts: at,
    actor_id: actor,
    action: 'read',
    resource_type: 'customer',
    record_ids: [`c-${90_000 + (i % 40)}`],
    fields: ['name', 'email'],
    channel: 'support_console',
    source_ip: '10.10.4.20',
    ticket_id: `T-${1000 + i}`,
  };
}

/** The incident: a support agent exporting thousands of customers (not granted to the role). */
export function bulkExport(id: string, at: number, actor = 'alice', count = 2000): WireEvent {
  return {
    event_id: id,
    ts: at,
    actor_id: actor,
    action: 'export',
    resource_type: 'customer',
    record_ids: Array.from({ length: count }, (_, i) => `c-${i}`),
    fields: ['name', 'email', 'phone', 'address'],
    channel: 'web',
    source_ip: '10.10.4.20',
  };
}

export const asMessage = (e: WireEvent) => ({ key: e.actor_id, value: JSON.stringify(e) });
