/** `custos/<version>` from package.json (four folders up from this file, in src/ and in dist/ alike). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** custos' version from package.json, `unknown` without one (messages that name the product: user agents, OCSF metadata). */
export function custosVersion(): string {
  if (cached === undefined) {
    cached = 'unknown';
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') cached = pkg.version;
    } catch {
      // A packaged build without package.json still delivers; the version is cosmetic.
    }
  }
  return cached;
}

export function defaultUserAgent(): string {
  return `custos/${custosVersion()}`;
}
