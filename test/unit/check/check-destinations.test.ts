import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../../src/cli/check.js';

const BASE = { CUSTOS_KAFKA_BROKERS: '127.0.0.1:9092', CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:8123', CUSTOS_PSEUDONYM_KEY: 'k'.repeat(40) };

async function check(env: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await checkCommand({}, { env: { ...BASE, ...env }, out: (t) => (out += t) });
  return { code, out };
}

describe('custos check: alert destinations, as custos run builds them', () => {
  it('refuses an unknown kind, a destination key it does not know and a plain-http webhook, naming the entry, not the value', async () => {
    const secretish = 'https://hooks.example.com/T000/B000/SECRETPATH';
    const { code, out } = await check({
      CUSTOS_ALERT_DESTINATIONS: JSON.stringify([{ kind: 'slak', webhook_url: secretish }, { kind: 'webhook', url: 'https://siem.example.com/in', retires: 3 }]),
      CUSTOS_WEBHOOK_URLS: 'http://siem.example.com/plain',
    });
    expect(code).toBe(78);
    expect(out).toMatch(/error: settings: alerts\.destinations\[0\]: unknown kind "slak"/);
    expect(out).toContain('error: settings: alerts.destinations[1] (webhook).(entry): Unrecognized key: "retires"');
    expect(out).toContain('error: settings: CUSTOS_WEBHOOK_URLS[0] (webhook).url: must use https');
    expect(out).toContain('custos run would refuse to start');
    expect(out).not.toContain('SECRETPATH');
  });

  it('passes destinations that custos run accepts, a topic one included, without connecting anywhere', async () => {
    const { out } = await check({
      CUSTOS_ALERT_DESTINATIONS: JSON.stringify([{ kind: 'webhook', url: 'https://siem.example.com/in' }, { kind: 'ocsf', topic: 'custos.findings' }]),
    });
    expect(out).not.toMatch(/alerts\.destinations/);
    expect(out).not.toMatch(/CUSTOS_WEBHOOK_URLS/);
  });
});

describe('custos check: TLS files, as custos run reads them at start', () => {
  it('reports a missing CA file, a certificate without its key and a CA with a plain-http ClickHouse URL as errors', async () => {
    const { code, out } = await check({
      CUSTOS_KAFKA_SSL_CA_FILE: '/nonexistent/custos-ca.pem',
      CUSTOS_KAFKA_SSL_CERT_FILE: '/nonexistent/custos-client.pem',
      CUSTOS_CLICKHOUSE_CA_FILE: '/nonexistent/custos-ch-ca.pem',
    });
    expect(code).toBe(78);
    expect(out).toContain('error: settings: CUSTOS_KAFKA_SSL_CA_FILE: cannot read /nonexistent/custos-ca.pem (ENOENT)');
    expect(out).toContain('error: settings: CUSTOS_KAFKA_SSL_KEY_FILE: a client certificate needs both CUSTOS_KAFKA_SSL_CERT_FILE and CUSTOS_KAFKA_SSL_KEY_FILE');
    expect(out).toContain('error: settings: CUSTOS_CLICKHOUSE_CA_FILE: set, but CUSTOS_CLICKHOUSE_URL is not https://');
    expect(out).toContain('custos run would refuse to start');
  });

  it('says nothing of TLS when no TLS file is named', async () => {
    const { out } = await check({});
    expect(out).not.toMatch(/_FILE:/);
  });
});
