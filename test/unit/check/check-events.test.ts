/**
 * `custos check --events FILE`: a sample of events through the real decode
 * and enrich on the sample organisation's configuration (test/fixtures/adapting),
 * reporting the gaps it shows and the share of events each policy rule flags.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../../src/cli/check.js';
import { networkOf } from '../../../src/tools/check-events/events-sample.js';
import { tempDir } from '../../support/temp-dir.js';

const RULES = 'test/fixtures/adapting/rules';
const SECRET_CUSTOMER = 'cust-SECRET-0042';
const env = { CUSTOS_RULES_DIR: RULES, CUSTOS_KAFKA_BROKERS: '127.0.0.1:9092', CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:8123', CUSTOS_PSEUDONYM_KEY: 'a-test-pseudonym-key-of-32-characters!' };

const ev = (over: Record<string, unknown>) =>
  JSON.stringify({ event_id: `e-${Math.random()}`, ts: '2026-03-10T10:00:00Z', action: 'read', resource_type: 'customer', channel: 'support_console', source_ip: '192.168.40.10', fields: ['name', 'email'], record_ids: [SECRET_CUSTOMER], ...over });

function sampleFile(): string {
  const file = join(tempDir('custos-check-events-'), 'sample.ndjson');
  const lines = [
    ev({ actor_id: 'sa-anna', ticket_id: 'HD-1' }),
    ev({ actor_id: 'sa-anna' }), // no ticket
    ev({ actor_id: 'ghost-1', ticket_id: 'HD-2' }), // not in the directory
    ev({ actor_id: 'an-dora', action: 'search', resource_type: 'order', channel: 'sql', source_ip: '203.0.113.7', fields: ['order_id', 'loyalty_points'] }),
    ev({ actor_id: 'en-gus', resource_type: 'order', channel: 'sql', source_ip: null, fields: ['order_id'] }),
    `{"actor_id":"sa-anna","record_ids":["${SECRET_CUSTOMER}"`,
    ev({ actor_id: 'ghost-1', ticket_id: 'HD-3' }),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function check(o: { events?: string; limit?: number; fromClickhouse?: boolean }, over: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await checkCommand({ now: Date.UTC(2026, 2, 10), ...o }, { out: (t) => (out += t), env: { ...env, ...over } });
  return { code, out };
}

describe('custos check --events', () => {
  it('reports unknown actors, addresses in no zone, unlisted fields and refused lines, and each policy rule\'s share', async () => {
    const file = sampleFile();
    const { code, out } = await check({ events: file });
    expect(code).toBe(0);
    expect(out).not.toContain(SECRET_CUSTOMER);
    expect(out).toContain(`events: ${file}: 7 lines, 6 decoded, 1 refused`);
    expect(out).toContain(`warning: ${file}: 1 line refused by decode (malformed_json 1), which the monitor would dead-letter; first: line 6: malformed_json`);
    expect(out).toContain(`warning: ${file}: 1 actor not in the directory (2 events, 33.3 %): ghost-1 2; they are enriched as role unknown: add them to ${RULES}/enrichment/actors.csv`);
    expect(out).toContain(`warning: ${file}: 1 event (16.7 %) from addresses in no zone, by network: 203.0.113.0/24 1; add the ranges to ${RULES}/enrichment/zones.yaml`);
    expect(out).toContain(`warning: ${file}: 1 event (16.7 %) without source_ip, in zone unknown`);
    expect(out).toContain(`warning: ${file}: fields the fields file does not list, by events carrying them (class identity by default): loyalty_points 1; list them in ${RULES}/enrichment/fields.yaml`);
    const share = (rule: string) => out.split('\n').find((l) => l.startsWith(`${rule} `))?.trim().split(/\s+/).slice(1).join(' ');
    expect(share('policy.accounts.unknown-actor')).toBe('2 33.3 %');
    expect(share('policy.purpose.customer-read-without-ticket')).toBe('1 16.7 %');
    // Dora's unlisted field is class identity, which analysts are not granted; Dora's and Gus's addresses are in no zone.
    expect(share('policy.need-to-know.grant')).toBe('1 16.7 %');
    expect(share('policy.need-to-know.zone')).toBe('2 33.3 %');
    expect(share('policy.lifecycle.terminated-access')).toBe('0 0.0 %');
    // The configuration's own two warnings plus the sample's five.
    expect(out).toMatch(/0 errors, 7 warnings: custos run would start\n$/);
  });

  it('--limit samples the first lines only', async () => {
    const { out } = await check({ events: sampleFile(), limit: 2 });
    expect(out).toMatch(/events: .*: 2 lines, 2 decoded\n/);
    expect(out).not.toContain('not in the directory');
  });

  it('does not sample on a configuration with errors, and says why', async () => {
    const { code, out } = await check({ events: sampleFile() }, { CUSTOS_RULES_DIR: join(tempDir('custos-check-none-'), 'missing') });
    expect(code).toBe(78);
    expect(out).toContain('not sampled: the rules and enrichment files must load first');
  });

  it('refuses an events file it cannot read, before checking anything (exit 78)', async () => {
    const missing = join(tempDir('custos-check-missing-'), 'none.ndjson');
    const { code, out } = await check({ events: missing });
    expect(code).toBe(78);
    expect(out).toBe(`custos check: cannot read the events file ${missing} (--events)\n`);
  });

  it('--from-clickhouse: refuses --events beside it and --since/--until without it (exit 78), before checking anything', async () => {
    let out = '';
    const io = { out: (t: string) => (out += t), env };
    expect(await checkCommand({ fromClickhouse: true, events: sampleFile() }, io)).toBe(78);
    expect(out).toBe('custos check: give one sample: --events FILE or --from-clickhouse\n');
    out = '';
    expect(await checkCommand({ since: 0 }, io)).toBe(78);
    expect(out).toBe('custos check: --since and --until select stored events: they need --from-clickhouse\n');
    out = '';
    expect(await checkCommand({ fromClickhouse: true, since: 2000, until: 1000 }, io)).toBe(78);
    expect(out).toBe('custos check: --until must be after --since\n');
  });

  it('--from-clickhouse: a server that does not answer is an error of the report with its own exit code (1: worth another try)', async () => {
    const { code, out } = await check({ fromClickhouse: true }, { CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    expect(out).toMatch(/^error: ClickHouse custos\.access_events_dedup: CUSTOS_CLICKHOUSE: ClickHouse version failed: network ECONNREFUSED/m);
    expect(out).toMatch(/1 error, \d+ warnings: custos run would refuse to start\n$/);
    expect(code).toBe(1);
  });

  it('names networks coarsely enough to add a range', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('::ffff:10.1.2.3')).toBe('10.1.2.0/24');
    expect(networkOf('not-an-ip')).toBe('(not an address)');
  });
});
