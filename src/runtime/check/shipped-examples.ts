/**
 * The example enrichment files custos ships (rules/enrichment/ of the
 * installed package): left in place, they class an organisation's real
 * addresses into example zones and its real people as unknown actors.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { warning, type CheckFinding } from './findings.js';
import { checkExampleRanges, zoneRanges } from './zone-checks.js';

/** src/runtime/check → the package root's rules/ (the same from dist/runtime/check). */
export const SHIPPED_RULES_DIR = fileURLToPath(new URL('../../../rules', import.meta.url));

export function checkShippedExamples(files: { readonly directoryFile: string; readonly zonesFile: string; readonly zonesText: string | null }, examplesDir = SHIPPED_RULES_DIR): CheckFinding[] {
  const out: CheckFinding[] = [];
  const exampleDirectory = join(examplesDir, 'enrichment', 'actors.csv');
  if (sameContent(files.directoryFile, exampleDirectory)) {
    out.push(warning({ file: files.directoryFile, line: null, reason: 'this is the shipped example directory: point CUSTOS_DIRECTORY_FILE at your HR/IAM export (or replace the file)' }));
  }
  const exampleZones = readOrNull(join(examplesDir, 'enrichment', 'zones.yaml'));
  if (files.zonesText !== null && exampleZones !== null) {
    out.push(...checkExampleRanges(files.zonesFile, zoneRanges(files.zonesText), zoneRanges(exampleZones)));
  }
  return out;
}

function sameContent(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b) || readFileSync(a, 'utf8') === readFileSync(b, 'utf8');
  } catch {
    return false;
  }
}

/** A file's text, or null when it cannot be read (a missing file is reported where it is required). */
export function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
