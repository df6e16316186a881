import { describe, expect, it } from 'vitest';
import { accessModelSql, accessModelUsersXml, sha256Hex } from '../../../../src/runtime/outputs/clickhouse/access-model.js';

const users = {
  monitor: { name: 'custos_monitor', passwordSha256: sha256Hex('m-password-123') },
  analyst: { name: 'custos_analyst', passwordSha256: sha256Hex('a-password-123') },
  console: { name: 'custos_console', passwordSha256: sha256Hex('c-password-123') },
  console_writer: { name: 'custos_console_writer', passwordSha256: sha256Hex('w-password-123') },
};

describe('access model as SQL (current servers)', () => {
  const sql = accessModelSql({ database: 'custos', users });
  it('grants no role DDL: no DROP, ALTER, CREATE TABLE, TRUNCATE, ALL', () => {
    for (const grant of sql.filter((s) => s.startsWith('GRANT '))) expect(grant).not.toMatch(/DROP|ALTER|CREATE|TRUNCATE|\bALL\b|OPTION/);
  });
  it('gives the analyst SELECT only, the monitor SELECT and INSERT on its database', () => {
    expect(sql).toContain('GRANT SELECT ON `custos`.* TO custos_analyst');
    expect(sql).toContain('GRANT SELECT, INSERT ON `custos`.* TO custos_monitor_writer');
  });
  it("gives the console's reader SELECT on what it shows, and its writer INSERT on its three tables only", () => {
    const of = (role: string) => sql.filter((s) => s.startsWith('GRANT ') && s.endsWith(` TO ${role}`));
    expect(of('custos_console')).toEqual([
      ...['alerts_latest', 'alerts', 'access_events_dedup', 'access_events', 'actor_activity'].map((t) => `GRANT SELECT ON \`custos\`.\`${t}\` TO custos_console`),
      'GRANT SELECT ON `custos_console`.* TO custos_console',
    ]);
    expect(of('custos_console_writer')).toEqual([
      ...['alert_triage', 'console_exceptions', 'console_audit'].map((t) => `GRANT SELECT, INSERT ON \`custos_console\`.\`${t}\` TO custos_console_writer`),
      ...['alert_triage_current', 'console_exceptions_current'].map((t) => `GRANT SELECT ON \`custos_console\`.\`${t}\` TO custos_console_writer`),
    ]);
    expect(sql).toContain('GRANT custos_console_writer TO `custos_console_writer`');
  });
  it('holds password hashes, never passwords, and refuses what is not an identifier', () => {
    expect(sql.join('\n')).not.toContain('m-password-123');
    expect(() => accessModelSql({ database: 'custos; DROP', users })).toThrow();
    expect(() => accessModelSql({ database: 'custos', users: { ...users, monitor: { name: 'm', passwordSha256: "x' OR 1" } } })).toThrow();
  });
});

describe('access model as a users.d file (18.16)', () => {
  const xml = accessModelUsersXml({ database: 'custos', users, networks: ['10.0.0.0/8'] });
  it('makes the analyst readonly, the monitor allow_ddl 0, each limited to its databases', () => {
    expect(xml).toContain('<custos_analyst><readonly>1</readonly></custos_analyst>');
    expect(xml).toContain('<custos_monitor_writer><allow_ddl>0</allow_ddl></custos_monitor_writer>');
    expect(xml).toContain('<allow_databases><database>custos</database><database>custos_console</database></allow_databases>');
    expect(xml).toContain('<networks><ip>10.0.0.0/8</ip></networks>');
  });
  it("makes the console's reader read only and limits its writer to the console's database", () => {
    expect(xml).toContain('<custos_console><readonly>1</readonly></custos_console>');
    expect(xml).toContain('<custos_console_writer><allow_ddl>0</allow_ddl></custos_console_writer>');
    const writer = /<custos_console_writer>\s*<password[\s\S]*?<\/custos_console_writer>/.exec(xml)?.[0] ?? '';
    expect(writer).toContain('<allow_databases><database>custos_console</database></allow_databases>');
  });
  it('is well-formed for the server: no "--" inside a comment', () => {
    for (const comment of xml.match(/<!--([\s\S]*?)-->/g) ?? []) expect(comment.slice(4, -3)).not.toContain('--');
  });
});
