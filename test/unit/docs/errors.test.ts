/**
 * docs/errors.md lists exactly the codes of the catalogue, with their flags and
 * meanings; and the code raises only catalogued errors (issue 8 point 5).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorSpec } from '../../../src/errors.js';

const doc = readFileSync('docs/errors.md', 'utf8');
const rows = doc.split('\n').filter((l) => l.startsWith('| `CUSTOS_'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}
// The tools (simulator, benchmarks, chaos) report to the person running them; the runtime, config, CLI and console raise catalogued errors.
const files = sourceFiles('src').filter((f) => !f.startsWith(join('src', 'tools')));
const raisingFiles = files.filter((f) => f !== join('src', 'errors.ts'));

describe('docs/errors.md', () => {
  it('has one row per error code, and no other', () => {
    expect(rows.map((r) => /`(CUSTOS_[A-Z_]+)`/.exec(r)?.[1]).sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it('gives each code the retryable flag, exit code and meaning the code has', () => {
    for (const [code, spec] of Object.entries(ERRORS) as [string, ErrorSpec][]) {
      const row = rows.find((r) => r.startsWith(`| \`${code}\` |`)) ?? '';
      const retryable = spec.varies ? 'per error' : spec.retryable ? 'yes' : 'no';
      expect(row, code).toContain(`| \`${code}\` | ${retryable} | ${spec.exit} |`);
      expect(row, code).toContain(spec.meaning);
    }
  });

  it('every code the code raises is in the catalogue, and every catalogued code is raised somewhere', () => {
    const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    const raised = new Set([...text.matchAll(/(?:super|CustosError)\(\s*'(CUSTOS_[A-Z_]+)'/g)].map((m) => m[1]));
    // Codes given by classify() or by a condition rather than a literal at the throw.
    for (const code of ['CUSTOS_CLICKHOUSE_AUTH', 'CUSTOS_KAFKA', 'CUSTOS_KAFKA_AUTH', 'CUSTOS_TLS', 'CUSTOS_UNEXPECTED']) raised.add(code);
    expect([...raised].sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it('custos throws only its own errors: a plain Error only for an internal invariant, marked as such', () => {
    const unmarked: string[] = [];
    for (const f of raisingFiles) {
      const lines = readFileSync(f, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!/throw new Error\(|extends Error\b/.test(line)) return;
        const context = [lines[i - 2] ?? '', lines[i - 1] ?? '', line].join('\n');
        if (!/invariant:|internal:/.test(context)) unmarked.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(unmarked).toEqual([]);
  });
});
