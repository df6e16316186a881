/** docs/errors.md lists exactly the codes of the catalogue, with their flags and meanings. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/errors.js';

const doc = readFileSync('docs/errors.md', 'utf8');
const rows = doc.split('\n').filter((l) => l.startsWith('| `CUSTOS_'));

describe('docs/errors.md', () => {
  it('has one row per error code, and no other', () => {
    expect(rows.map((r) => /`(CUSTOS_[A-Z_]+)`/.exec(r)?.[1]).sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it('gives each code the exit code and meaning the code has', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      const row = rows.find((r) => r.startsWith(`| \`${code}\` |`)) ?? '';
      expect(row, code).toContain(`| ${spec.exit} |`);
      expect(row, code).toContain(spec.meaning);
    }
  });
});
