/** `custos/<version>` from package.json (four folders up from this file, in src/ and in dist/ alike). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function defaultUserAgent(): string {
  if (cached === undefined) {
    let version = 'unknown';
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') version = pkg.version;
    } catch {
      // A packaged build without package.json still delivers; the version is cosmetic.
    }
    cached = `custos/${version}`;
  }
  return cached;
}
