/**
 * The configured alert destinations: every entry of `alerts.destinations`
 * validated against its kind's schema (destinations/index.ts; unknown keys
 * refused), plus one webhook per URL of the `webhook.urls` shorthand (sharing
 * `webhook.secret`). A bad entry is a configuration error naming the entry
 * and the key, never echoing the value (entries hold URLs and keys).
 */
import { ConfigError } from '../../../config/load.js';
import type { Settings } from '../../../config/settings.js';
import type { Destination, DestinationContext } from './destination.js';
import { DESTINATION_KINDS } from './destinations/index.js';

type DestinationSettings = Pick<Settings, 'alerts.destinations' | 'webhook.urls' | 'webhook.secret'>;

/** Every destination entry, the shorthand's included, as `{ kind, ... }`. */
export function destinationEntries(config: DestinationSettings): readonly Record<string, unknown>[] {
  const shorthand = config['webhook.urls'].map((url) => ({ kind: 'webhook', url, ...(config['webhook.secret'] !== '' ? { secret: config['webhook.secret'] } : {}) }));
  return [...shorthand, ...config['alerts.destinations']];
}

export function buildDestinations(config: DestinationSettings, context: DestinationContext): Destination[] {
  const problems: string[] = [];
  const built: Destination[] = [];
  const shorthand = config['webhook.urls'].length;
  destinationEntries(config).forEach((entry, i) => {
    const where = i < shorthand ? `CUSTOS_WEBHOOK_URLS[${i}]` : `alerts.destinations[${i - shorthand}]`;
    const { kind, ...rest } = entry as { kind: string };
    const spec = DESTINATION_KINDS.find((k) => k.kind === kind);
    if (spec === undefined) {
      problems.push(`${where}: unknown kind "${String(kind).slice(0, 40)}" (known: ${DESTINATION_KINDS.map((k) => k.kind).join(', ')})`);
      return;
    }
    const parsed = spec.schema.safeParse(rest);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where} (${kind}).${issue.path.join('.') || '(entry)'}: ${issue.message}`);
      return;
    }
    try {
      built.push(spec.create(parsed.data, context));
    } catch (err) {
      problems.push(`${where} (${kind}): ${(err as Error).message}`);
    }
  });
  const ids = new Set<string>();
  for (const d of built) {
    if (ids.has(d.id)) problems.push(`alert destination id "${d.id}" is used twice (the same URL twice? give each an id)`);
    ids.add(d.id);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return built;
}
