/**
 * `custos rules test` reads the enrichment files and the default time zone as
 * the monitor does, and reports a bad enrichment file with file:line and
 * reason (exit 78), not a stack trace.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rulesTestCommand } from '../../../src/cli/rules.js';
import { tempDir } from '../backtest/support.js';

function capture(): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((out += String(t)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((err += String(t)), true));
  return { out: () => out, err: () => err };
}

describe('custos rules test', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('judges the cases in the monitor\'s default time zone (CUSTOS_DEFAULT_TIMEZONE), and says which', () => {
    vi.stubEnv('CUSTOS_DEFAULT_TIMEZONE', 'Europe/Berlin');
    const io = capture();
    expect(rulesTestCommand({ dir: 'rules', filter: 'no case has this name' })).toBe(0);
    expect(io.out()).toContain('default time zone: Europe/Berlin');
  });

  it('reports a bad enrichment file with its file, line and reason, exit 78', () => {
    const dir = join(tempDir('custos-rules-'), 'rules');
    cpSync('rules', dir, { recursive: true });
    const zones = join(dir, 'enrichment', 'zones.yaml');
    writeFileSync(zones, readFileSync(zones, 'utf8').replace('cidrs: [10.20.0.0/16]', 'cidr: [10.20.0.0/16]'));
    const io = capture();
    expect(rulesTestCommand({ dir, filter: 'no case has this name' })).toBe(78);
    expect(io.err()).toMatch(/zones\.yaml:7: zones\.1: Unrecognized key: "cidr"/);
  });
});
