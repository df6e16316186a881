/**
 * Opens a client that fits the server: asks its version first, then creates
 * the client every later request goes through with the settings custos relies
 * on (requestSettings), which must be ones this server knows.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouseClient, type ClickHouseConnectionOptions } from './connection.js';
import { wrapClickHouseError } from './errors.js';
import { markQueryParameters } from './sql-values.js';
import { featuresOf, queryServerVersion, requestSettings, type ServerFeatures, type ServerVersion } from './server-version.js';

export interface ClickHouseConnection {
  readonly client: ClickHouseClient;
  readonly server: ServerVersion;
  readonly features: ServerFeatures;
}

export async function connectClickHouse(options: ClickHouseConnectionOptions, forced?: ServerFeatures): Promise<ClickHouseConnection> {
  const probe = createClickHouseClient(options);
  let server: ServerVersion;
  try {
    server = await queryServerVersion(probe);
  } catch (err) {
    throw wrapClickHouseError(err, 'version', null);
  } finally {
    await probe.close().catch(() => undefined);
  }
  const detected = featuresOf(server);
  // Forced features choose the schema (tests of the common subset); the settings follow what the server has.
  const features = forced ?? detected;
  const client = createClickHouseClient({ ...options, settings: { ...requestSettings(detected), ...options.settings } });
  if (detected.queryParameters) markQueryParameters(client);
  return { client, server, features };
}
