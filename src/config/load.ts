/**
 * Loads, validates and freezes the configuration. A bad value stops the start
 * with an error naming the setting (its environment variable and file path) and
 * what is wrong; secret values are never echoed.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CustosError } from '../errors.js';
import { SETTINGS, type SettingKey, type Settings } from './settings.js';

export class ConfigError extends CustosError {
  constructor(readonly problems: readonly string[]) {
    super('CUSTOS_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  readonly env: NodeJS.ProcessEnv;
  /** YAML file whose nested keys mirror the setting keys (kafka: { brokers: ... }). */
  readonly file?: string | undefined;
}

export function loadConfig(sources: ConfigSources): Settings {
  return loadSettingsSubset(sources, Object.keys(SETTINGS) as SettingKey[]) as Settings;
}

/**
 * Only the given settings, with the same sources, precedence and messages:
 * for commands that need one part of the configuration (the backtest reads
 * ClickHouse and must not require Kafka brokers or the pseudonym key).
 */
export function loadSettingsSubset<K extends SettingKey>(sources: ConfigSources, keys: readonly K[]): Pick<Settings, K> {
  const problems: string[] = [];
  const fileValues = sources.file ? readConfigFile(sources.file, problems) : {};
  const out: Record<string, unknown> = {};

  for (const key of keys) {
    const spec: (typeof SETTINGS)[SettingKey] = SETTINGS[key];
    const fromEnv = sources.env[spec.env];
    const fromFile = lookup(fileValues, key);
    const origin = fromEnv !== undefined && fromEnv !== '' ? `${spec.env}` : fromFile !== undefined ? `${key} (in ${sources.file})` : null;
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile !== undefined ? fromFile : 'default' in spec ? spec.default : undefined;
    if (raw === undefined) {
      problems.push(`${spec.env} is required: ${spec.description}`);
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => i.message).join('; ');
      const hidden = ('secret' in spec && spec.secret) || ('url' in spec && spec.url);
      const shown = hidden ? '' : ` (got ${JSON.stringify(raw)})`;
      problems.push(`${origin ?? spec.env}: ${reason}${shown}`);
      continue;
    }
    out[key] = parsed.data;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Pick<Settings, K>;
}

function readConfigFile(file: string, problems: string[]): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`CUSTOS_CONFIG_FILE ${file}: ${(err as Error).message.split('\n')[0]}`);
    return {};
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push(`CUSTOS_CONFIG_FILE ${file}: must be a mapping of settings`);
    return {};
  }
  const known = new Set(Object.keys(SETTINGS));
  for (const path of leafPaths(doc as Record<string, unknown>)) {
    if (!known.has(path)) problems.push(`${file}: unknown setting "${path}"`);
  }
  return doc as Record<string, unknown>;
}

function lookup(tree: Record<string, unknown>, dotted: string): unknown {
  let node: unknown = tree;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node === null ? undefined : node;
}

/** Dotted paths of the file's values; arrays are values (webhook.urls), not branches. */
function leafPaths(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(prefix + k in SETTINGS)
      ? leafPaths(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}

/** A copy fit for logging: secrets replaced by a marker saying only whether they are set. */
export function redactedConfig(config: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const spec = SETTINGS[key as SettingKey];
    if ('secret' in spec && spec.secret) out[key] = value === '' ? '(unset)' : '(set)';
    else if ('url' in spec && spec.url) out[key] = Array.isArray(value) ? (value as string[]).map(originOf) : originOf(value as string);
    else out[key] = value;
  }
  return out;
}

/** Webhook URLs can carry tokens in path or query: only the origin is ever logged. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}
