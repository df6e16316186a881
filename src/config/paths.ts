/**
 * The files custos reads besides its settings: the rules folder and each
 * enrichment source's file. One resolution for every command (run, check, rules
 * check/test, backtest): a command-line flag, else the setting (environment
 * or config file), else the file inside the effective rules folder.
 */
import { ConfigError, inspectSettings, type ConfigSources, type SettingsInspection } from './load.js';
import { ENRICHMENT_SOURCES, type EnrichmentSettingKey } from '../runtime/enrich/sources/index.js';
import { SETTINGS, type SettingKey } from './settings.js';

export type PathKey = 'rules_dir' | EnrichmentSettingKey;
/** The rules folder, then each enrichment source's file (src/runtime/enrich/sources/index.ts). */
export const PATH_KEYS: readonly PathKey[] = ['rules_dir', ...ENRICHMENT_SOURCES.map((s) => s.settingKey)] satisfies readonly SettingKey[];

export interface EffectivePath {
  readonly key: PathKey;
  readonly path: string;
  /** `--zones`, `CUSTOS_ZONES_FILE`, `enrichment.zones_file (in custos.yaml)` or `default: inside the rules folder (CUSTOS_RULES_DIR)`. */
  readonly origin: string;
}

export type EffectivePaths = Readonly<Record<PathKey, EffectivePath>>;

/** Flags given on a command line, by setting key. */
export type PathFlags = Partial<Record<PathKey, { readonly flag: string; readonly value: string | undefined }>>;

/**
 * The effective paths; throws ConfigError when a setting involved is invalid
 * (or an unknown CUSTOS_* variable is set).
 */
export function resolvePaths(sources: ConfigSources, flags: PathFlags = {}): EffectivePaths {
  // A --rules/--dir flag moves the defaults inside it, exactly as CUSTOS_RULES_DIR would.
  const rulesFlag = flags.rules_dir?.value;
  const env = rulesFlag === undefined ? sources.env : { ...sources.env, [SETTINGS.rules_dir.env]: rulesFlag };
  const r = inspectSettings({ ...sources, env }, PATH_KEYS);
  const paths = pathsFrom(r);
  if (r.problems.length > 0 || paths === null) throw new ConfigError(r.problems);
  const out = { ...paths };
  for (const key of PATH_KEYS) {
    const flag = flags[key];
    if (flag?.value !== undefined && key !== 'rules_dir') out[key] = { key, path: flag.value, origin: flag.flag };
  }
  if (rulesFlag !== undefined) out.rules_dir = { key: 'rules_dir', path: rulesFlag, origin: flags.rules_dir?.flag ?? 'flag' };
  return out;
}

/** The paths of an inspection of the settings, or null when one of them is invalid. */
export function pathsFrom(r: SettingsInspection<SettingKey>): Record<PathKey, EffectivePath> | null {
  const out = {} as Record<PathKey, EffectivePath>;
  for (const key of PATH_KEYS) {
    const path = r.values[key];
    if (typeof path !== 'string') return null;
    out[key] = { key, path, origin: r.origins[key] ?? 'default' };
  }
  return out;
}

/** One line per path, for logs and `custos check`. */
export function describePaths(paths: EffectivePaths): string[] {
  return PATH_KEYS.map((k) => `${LABELS[k]}: ${paths[k].path} (${paths[k].origin})`);
}

/** The same as an object, for a structured log line. */
export function pathsForLog(paths: EffectivePaths): Record<string, string> {
  return Object.fromEntries(PATH_KEYS.map((k) => [k, paths[k].path]));
}

const LABELS: Readonly<Record<PathKey, string>> = {
  rules_dir: 'rules folder',
  ...(Object.fromEntries(ENRICHMENT_SOURCES.map((s) => [s.settingKey, s.label])) as Record<EnrichmentSettingKey, string>),
};
