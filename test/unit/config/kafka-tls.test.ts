/** The Kafka part of the TLS material alone (`custos produce` connects with it, without ClickHouse settings). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/load.js';
import { loadKafkaTls } from '../../../src/config/tls-files.js';
import { tempDir } from '../../support/temp-dir.js';

const base = { 'kafka.ssl': false, 'kafka.ssl_ca_file': '', 'kafka.ssl_cert_file': '', 'kafka.ssl_key_file': '', 'kafka.ssl_servername': '' };

describe('loadKafkaTls', () => {
  it('plaintext without TLS settings, system CAs with CUSTOS_KAFKA_SSL alone', () => {
    expect(loadKafkaTls(base)).toBeNull();
    expect(loadKafkaTls({ ...base, 'kafka.ssl': true, 'kafka.ssl_servername': 'kafka.internal' })).toEqual({ servername: 'kafka.internal' });
  });

  it('names the setting of a file that is not PEM, and of half a client certificate', () => {
    const notPem = join(tempDir('custos-kafka-tls-'), 'ca.pem');
    writeFileSync(notPem, 'not a certificate');
    let caught: unknown;
    try {
      loadKafkaTls({ ...base, 'kafka.ssl_ca_file': notPem, 'kafka.ssl_key_file': notPem });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      `CUSTOS_KAFKA_SSL_CA_FILE: ${notPem} is not a PEM certificate`,
      `CUSTOS_KAFKA_SSL_KEY_FILE: ${notPem} is not a PEM private key`,
      'CUSTOS_KAFKA_SSL_CERT_FILE: a client certificate needs both CUSTOS_KAFKA_SSL_CERT_FILE and CUSTOS_KAFKA_SSL_KEY_FILE',
    ]);
  });
});
