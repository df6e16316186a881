/**
 * `custos simulate` audits policy-allowed incidents against the rules: a
 * rules folder it cannot load (run outside the repository, a wrong --rules)
 * is one clear line naming the folder and exit 78, not an uncaught error
 * with a stack trace (as before: RuleSetInvalidError escaped the command).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { simulateCommand } from '../../../src/cli/simulate.js';
import { incidentsArg } from '../../../src/cli/arguments.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('custos simulate', () => {
  it('names a rules folder it cannot load and exits 78', async () => {
    const out = mkdtempSync(join(tmpdir(), 'custos-simulate-'));
    dirs.push(out);
    const missing = join(out, 'no-rules-here');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await simulateCommand({ seed: 3, out, incidents: incidentsArg('multi_day_scrape'), lookalikes: false, rules: missing });
    expect(code).toBe(78);
    const text = err.mock.calls.map((c) => String(c[0])).join('');
    expect(text).toContain(`custos simulate: cannot audit the policy-allowed incidents against the rules (--rules ${missing})`);
    expect(text).toContain('cannot read rules');
  });
});
