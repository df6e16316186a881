/**
 * docker-compose.yml cannot run on machines without a Docker engine; this test
 * keeps it honest anyway: services, ports and environment must agree with the
 * settings custos reads, and the values must pass custos' own config validation.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { SETTINGS } from '../../../src/config/settings.js';

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  expose?: string[];
  networks?: string[];
  secrets?: string[];
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service>; networks: Record<string, { internal?: boolean } | null> };
const { kafka, clickhouse, custos, migrate } = compose.services;
const env = Object.fromEntries(Object.entries(custos?.environment ?? {}).map(([k, v]) => [k, String(v)]));

/** `${NAME:-default}` / `${NAME:?msg}` → the default, or a stand-in for required secrets. */
const interpolate = (v: string) =>
  v.replace(/\$\{[A-Z_]+(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, def: string | undefined) => def ?? 'x'.repeat(40));

describe('docker-compose.yml', () => {
  it('runs the official Kafka and ClickHouse images and builds custos from the Dockerfile', () => {
    expect(kafka?.image).toMatch(/^apache\/kafka:4\./);
    expect(clickhouse?.image).toMatch(/^clickhouse\/clickhouse-server:/);
    expect(custos?.build).toBe('.');
    expect(readFileSync('Dockerfile', 'utf8')).toContain('dist/cli/main.js');
    expect(custos?.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, clickhouse: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
    expect(kafka?.healthcheck).toBeDefined();
    expect(clickhouse?.healthcheck).toBeDefined();
  });

  it('sets only settings custos knows, and every required one', () => {
    const known = new Set(Object.values(SETTINGS).map((s) => s.env));
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    // Secrets (the pseudonym key, the password) are exported from /run/secrets by the command.
    const fromSecrets = ['CUSTOS_PSEUDONYM_KEY', 'CUSTOS_CLICKHOUSE_PASSWORD'];
    const required = Object.values(SETTINGS).filter((s) => !('default' in s)).map((s) => s.env);
    for (const name of required) {
      if (fromSecrets.includes(name)) expect(custos?.command?.join(' '), name).toContain(`${name}="$$(cat /run/secrets/`);
      else expect(env, name).toHaveProperty(name);
    }
  });

  it('points custos at the Kafka listener containers use', () => {
    const kenv = kafka?.environment ?? {};
    const advertised = String(kenv.KAFKA_ADVERTISED_LISTENERS).split(',');
    expect(advertised).toContain(`INTERNAL://${env.CUSTOS_KAFKA_BROKERS}`);
    expect(String(kenv.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR)).toBe('1');
    expect(kafka?.ports).toEqual(['127.0.0.1:9092:9092']);
  });

  it('runs custos as the least-privilege writer; the administrator only migrates and grants', () => {
    const cenv = clickhouse?.environment ?? {};
    const url = new URL(env.CUSTOS_CLICKHOUSE_URL ?? '');
    expect(url.hostname).toBe('clickhouse');
    expect(clickhouse?.ports).toEqual([`127.0.0.1:${url.port}:${url.port}`]);
    expect(env.CUSTOS_CLICKHOUSE_USERNAME).toBe('custos_monitor');
    expect(env.CUSTOS_CLICKHOUSE_MANAGE_SCHEMA).toBe('false');
    expect(env.CUSTOS_CLICKHOUSE_DATABASE).toBe(cenv.CLICKHOUSE_DB);
    expect(migrate?.environment?.CUSTOS_CLICKHOUSE_USERNAME).toBe(cenv.CLICKHOUSE_USER);
    expect(migrate?.command?.join(' ')).toMatch(/db migrate && node dist\/cli\/main\.js db grants --apply/);
    expect(custos?.secrets).toEqual(['pseudonym_key', 'clickhouse_monitor_password']);
    expect(JSON.stringify(compose)).not.toMatch(/PASSWORD: |PSEUDONYM_KEY: /);
  });

  it('publishes no metrics port: /metrics is on an internal network; passes config validation', () => {
    expect(custos?.ports).toBeUndefined();
    expect(custos?.expose).toEqual([String(env.CUSTOS_METRICS_PORT)]);
    expect(custos?.networks).toContain('metrics');
    expect(compose.networks.metrics?.internal).toBe(true);
    const resolved = { ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)])), CUSTOS_PSEUDONYM_KEY: 'x'.repeat(40) };
    const config = loadConfig({ env: resolved });
    expect(config['kafka.brokers']).toEqual(['kafka:19092']);
    expect(config['metrics.host']).toBe('0.0.0.0');
  });
});
