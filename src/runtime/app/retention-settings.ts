/** The per-table retention settings as the ClickHouse store takes them (only the tables whose setting is set). */
import type { Settings } from '../../config/settings.js';
import { RETAINED_TABLES, type RetentionOverrides } from '../outputs/clickhouse/ddl.js';

export type RetentionSettings = Pick<Settings, `retention.${(typeof RETAINED_TABLES)[number]}_days`>;

export function retentionOverrides(config: RetentionSettings): RetentionOverrides {
  const out: Partial<Record<(typeof RETAINED_TABLES)[number], number>> = {};
  for (const table of RETAINED_TABLES) {
    const days = config[`retention.${table}_days`];
    if (days !== null) out[table] = days;
  }
  return out;
}

export const RETENTION_SETTING_KEYS = RETAINED_TABLES.map((t) => `retention.${t}_days` as const);
