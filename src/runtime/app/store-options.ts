/**
 * The ClickHouse store's options from the settings, in one place: the monitor
 * and the `custos db` commands must reach the same server the same way
 * (credentials, TLS material, retention, request timeout).
 */
import type { Settings } from '../../config/settings.js';
import type { ClickHouseTlsFiles } from '../../config/tls-files.js';
import type { ClickHouseStoreOptions } from '../outputs/clickhouse/store.js';
import { retentionOverrides, type RetentionSettings } from './retention-settings.js';

export type StoreSettings = Pick<
  Settings,
  'clickhouse.url' | 'clickhouse.username' | 'clickhouse.password' | 'clickhouse.database' | 'clickhouse.retention_days' | 'clickhouse.request_timeout_ms'
> &
  RetentionSettings;

export function clickHouseStoreOptions(config: StoreSettings, tls: ClickHouseTlsFiles | null, manageSchema: boolean): ClickHouseStoreOptions {
  return {
    url: config['clickhouse.url'],
    username: config['clickhouse.username'],
    password: config['clickhouse.password'],
    database: config['clickhouse.database'],
    retentionDays: config['clickhouse.retention_days'],
    retention: retentionOverrides(config),
    requestTimeoutMs: config['clickhouse.request_timeout_ms'],
    manageSchema,
    ...(tls !== null && { tls }),
  };
}
