/** Shared by the pipeline integration tests: config for a fresh topic/database, and wire events. */
import { loadConfig } from '../../../src/config/load.js';
import type { Settings } from '../../../src/config/settings.js';
import { inject } from 'vitest';

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

export interface WireEvent {
  event_id: string;
  ts: string | number;
  actor_id: string;
  action: string;
  resource_type: string;
  record_ids?: string[];
  record_count?: number;
  fields?: string[];
  channel?: string;
  source_ip?: string;
  ticket_id?: string;
  outcome?: string;
}

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
