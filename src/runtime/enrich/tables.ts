/**
 * Enrichment tables: everything enrich needs, loaded from files once (and again
 * on reload), so the enrich step itself does no I/O. One table per source of
 * sources/index.ts, loaded by that source; nothing here names a source.
 */
import { basename, join } from 'node:path';
import { InvalidSourceError, type SourceProblem } from '../../util/source-error.js';
import { LocalTimeResolver } from '../../time/local-time.js';
import type { EnrichmentSource } from './source.js';
import { ENRICHMENT_SOURCES, type EnrichmentSettingKey, type EnrichmentSourceOf } from './sources/index.js';

type TableOf<S> = S extends EnrichmentSource<string, string, infer T> ? T : never;

/** One table per source, by the source's name. */
export type SourceTables = { readonly [S in EnrichmentSourceOf as S['name']]: TableOf<S> };

export interface EnrichmentTables extends SourceTables {
  readonly defaultTimezone: string;
}

/** Each source's file, by the source's `fileKey`. */
export type SourceFiles = { readonly [S in EnrichmentSourceOf as S['fileKey']]: string };

export interface EnrichmentOptions {
  /** Time zone of actors whose directory row leaves it empty, and of unknown actors. */
  readonly defaultTimezone: string;
}

export type EnrichmentFiles = SourceFiles & EnrichmentOptions;

/** The files of the sources that can do without theirs (`withoutFile`) may be left out. */
export type StaticEnrichmentFiles = Partial<SourceFiles> & EnrichmentOptions;

/** Loads and validates all enrichment files; throws InvalidSourceError listing every problem. */
export function loadEnrichmentTables(files: EnrichmentFiles): EnrichmentTables {
  return loadTables(files);
}

/** Without the files of the sources that can do without (the directory: rule test cases declare their actors). */
export function loadStaticEnrichmentTables(files: StaticEnrichmentFiles): EnrichmentTables {
  return loadTables(files);
}

function loadTables(files: StaticEnrichmentFiles): EnrichmentTables {
  const parts = loadEnrichmentParts(files);
  if (parts.problems.length > 0 || parts.tables === undefined) throw new InvalidSourceError(parts.problems);
  return parts.tables;
}

/** Each source's file inside a rules folder (where its setting's default points), but those given. */
export function enrichmentFilesIn(rulesDir: string, given: StaticEnrichmentFiles): EnrichmentFiles {
  return filesWith(given, (s) => join(rulesDir, s.setting.default ?? ''));
}

/** Each source's file in a folder of enrichment files (rules/enrichment/: its default's file name), but those given. */
export function enrichmentFilesInFolder(enrichmentDir: string, given: StaticEnrichmentFiles): EnrichmentFiles {
  return filesWith(given, (s) => join(enrichmentDir, basename(s.setting.default ?? '')));
}

function filesWith(given: StaticEnrichmentFiles, fallback: (s: EnrichmentSource) => string): EnrichmentFiles {
  const files: Record<string, string> = {};
  for (const s of ENRICHMENT_SOURCES as readonly EnrichmentSource[]) files[s.fileKey] = (given as unknown as Record<string, string | undefined>)[s.fileKey] ?? fallback(s);
  return { ...(files as unknown as SourceFiles), defaultTimezone: given.defaultTimezone };
}

/** Whatever of each file could be loaded, and every problem: what `custos check` reports from. */
export interface EnrichmentParts {
  /** By source name; absent where the source's file could not be loaded. */
  readonly loaded: Partial<SourceTables>;
  /** Every table, when every file loaded. */
  readonly tables?: EnrichmentTables;
  readonly problems: readonly SourceProblem[];
}

/** Sources in load order: each after the sources it reads (`after`), otherwise in list order. */
const LOAD_ORDER: readonly EnrichmentSource[] = (() => {
  const out: EnrichmentSource[] = [];
  const visit = (s: EnrichmentSource, path: readonly EnrichmentSource[]) => {
    if (out.includes(s)) return;
    // invariant: a source list whose `after` loops is a bug.
    if (path.includes(s)) throw new Error(`enrichment source ${s.name} is loaded after itself`);
    for (const d of s.after ?? []) visit(d, [...path, s]);
    out.push(s);
  };
  const free = ENRICHMENT_SOURCES.filter((s) => (s.after ?? []).length === 0);
  for (const s of [...free, ...ENRICHMENT_SOURCES]) visit(s as EnrichmentSource, []);
  return out;
})();

export function loadEnrichmentParts(files: StaticEnrichmentFiles): EnrichmentParts {
  const problems: SourceProblem[] = [];
  try {
    LocalTimeResolver.assertValidZone(files.defaultTimezone);
  } catch {
    problems.push({ file: '(config)', line: null, reason: `default time zone "${files.defaultTimezone}" is not an IANA zone` });
  }
  const loaded = new Map<EnrichmentSource, unknown>();
  const context = {
    defaultTimezone: files.defaultTimezone,
    loaded: <T>(source: EnrichmentSource<string, string, T>): T | undefined => loaded.get(source as EnrichmentSource) as T | undefined,
  };
  for (const source of LOAD_ORDER) {
    const file = (files as unknown as Partial<Record<string, string>>)[source.fileKey];
    try {
      if (file !== undefined) loaded.set(source, source.load(file, context));
      else if (source.withoutFile) loaded.set(source, source.withoutFile());
      else problems.push({ file: '(enrichment)', line: null, reason: `no ${source.label} file given` });
    } catch (err) {
      if (err instanceof InvalidSourceError) problems.push(...err.problems);
      else problems.push({ file: '(enrichment)', line: null, reason: (err as Error).message });
    }
  }
  const byName = Object.fromEntries([...loaded].map(([s, t]) => [s.name, t])) as Partial<SourceTables>;
  const complete = loaded.size === ENRICHMENT_SOURCES.length && problems.length === 0;
  return {
    loaded: byName,
    ...(complete && { tables: { ...(byName as SourceTables), defaultTimezone: files.defaultTimezone } }),
    problems,
  };
}

/** Each source's file from its setting (`custos run`). */
export function enrichmentFilesFromSettings(config: Readonly<Record<EnrichmentSettingKey | 'enrichment.default_timezone', string>>): EnrichmentFiles {
  const files: Record<string, string> = {};
  for (const s of ENRICHMENT_SOURCES) files[s.fileKey] = config[s.settingKey];
  return { ...(files as unknown as SourceFiles), defaultTimezone: config['enrichment.default_timezone'] };
}

/** Every file the tables are loaded from (what hot reload watches). */
export function enrichmentFilePaths(files: StaticEnrichmentFiles): string[] {
  return ENRICHMENT_SOURCES.map((s) => (files as unknown as Partial<Record<string, string>>)[s.fileKey]).filter((f): f is string => f !== undefined);
}
