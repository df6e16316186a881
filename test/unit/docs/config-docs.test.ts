/**
 * Where the docs say which commands take a config file and where a command's
 * files come from, they must say what src/cli/main.ts and src/config/paths.ts do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config/settings.js';
import { ENRICHMENT_SOURCES } from '../../../src/runtime/enrich/sources/index.js';
import type { EnrichmentSource } from '../../../src/runtime/enrich/source.js';

/**
 * Each command of src/cli/main.ts by its path (`db migrate`), with its
 * definition up to the next command. Read as text: importing main.ts runs it.
 */
function cliCommands(): Map<string, string> {
  const src = readFileSync('src/cli/main.ts', 'utf8');
  const groups = new Map([...src.matchAll(/const (\w+) = program\s*\.command\('([\w-]+)'/g)].map((m) => [m[1], m[2]]));
  const found = [...src.matchAll(/(\w+|\))\s*\.command\('([\w-]+)'/g)];
  const out = new Map<string, string>();
  let previous = '';
  found.forEach((m, i) => {
    // `program.command(...)`: a command; `group.command(...)`: one of a group's; `...).command(...)`: one of the command just defined.
    const parent = m[1] === 'program' ? '' : m[1] === ')' ? previous : (groups.get(m[1] ?? '') ?? `?${m[1]}`);
    const path = parent === '' ? (m[2] ?? '') : `${parent} ${m[2]}`;
    out.set(path, src.slice(m.index, found[i + 1]?.index ?? src.length));
    previous = path;
  });
  return out;
}

describe('which commands take --config', () => {
  it('the README names exactly the commands that take -c, --config; db and rules read CUSTOS_CONFIG_FILE only', () => {
    const commands = cliCommands();
    expect(commands.has('db migrate') && commands.has('rules check') && commands.has('exceptions list')).toBe(true);
    const withConfig = [...commands].filter(([, text]) => text.includes("'-c, --config <file>'")).map(([path]) => path);
    const section = readFileSync('README.md', 'utf8').split('\n## Configuration\n')[1] ?? '';
    const named = /on the commands that take it: ([^;]*);/.exec(section.replace(/\s+/g, ' '))?.[1] ?? '';
    expect(new Set([...named.matchAll(/`([^`]+)`/g)].map((m) => m[1]))).toEqual(new Set(withConfig));
    expect(section.replace(/\s+/g, ' ')).toContain('`db *` and `rules *` read `CUSTOS_CONFIG_FILE` only');
    expect(withConfig.filter((c) => c.startsWith('db ') || c.startsWith('rules '))).toEqual([]);
  });
});

describe('docs/backtest.md', () => {
  const rows = readFileSync('docs/backtest.md', 'utf8').split('\n').filter((l) => l.startsWith('| `'));
  const row = (option: string) => rows.find((l) => l.startsWith(`| \`${option}`)) ?? '';

  it('gives --rules the default the settings give it (the variable, then the config file)', () => {
    expect(row('--rules')).toContain(`\`$${SETTINGS.rules_dir.env}\``);
    expect(row('--rules')).toContain('`rules_dir`');
  });

  it('gives each enrichment file of --from-file the default the settings give it', () => {
    for (const source of ENRICHMENT_SOURCES as readonly EnrichmentSource[]) {
      if (source.flag.requiredForFileReplay !== undefined) continue;
      const line = rows.find((l) => l.includes(`\`--${source.option}`)) ?? '';
      expect(line, source.option).toContain(`\`$${source.setting.env}\``);
      expect(line, source.option).toContain(`\`${source.settingKey}\``);
    }
  });
});
