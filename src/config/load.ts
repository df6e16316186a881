/**
 * Loads, validates and freezes the configuration. A bad value stops the start
 * with an error naming the setting (its environment variable and file path) and
 * what is wrong; secret values are never echoed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CustosError } from '../errors.js';
import { nearestName } from '../util/nearest-name.js';
import { OTHER_VARIABLES, SETTINGS, TOOL_VARIABLE_PREFIXES, type SettingKey, type SettingSpec, type Settings } from './settings.js';

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
  return loadConfigWithOrigins(sources).settings;
}

/** loadConfig, and where each value came from (its variable, its file key, or the default: for messages that name it). */
export function loadConfigWithOrigins(sources: ConfigSources): { readonly settings: Settings; readonly origins: SettingsInspection<SettingKey>['origins'] } {
  const r = inspectSettings(sources, Object.keys(SETTINGS) as SettingKey[]);
  throwProblems(r);
  return { settings: Object.freeze({ ...r.values }) as Settings, origins: r.origins };
}

/**
 * Only the given settings, with the same sources, precedence and messages:
 * for commands that need one part of the configuration (the backtest reads
 * ClickHouse and must not require Kafka brokers or the pseudonym key).
 */
export function loadSettingsSubset<K extends SettingKey>(sources: ConfigSources, keys: readonly K[]): Pick<Settings, K> {
  const r = inspectSettings(sources, keys);
  throwProblems(r);
  return Object.freeze({ ...r.values }) as Pick<Settings, K>;
}

function throwProblems(r: Pick<SettingsInspection<SettingKey>, 'problems' | 'missing'>): void {
  const problems = [...r.problems, ...r.missing];
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Every setting's value as far as it is valid, where it came from, and what is wrong: for `custos check`. */
export interface SettingsInspection<K extends SettingKey> {
  /** The valid values (a setting with a problem, or missing, is absent). */
  readonly values: Partial<Pick<Settings, K>>;
  /** Where each value came from: its variable, its file key, or the default. */
  readonly origins: Readonly<Partial<Record<K, string>>>;
  /** Invalid values, unknown variables and unknown file keys. */
  readonly problems: readonly string[];
  /** Required settings that are not set. */
  readonly missing: readonly string[];
}

export function inspectSettings<K extends SettingKey>(sources: ConfigSources, keys: readonly K[]): SettingsInspection<K> {
  const problems: string[] = [...unknownVariables(sources.env)];
  const missing: string[] = [];
  const fileValues = sources.file ? readConfigFile(sources.file, problems) : {};
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  // Defaults inside the rules folder follow the effective rules folder, whether or not it was asked for.
  let rulesDir: string | undefined;

  for (const key of [...new Set<SettingKey>(['rules_dir', ...keys])]) {
    const spec: SettingSpec = SETTINGS[key];
    const fromEnv = sources.env[spec.env];
    const fromFile = lookup(fileValues, key);
    // A set variable wins, also when empty (CUSTOS_WEBHOOK_URLS= turns webhooks off even if the file lists some);
    // where empty is not a valid value the start stops, saying to unset the variable instead.
    const given = fromEnv !== undefined ? { raw: fromEnv as unknown, origin: spec.env } : fromFile !== undefined ? { raw: fromFile, origin: `${key} (in ${sources.file})` } : null;
    let raw = given?.raw ?? spec.default;
    let origin = given?.origin ?? 'default';
    if (given === null && spec.underRulesDir && typeof raw === 'string') {
      if (rulesDir === undefined) continue; // the rules folder is invalid: that problem is reported
      raw = join(rulesDir, raw);
      origin = `default: inside the rules folder (${SETTINGS.rules_dir.env})`;
    }
    if (raw === undefined) {
      if ((keys as readonly SettingKey[]).includes(key)) missing.push(`${spec.env} is required: ${spec.description}`);
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => i.message).join('; ');
      const hidden = spec.secret === true || spec.url === true;
      const shown = hidden ? '' : ` (got ${JSON.stringify(raw)})`;
      const unsetHint = fromEnv === '' ? `; the variable is set but empty: unset ${spec.env} to use ${fromFile !== undefined ? `the config file's ${key}` : 'the default'}` : '';
      problems.push(`${given?.origin ?? spec.env}: ${reason}${shown}${unsetHint}`);
      continue;
    }
    if (key === 'rules_dir') rulesDir = parsed.data as string;
    if (!(keys as readonly SettingKey[]).includes(key)) continue;
    values[key] = parsed.data;
    origins[key] = origin;
  }
  return { values: values as Partial<Pick<Settings, K>>, origins: origins as Partial<Record<K, string>>, problems, missing };
}

/**
 * `CUSTOS_*` variables custos does not know: refused like unknown keys in the
 * config file, each named with the nearest known variable.
 */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = [...Object.values(SETTINGS).map((s) => s.env), ...Object.keys(OTHER_VARIABLES)];
  const knownSet = new Set(known);
  const out: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('CUSTOS_') || knownSet.has(name) || TOOL_VARIABLE_PREFIXES.some((p) => name.startsWith(p))) continue;
    const nearest = nearestName(name, known);
    out.push(`${name} is not a custos setting${nearest === null ? '' : ` (did you mean ${nearest}?)`}; it would be ignored`);
  }
  return out;
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
  for (const keys of leafPaths(doc as Record<string, unknown>)) {
    const path = keys.join('.');
    if (keys.some((k) => k.includes('.'))) {
      // Values are looked up nested only (one way to write a file): a flat `kafka.topic: x` would otherwise keep the default silently.
      const parts = keys.flatMap((k) => k.split('.'));
      const nested = parts.slice(0, -1).reduceRight((inner, k) => `${k}: { ${inner} }`, `${parts.at(-1)}: ...`);
      problems.push(`${file}: key "${path}" is written flat; write it nested, ${nested}${known.has(path) ? '' : `; and ${unknownSetting(path, known)}`}`);
      continue;
    }
    if (known.has(path)) continue;
    problems.push(`${file}: ${unknownSetting(path, known)}`);
  }
  return doc as Record<string, unknown>;
}

function unknownSetting(path: string, known: ReadonlySet<string>): string {
  const nearest = nearestName(path, known);
  return `unknown setting "${path}"${nearest === null ? '' : ` (did you mean "${nearest}"?)`}`;
}

function lookup(tree: Record<string, unknown>, dotted: string): unknown {
  let node: unknown = tree;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node === null ? undefined : node;
}

/** The keys leading to each of the file's values; arrays are values (webhook.urls), not branches. */
function leafPaths(tree: Record<string, unknown>, prefix: readonly string[] = []): string[][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !([...prefix, k].join('.') in SETTINGS)
      ? leafPaths(v as Record<string, unknown>, [...prefix, k])
      : [[...prefix, k]],
  );
}

/** A copy fit for logging: secrets replaced by a marker saying only whether they are set. */
export function redactedConfig(config: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const spec: SettingSpec = SETTINGS[key as SettingKey];
    if (spec.secret === true) out[key] = value === '' || (Array.isArray(value) && value.length === 0) ? '(unset)' : '(set)';
    else if (spec.url === true) out[key] = Array.isArray(value) ? (value as string[]).map(originOf) : originOf(value as string);
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
