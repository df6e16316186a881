import { describe, expect, it } from 'vitest';
import { consoleClickHouseAccess } from '../../../src/console/clickhouse-users.js';

describe('console ClickHouse access', () => {
  it('writes only the console database (triage, exceptions, audit) and never the monitor`s tables', () => {
    const a = consoleClickHouseAccess('custos');
    expect(a.write).toEqual(['custos_console.alert_triage', 'custos_console.console_exceptions', 'custos_console.console_audit']);
    expect(a.read).toContain('custos_console.alerts_triaged');
    expect(a.read).toContain('custos.alerts_latest');
    expect(a.write.some((t) => t.startsWith('custos.'))).toBe(false);
  });
});
