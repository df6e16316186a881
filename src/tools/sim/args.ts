import { readFileSync } from 'node:fs';
import { ALL_INCIDENT_TYPES as INCIDENT_TYPES, type IncidentSpec, type IncidentType } from './types.js';

/**
 * Parses an `--incidents` argument: `default`, `allowed`, `none`, a comma list of types
 * (`slow_scrape,burst_over_baseline`), or `@file.json` holding an IncidentSpec[].
 */
export function parseIncidentsArg(arg: string | undefined): 'default' | 'allowed' | 'none' | IncidentSpec[] {
  if (arg === undefined || arg === 'default') return 'default';
  if (arg === 'none') return 'none';
  if (arg === 'allowed') return 'allowed';
  if (arg.startsWith('@')) {
    const parsed: unknown = JSON.parse(readFileSync(arg.slice(1), 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${arg.slice(1)}: expected a JSON array of incident specs`);
    for (const s of parsed) {
      if (typeof s !== 'object' || s === null || !INCIDENT_TYPES.includes((s as { type: IncidentType }).type)) {
        throw new Error(`${arg.slice(1)}: every spec needs a type among ${INCIDENT_TYPES.join(', ')}`);
      }
    }
    return parsed as IncidentSpec[];
  }
  return arg.split(',').map((t) => {
    const type = t.trim() as IncidentType;
    if (!INCIDENT_TYPES.includes(type)) throw new Error(`unknown incident type "${t}" (known: ${INCIDENT_TYPES.join(', ')})`);
    return { type };
  });
}
