import { describe, expect, it } from 'vitest';
import { accessModelSql, accessModelUsersXml, sha256Hex } from '../../../../src/runtime/outputs/clickhouse/access-model.js';

const users = {
  monitor: { name: 'custos_monitor', passwordSha256: sha256Hex('m-password-123') },
  analyst: { name: 'custos_analyst', passwordSha256: sha256Hex('a-password-123') },
  console: { name: 'custos_console', passwordSha256: sha256Hex('c-password-123') },
};

describe('access model as SQL (current servers)', () => {
  const sql = accessModelSql({ database: 'custos', users });
  it('grants no role DDL: no DROP, ALTER, CREATE TABLE, TRUNCATE, ALL', () => {
    for (const grant of sql.filter((s) => s.startsWith('GRANT '))) expect(grant).not.toMatch(/DROP|ALTER|CREATE|TRUNCATE|\bALL\b|OPTION/);
  });
  it('gives the analyst SELECT only, the monitor SELECT and INSERT on its database, the console INSERT only on <db>_console', () => {
    expect(sql).toContain('GRANT SELECT ON `custos`.* TO custos_analyst');
    expect(sql).toContain('GRANT SELECT, INSERT ON `custos`.* TO custos_monitor_writer');
    expect(sql.filter((s) => s.includes('INSERT') && s.includes('TO custos_console'))).toEqual(['GRANT SELECT, INSERT ON `custos_console`.* TO custos_console']);
  });
  it('holds password hashes, never passwords, and refuses what is not an identifier', () => {
    expect(sql.join('\n')).not.toContain('m-password-123');
    expect(() => accessModelSql({ database: 'custos; DROP', users })).toThrow();
    expect(() => accessModelSql({ database: 'custos', users: { ...users, monitor: { name: 'm', passwordSha256: "x' OR 1" } } })).toThrow();
  });
});

describe('access model as a users.d file (18.16)', () => {
  const xml = accessModelUsersXml({ database: 'custos', users, networks: ['10.0.0.0/8'] });
  it('makes the analyst readonly, the others allow_ddl 0, each limited to its databases', () => {
    expect(xml).toContain('<custos_analyst><readonly>1</readonly></custos_analyst>');
    expect(xml).toContain('<custos_monitor_writer><allow_ddl>0</allow_ddl></custos_monitor_writer>');
    expect(xml).toContain('<allow_databases><database>custos</database><database>custos_console</database></allow_databases>');
    expect(xml).toContain('<networks><ip>10.0.0.0/8</ip></networks>');
  });
  it('is well-formed for the server: no "--" inside a comment', () => {
    for (const comment of xml.match(/<!--([\s\S]*?)-->/g) ?? []) expect(comment.slice(4, -3)).not.toContain('--');
  });
});
