import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../../support/temp-dir.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactedConfig, unknownVariables } from '../../../src/config/load.js';

const minimal = {
  CUSTOS_KAFKA_BROKERS: '127.0.0.1:9092',
  CUSTOS_CLICKHOUSE_URL: 'http://127.0.0.1:8123',
  CUSTOS_PSEUDONYM_KEY: 'p'.repeat(40),
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('applies defaults and parses lists and numbers', () => {
    const c = loadConfig({ env: { ...minimal, CUSTOS_WEBHOOK_URLS: 'http://a.test/x, https://b.test/y', CUSTOS_MAX_MESSAGE_BYTES: '2048' } });
    expect(c['kafka.topic']).toBe('access-events');
    expect(c['webhook.urls']).toEqual(['http://a.test/x', 'https://b.test/y']);
    expect(c.max_message_bytes).toBe(2048);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every missing required key', () => {
    const problems = problemsOf(() => loadConfig({ env: {} }));
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['CUSTOS_KAFKA_BROKERS', 'CUSTOS_CLICKHOUSE_URL', 'CUSTOS_PSEUDONYM_KEY']);
  });

  it('names the key and the bad value, but never echoes a secret', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { ...minimal, CUSTOS_MAX_MESSAGE_BYTES: 'lots', CUSTOS_PSEUDONYM_KEY: 'short-secret', CUSTOS_KAFKA_BROKERS: 'nohost' } }),
    );
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('CUSTOS_MAX_MESSAGE_BYTES'))).toContain('"lots"');
    expect(problems.find((p) => p.startsWith('CUSTOS_KAFKA_BROKERS'))).toContain('host:port');
    const key = problems.find((p) => p.startsWith('CUSTOS_PSEUDONYM_KEY')) ?? '';
    expect(key).toContain('at least 32');
    expect(key).not.toContain('short-secret');
  });

  it('never echoes a URL setting in an error: it may carry a token or credentials', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { ...minimal, CUSTOS_WEBHOOK_URLS: 'https://soc.test/hooks/T0KEN-abc?sig=SECRET123, ftp://x', CUSTOS_CLICKHOUSE_URL: 'user:pa55@nohost' } }),
    );
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toMatch(/T0KEN|SECRET123|pa55/);
  });

  it('reads a YAML file, lets the environment override it, refuses unknown keys', () => {
    const dir = tempDir('custos-config-');
    const file = join(dir, 'custos.yaml');
    writeFileSync(file, 'kafka:\n  topic: from-file\n  group_id: g-file\nwebhook:\n  urls: [http://hook.test/a]\n');
    const c = loadConfig({ env: { ...minimal, CUSTOS_KAFKA_GROUP_ID: 'g-env' }, file });
    expect(c['kafka.topic']).toBe('from-file');
    expect(c['kafka.group_id']).toBe('g-env');
    expect(c['webhook.urls']).toEqual(['http://hook.test/a']);
    writeFileSync(file, 'kafka:\n  topik: typo\n');
    expect(problemsOf(() => loadConfig({ env: minimal, file }))).toEqual([`${file}: unknown setting "kafka.topik" (did you mean "kafka.topic"?)`]);
  });

  it('redacts secrets and webhook paths for logging', () => {
    const c = loadConfig({
      env: {
        ...minimal,
        CUSTOS_CLICKHOUSE_URL: 'http://reader:ch-pass@clickhouse.test:8123/',
        CUSTOS_WEBHOOK_URLS: 'https://hooks.test/T0/secret-token?sig=1',
        CUSTOS_WEBHOOK_SECRET: 'whsec_' + 'A'.repeat(32),
      },
    });
    const shown = JSON.stringify(redactedConfig(c));
    expect(shown).not.toContain('p'.repeat(40));
    expect(shown).not.toContain('secret-token');
    expect(shown).not.toContain('A'.repeat(32));
    expect(shown).not.toContain('ch-pass');
    expect(shown).toContain('https://hooks.test');
    expect(shown).toContain('http://clickhouse.test:8123');
  });
});

describe('unknown CUSTOS_* variables (issue 12, finding 9)', () => {
  it('refuses a mistyped variable, naming the nearest known one', () => {
    const problems = problemsOf(() => loadConfig({ env: { ...minimal, CUSTOS_WEBHOOK_SECRT: 'whsec_' + 'A'.repeat(32) } }));
    expect(problems).toEqual(['CUSTOS_WEBHOOK_SECRT is not a custos setting (did you mean CUSTOS_WEBHOOK_SECRET?); it would be ignored']);
  });

  it('accepts CUSTOS_CONFIG_FILE and the test tooling variables, ignores other prefixes', () => {
    const c = loadConfig({ env: { ...minimal, CUSTOS_CONFIG_FILE: '', CUSTOS_TEST_KAFKA_BROKERS: 'x', OTHER_WEBHOOK_SECRT: 'y' } });
    expect(c['kafka.topic']).toBe('access-events');
  });
});

describe('enrichment paths follow the rules folder (issue 12, finding 3)', () => {
  it('defaults every enrichment file inside CUSTOS_RULES_DIR', () => {
    const c = loadConfig({ env: { ...minimal, CUSTOS_RULES_DIR: '/srv/org-rules' } });
    expect(c['enrichment.directory_file']).toBe('/srv/org-rules/enrichment/actors.csv');
    expect(c['enrichment.zones_file']).toBe('/srv/org-rules/enrichment/zones.yaml');
    expect(c['enrichment.fields_file']).toBe('/srv/org-rules/enrichment/fields.yaml');
    expect(c['enrichment.calendar_file']).toBe('/srv/org-rules/enrichment/calendar.yaml');
  });

  it('an explicit file setting still wins', () => {
    const c = loadConfig({ env: { ...minimal, CUSTOS_RULES_DIR: '/srv/org-rules', CUSTOS_ZONES_FILE: '/etc/zones.yaml' } });
    expect(c['enrichment.zones_file']).toBe('/etc/zones.yaml');
    expect(c['enrichment.fields_file']).toBe('/srv/org-rules/enrichment/fields.yaml');
  });
});

describe('config file keys are written nested (review of the configuration, finding 1)', () => {
  it('refuses a flat dotted key rather than keeping the default silently, saying how to nest it', () => {
    const file = join(tempDir('custos-config-'), 'custos.yaml');
    writeFileSync(file, 'kafka.topic: other\nkafka:\n  group_id: g\n  ssl.ca_file: ca.pem\nkafka.topik: typo\n');
    expect(problemsOf(() => loadConfig({ env: minimal, file }))).toEqual([
      `${file}: key "kafka.topic" is written flat; write it nested, kafka: { topic: ... }`,
      `${file}: key "kafka.ssl.ca_file" is written flat; write it nested, kafka: { ssl: { ca_file: ... } }; and unknown setting "kafka.ssl.ca_file" (did you mean "kafka.ssl_ca_file"?)`,
      `${file}: key "kafka.topik" is written flat; write it nested, kafka: { topik: ... }; and unknown setting "kafka.topik" (did you mean "kafka.topic"?)`,
    ]);
    writeFileSync(file, 'kafka:\n  topic: other\n');
    expect(loadConfig({ env: minimal, file })['kafka.topic']).toBe('other');
  });
});

describe('number settings are not coerced (review of the configuration, finding 2)', () => {
  const fileWith = (text: string) => {
    const file = join(tempDir('custos-config-'), 'custos.yaml');
    writeFileSync(file, text);
    return file;
  };
  const notWhole = 'must be a whole number (digits, e.g. 30000); a blank, true/false or other text is not a number';

  it('refuses a blank, an empty string or a boolean rather than reading it as 0 (keep forever, /metrics off)', () => {
    expect(problemsOf(() => loadConfig({ env: { ...minimal, CUSTOS_CLICKHOUSE_RETENTION_DAYS: ' ' } }))).toEqual([`CUSTOS_CLICKHOUSE_RETENTION_DAYS: ${notWhole} (got " ")`]);
    const file = fileWith('clickhouse:\n  retention_days: ""\nmetrics:\n  port: false\nconsole:\n  port: ""\n');
    expect(problemsOf(() => loadConfig({ env: minimal, file }))).toEqual([
      `clickhouse.retention_days (in ${file}): ${notWhole} (got "")`,
      `console.port (in ${file}): ${notWhole} (got "")`,
      `metrics.port (in ${file}): ${notWhole} (got false)`,
    ]);
  });

  it('refuses text that only coerces to a number (hex, exponent, decimal for a whole number)', () => {
    const problems = problemsOf(() => loadConfig({ env: { ...minimal, CUSTOS_METRICS_PORT: '0x10', CUSTOS_CONSOLE_PORT: '1e3', CUSTOS_WEBHOOK_TIMEOUT_MS: '1500.5' } }));
    expect(problems).toHaveLength(3);
    for (const p of problems) expect(p).toContain(notWhole);
  });

  it('a blank per-table retention falls back to the general retention, not to 0 (forever)', () => {
    const c = loadConfig({ env: { ...minimal, CUSTOS_RETENTION_ALERTS_DAYS: ' ', CUSTOS_RETENTION_ACCESS_EVENTS_DAYS: ' 30 ' } });
    expect(c['retention.alerts_days']).toBeNull();
    expect(c['retention.access_events_days']).toBe(30);
    const problems = problemsOf(() => loadConfig({ env: minimal, file: fileWith('retention:\n  alerts_days: false\n') }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('must be empty (the general retention, CUSTOS_CLICKHOUSE_RETENTION_DAYS) or a whole number of days');
  });

  it('still reads digits from the environment and numbers from the file', () => {
    const c = loadConfig({ env: { ...minimal, CUSTOS_METRICS_PORT: '0', CUSTOS_CONSOLE_PORT: '+9481' }, file: fileWith('clickhouse:\n  retention_days: 0\nwebhook:\n  timeout_ms: 2500\n') });
    expect(c['metrics.port']).toBe(0);
    expect(c['console.port']).toBe(9481);
    expect(c['clickhouse.retention_days']).toBe(0);
    expect(c['webhook.timeout_ms']).toBe(2500);
    expect(problemsOf(() => loadConfig({ env: { ...minimal, CUSTOS_METRICS_PORT: '-1' } }))[0]).toMatch(/^CUSTOS_METRICS_PORT: Too small/);
  });
});

describe('an empty environment variable is its value (review of the configuration, finding 3)', () => {
  it('CUSTOS_WEBHOOK_URLS= wins over the file: webhooks off, not the file URLs kept silently', () => {
    const file = join(tempDir('custos-config-'), 'custos.yaml');
    writeFileSync(file, 'webhook:\n  urls: [http://hook.test/a]\n  secret: whsec_AAAAAAAAAAAAAAAAAAAA\n');
    const c = loadConfig({ env: { ...minimal, CUSTOS_WEBHOOK_URLS: '', CUSTOS_WEBHOOK_SECRET: '' }, file });
    expect(c['webhook.urls']).toEqual([]);
    expect(c['webhook.secret']).toBe('');
  });

  it('an empty variable where empty is not a value stops the start, saying to unset it', () => {
    const file = join(tempDir('custos-config-'), 'custos.yaml');
    writeFileSync(file, 'kafka:\n  topic: from-file\n');
    expect(problemsOf(() => loadConfig({ env: { ...minimal, CUSTOS_KAFKA_TOPIC: '', CUSTOS_METRICS_PORT: '' }, file }))).toEqual([
      `CUSTOS_KAFKA_TOPIC: Too small: expected string to have >=1 characters (got ""); the variable is set but empty: unset CUSTOS_KAFKA_TOPIC to use the config file's kafka.topic`,
      `CUSTOS_METRICS_PORT: must be a whole number (digits, e.g. 30000); a blank, true/false or other text is not a number (got ""); the variable is set but empty: unset CUSTOS_METRICS_PORT to use the default`,
    ]);
  });
});

describe('variables of the project\'s own scripts (review of the configuration, finding 4)', () => {
  it('passes the chDB variables of scripts/services.sh and the test setup', () => {
    const c = loadConfig({ env: { ...minimal, CUSTOS_CHDB_PORT: '18124', CUSTOS_CHDB_VERSION: '26.9.0', CUSTOS_CHDB_URL: 'http://127.0.0.1:18124', CUSTOS_CHDB_QUERY_LOG: '/tmp/q.ndjson' } });
    expect(c['kafka.topic']).toBe('access-events');
  });

  it('every CUSTOS_* name that scripts/ and test/support/ read is a setting or passed by the check', () => {
    const texts = ['scripts', 'test/support'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')),
    );
    const read = new Set(texts.flatMap((t) => [...t.matchAll(/(?:process\.env\.|\$\{?)(CUSTOS_[A-Z0-9_]+)/g)].map((m) => m[1] ?? '')));
    expect([...read].filter((name) => unknownVariables({ [name]: 'x' }).length > 0)).toEqual([]);
  });
});
