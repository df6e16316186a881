/**
 * `custos check` (issue 12): each plausible one-line mistake of an adaptation
 * is reported with file, line and reason, before it floods anyone with alerts.
 * Each case edits a copy of the shipped rules folder.
 */
import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../../src/config/paths.js';
import { checkConfiguration } from '../../../src/runtime/check/check-configuration.js';
import { formatFinding } from '../../../src/runtime/check/findings.js';
import { summaryLine } from '../../../src/runtime/check/summary.js';
import { tempDir } from '../../support/temp-dir.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

/** A copy of the shipped rules folder; `edit` changes it before the check. */
function checkCopy(edit: (dir: string) => void = () => {}) {
  const dir = join(tempDir('custos-check-'), 'rules');
  cpSync('rules', dir, { recursive: true });
  edit(dir);
  const paths = resolvePaths({ env: { CUSTOS_RULES_DIR: dir } });
  const result = checkConfiguration({ paths, defaultTimezone: 'UTC', now: NOW, examplesDir: 'rules' });
  const lines = result.findings.map(formatFinding);
  return { dir, result, lines, errors: lines.filter((l) => l.startsWith('error:')), warnings: lines.filter((l) => l.startsWith('warning:')) };
}

const replaceIn = (file: string, from: string | RegExp, to: string) => {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`fixture: ${String(from)} not in ${file}`);
  writeFileSync(file, next);
};

describe('custos check', () => {
  it('the shipped folder has no errors, only the example warnings', () => {
    const { errors, warnings } = checkCopy();
    expect(errors).toEqual([]);
    expect(warnings.some((w) => w.includes('shipped example directory'))).toBe(true);
  });

  it('finding 1: a directory role without a need-to-know entry is an error at its row', () => {
    const { errors, dir } = checkCopy((d) => appendFileSync(join(d, 'enrichment/actors.csv'), 'zed,svc_etl,data,active,UTC,service,\n'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${join(dir, 'enrichment/actors.csv')}:12: role "svc_etl" (1 actor, first zed) has no need-to-know entry`);
  });

  it('finding 2: an invalid CIDR is an error with its line', () => {
    const { errors } = checkCopy((d) => replaceIn(join(d, 'enrichment/zones.yaml'), '10.30.0.0/16', '10.1.0.0/33'));
    expect(errors.join('\n')).toMatch(/zones\.yaml:10: zones\.2\.cidrs\.0: must be a CIDR range/);
  });

  it('finding 2: a range shadowed by an earlier zone is an error', () => {
    const { errors } = checkCopy((d) => replaceIn(join(d, 'enrichment/zones.yaml'), '[10.30.0.0/16]', '[10.30.0.0/16, 10.10.4.0/24]'));
    expect(errors.join('\n')).toMatch(/zones\.yaml:10: 10\.10\.4\.0\/24 \(zone datacenter\) never matches: it lies inside 10\.10\.0\.0\/16 of zone office/);
  });

  it('finding 2: a calendar and a fields file are validated too', () => {
    const cal = checkCopy((d) => writeFileSync(join(d, 'enrichment/calendar.yaml'), 'nonsense: true\n'));
    expect(cal.errors.join('\n')).toContain('calendar.yaml');
    const fields = checkCopy((d) => replaceIn(join(d, 'enrichment/fields.yaml'), 'iban: financial', 'iban: secret'));
    expect(fields.errors.join('\n')).toMatch(/fields\.yaml:\d+: .*secret/);
  });

  it('finding 4: the shipped example ranges and directory are warned about; a zone the roles need but nobody defines is an error', () => {
    const kept = checkCopy();
    expect(kept.warnings.filter((w) => w.includes('shipped example range'))).toHaveLength(3);
    const renamed = checkCopy((d) => replaceIn(join(d, 'enrichment/zones.yaml'), 'name: vpn', 'name: remote'));
    expect(renamed.errors.some((e) => /role support_agent allows zone\(s\) vpn, which no zone defines/.test(e))).toBe(true);
  });

  it('finding 5: a rule test case naming a role the table does not define is an error', () => {
    const { errors } = checkCopy((d) => replaceIn(join(d, 'exceptions/active.yaml'), 'carol: { role: data_analyst', 'carol: { role: analyst'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/active\.yaml:\d+: test actor carol has role analyst, which the role table does not define/);
  });

  it('finding 6: an empty kind column means human; other bad values are one line per reason, not one per row', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `p${i},support_agent,care,active,UTC,,`).join('\n');
    const empty = checkCopy((d) => appendFileSync(join(d, 'enrichment/actors.csv'), `${rows}\n`));
    expect(empty.errors).toEqual([]);
    const bad = Array.from({ length: 50 }, (_, i) => `q${i},support_agent,care,active,UTC,person,`).join('\n');
    const wrong = checkCopy((d) => appendFileSync(join(d, 'enrichment/actors.csv'), `${bad}\n`));
    expect(wrong.errors).toHaveLength(1);
    expect(wrong.errors[0]).toContain('and 49 more rows like it');
  });

  it('finding 7: a warning that the per-request limit sets the rate floors', () => {
    const { warnings } = checkCopy();
    expect(warnings.some((w) => /never alerts below floors set by the roles' max_records_per_request \(1 x in 5m, 2 x in 1h, 3 x in 24h\)/.test(w))).toBe(true);
  });

  it('finding 8: unlisted fields default to identity: warned with the roles it refuses', () => {
    const { warnings } = checkCopy();
    expect(warnings.some((w) => /fields not listed in the fields file get class identity; roles marketing_analyst are not granted identity/.test(w))).toBe(true);
  });

  it('a rule comparing actor.role with a role the role table lacks is an error at its line, naming the nearest role', () => {
    const off = (d: string) => join(d, 'policy/off-hours.yaml');
    const { errors, dir } = checkCopy((d) =>
      replaceIn(off(d), '        - { condition: not_denied }\n', '        - { condition: not_denied }\n        - { field: actor.role, not_in: [finanse_clerk, unknown, support_agent] }\n'),
    );
    expect(errors).toEqual([
      `error: ${off(dir)}:19: compares actor.role with finanse_clerk, which the role table does not define ` +
        '(roles: data_analyst, engineer, finance_clerk, marketing_analyst, security_analyst, service_api, service_batch, support_agent, support_lead, and unknown for actors not in the directory); did you mean `finance_clerk`?',
    ]);
    // Roles the table defines, and `unknown`, are what the check accepts.
    const fine = checkCopy((d) => replaceIn(off(d), '        - { condition: not_denied }\n', '        - { condition: not_denied }\n        - { field: actor.role, not_in: [finance_clerk, unknown] }\n'));
    expect(fine.errors).toEqual([]);
  });

  it('a rule comparing actor.department with a department no directory actor is in is warned about at its line, naming the nearest', () => {
    const off = (d: string) => join(d, 'policy/off-hours.yaml');
    const { warnings, errors, dir } = checkCopy((d) =>
      replaceIn(off(d), '        - { condition: not_denied }\n', '        - { condition: not_denied }\n        - { field: actor.department, not_in: [finanse, unknown, platform] }\n'),
    );
    expect(errors).toEqual([]);
    expect(warnings.filter((w) => w.includes('actor.department'))).toEqual([
      `warning: ${off(dir)}:19: compares actor.department with finanse, which no actor of ${join(dir, 'enrichment/actors.csv')} is in ` +
        '(departments: analytics, customer_care, finance, marketing, platform): it matches nobody today; did you mean `finance`?',
    ]);
    const fine = checkCopy((d) => replaceIn(off(d), '        - { condition: not_denied }\n', '        - { condition: not_denied }\n        - { field: actor.department, not_in: [finance, unknown] }\n'));
    expect(fine.warnings.filter((w) => w.includes('actor.department'))).toEqual([]);
  });

  it('a rule comparing actor.timezone with a name that is no time zone, or actor.allowed_zones with an undefined zone, is an error', () => {
    const off = (d: string) => join(d, 'policy/off-hours.yaml');
    const { errors, dir } = checkCopy((d) =>
      replaceIn(
        off(d),
        '        - { condition: not_denied }\n',
        '        - { condition: not_denied }\n        - { field: actor.timezone, ne: Europe/Berlinn }\n        - { field: actor.allowed_zones, contains_any: [ofice] }\n',
      ),
    );
    expect(errors).toEqual([
      `error: ${off(dir)}:20: compares actor.allowed_zones with ofice, which no zone defines (defined in ${join(dir, 'enrichment/zones.yaml')}: office, vpn, datacenter)`,
      `error: ${off(dir)}:19: compares actor.timezone with Europe/Berlinn, which is not an IANA time zone (e.g. Europe/Berlin, UTC)`,
    ]);
    const fine = checkCopy((d) =>
      replaceIn(off(d), '        - { condition: not_denied }\n', '        - { condition: not_denied }\n        - { field: actor.timezone, ne: Europe/Berlin }\n        - { field: actor.allowed_zones, contains_any: [office] }\n'),
    );
    expect(fine.errors).toEqual([]);
  });

  it('exceptions expiring within 7 days are warned about', () => {
    const { warnings } = checkCopy((d) => replaceIn(join(d, 'exceptions/active.yaml'), 'expires: 2027-06-30', 'expires: 2026-12-05'));
    expect(warnings.some((w) => /exception `exc-fraud-study-carol` \(owner security-team\) expires within \d days/.test(w))).toBe(true);
  });

  it('finding 9: a missing rules folder names CUSTOS_RULES_DIR', () => {
    const paths = resolvePaths({ env: { CUSTOS_RULES_DIR: '/nonexistent/rules' } });
    const r = checkConfiguration({ paths, defaultTimezone: 'UTC', now: NOW });
    expect(r.findings.map(formatFinding)).toContain('error: /nonexistent/rules: rules folder not found (CUSTOS_RULES_DIR; set CUSTOS_RULES_DIR or rules_dir in the config file)');
  });

  it('ends with a summary: roles, actors per role, zones, rules, exceptions', () => {
    const { result } = checkCopy();
    expect(summaryLine(result.summary)).toBe(
      '9 roles; 8 actors (support_agent 2, data_analyst 1, engineer 1, finance_clerk 1, marketing_analyst 1, service_api 1, service_batch 1); 3 zones; 21 rules (8 policy, 12 rate, 1 score); 1 exceptions; 78 test cases',
    );
  });
});
