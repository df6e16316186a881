import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reloader } from '../../../src/runtime/app/reloader.js';
import { createLogger } from '../../../src/observability/log.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { InvalidSourceError } from '../../../src/util/source-error.js';
import { tempDir } from '../../support/temp-dir.js';

function setup() {
  const dir = tempDir('custos-reload-');
  const file = join(dir, 'value.txt');
  writeFileSync(file, 'one');
  let active = 'one';
  const lines: string[] = [];
  const reloader = new Reloader(
    [
      {
        name: 'value',
        paths: [dir],
        reload: () => {
          const text = readFileSync(file, 'utf8');
          if (text.startsWith('bad')) throw new InvalidSourceError([{ file, line: 3, reason: 'not allowed' }]);
          active = text;
        },
      },
    ],
    createLogger('info', { write: (l: string) => void lines.push(l) }),
    new Metrics(false),
  );
  return { file, reloader, lines, active: () => active };
}

describe('Reloader', () => {
  it('reloads a changed file and nothing when nothing changed', () => {
    const t = setup();
    t.reloader.checkForChanges();
    expect(t.active()).toBe('one');
    writeFileSync(t.file, 'two!');
    t.reloader.checkForChanges();
    expect(t.active()).toBe('two!');
  });

  it('refuses an invalid change, logs file and line, and keeps the last good version', () => {
    const t = setup();
    writeFileSync(t.file, 'bad value');
    t.reloader.checkForChanges();
    expect(t.active()).toBe('one');
    const refused = t.lines.map((l) => JSON.parse(l) as { msg: string; problems?: unknown[] }).find((l) => l.msg.startsWith('reload refused'));
    expect(refused?.problems).toEqual([{ file: t.file, line: 3, reason: 'not allowed' }]);
    // A later valid change applies again.
    writeFileSync(t.file, 'three');
    t.reloader.checkForChanges();
    expect(t.active()).toBe('three');
  });

  it('reloads everything on demand (SIGHUP)', () => {
    const t = setup();
    writeFileSync(t.file, 'four');
    t.reloader.reloadAll();
    expect(t.active()).toBe('four');
  });
});
