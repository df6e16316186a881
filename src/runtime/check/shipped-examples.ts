/**
 * The example enrichment files custos ships (rules/enrichment/ of the
 * installed package): left in place, they class an organisation's real
 * addresses into example zones and its real people as unknown actors. Each
 * enrichment source's `check` (src/runtime/enrich/sources/) says so of its file.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** src/runtime/check → the package root's rules/ (the same from dist/runtime/check). */
export const SHIPPED_RULES_DIR = fileURLToPath(new URL('../../../rules', import.meta.url));

/** The same file, or the same content. */
export function sameContent(a: string, b: string): boolean {
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
