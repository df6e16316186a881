/**
 * An enrichment source: one file under sources/ registered in
 * sources/index.ts. Each brings everything about one kind of enrichment data:
 *
 * - `setting`: its file setting (a path, resolved against CUSTOS_RULES_DIR
 *   when left at its default) and the command-line flag that overrides it;
 * - `load`: reading and validating its file (throws InvalidSourceError with
 *   every problem), the same for `custos run`, `custos check` and hot reload;
 * - `check` / `crossCheck`: what `custos check` adds on top of loading (the
 *   file alone; the file against the rules);
 * - `step`: the per-event enrich step, a pure lookup in the loaded table that
 *   gives the event its `attribute`;
 * - `columns`: the `access_events` columns that store the attribute and read
 *   it back (DDL, row writers, reader and read-back list derive from them).
 *
 * The enricher, the loader, `custos check`, the monitor's reload and the
 * backtest iterate the list; none of them names a source.
 */
import { readFileSync } from 'node:fs';
import type { SettingSpec } from '../../config/setting-spec.js';
import type { EnrichedEvent } from '../../model/enriched.js';
import type { AccessEvent } from '../../model/event.js';
import type { AccessEventColumn } from '../outputs/clickhouse/columns/access-event-column.js';
import type { CheckFinding } from '../check/findings.js';
import type { RuleFileIndex } from '../check/rule-files.js';
import type { RuleSet } from '../engine/index.js';
import type { z } from 'zod';
import { InvalidSourceError } from '../../util/source-error.js';

/** The attributes enrichment adds to an access event (model/enriched.ts). */
export type EnrichedAttribute = Exclude<keyof EnrichedEvent, keyof AccessEvent>;

export interface SourceLoadContext {
  /** Time zone of actors whose directory row leaves it empty, and of unknown actors. */
  readonly defaultTimezone: string;
  /** What a source loaded before this one (see `after`); undefined where its file failed. */
  readonly loaded: <T>(source: EnrichmentSource<string, string, T>) => T | undefined;
}

export interface SourceCheckContext {
  readonly file: string;
  /** The file's text; null when it cannot be read (loading reports that). */
  readonly text: string | null;
  /** Where the shipped example files are (the package's rules/). */
  readonly examplesDir: string;
}

export interface SourceCrossCheckContext {
  readonly file: string;
  readonly ruleSet: RuleSet;
  readonly index: RuleFileIndex;
}

export interface SourceStepContext {
  readonly defaultTimezone: string;
}

/** One per-event step: the attribute's value; `soFar` holds the attributes of the sources before it in the list (only those). */
export type EnrichStep<A extends EnrichedAttribute> = (event: AccessEvent, soFar: Pick<EnrichedEvent, EnrichedAttribute>) => EnrichedEvent[A];

export interface EnrichmentSource<Name extends string = string, Key extends string = string, Table = unknown, A extends EnrichedAttribute = EnrichedAttribute, Option extends string = string> {
  /** Its key in the loaded tables (`EnrichmentTables`). */
  readonly name: Name;
  /** Its key in the files given to the loader (`EnrichmentFiles`), e.g. `zonesFile`. */
  readonly fileKey: `${string}File`;
  /** The setting naming its file, e.g. `enrichment.zones_file`. */
  readonly settingKey: Key;
  readonly setting: SettingSpec<z.ZodString>;
  /** The file in `custos check`'s list of files, e.g. `zones`. */
  readonly label: string;
  /** Its command-line flag (`custos rules check/test`, `custos backtest --from-file`). */
  /** The command-line option that overrides the setting (`zones`: `--zones <file>`). */
  readonly option: Option;
  readonly flag: {
    readonly description: string;
    /** A backtest of a file must name this file (the reason, for the usage error); absent: the setting's file will do. */
    readonly requiredForFileReplay?: string;
  };
  /** Sources whose tables this one's loader reads (through `loaded`); loaded first. */
  readonly after?: readonly EnrichmentSource[];
  load(file: string, ctx: SourceLoadContext): Table;
  /** The table where no file is given (rule test cases declare their own actors); absent: the file is required. */
  withoutFile?(): Table;
  check?(table: Table | undefined, ctx: SourceCheckContext): readonly CheckFinding[];
  crossCheck?(table: Table, ctx: SourceCrossCheckContext): readonly CheckFinding[];
  readonly attribute: A;
  step(table: Table, ctx: SourceStepContext): EnrichStep<A>;
  /** A blank of the attribute, keys in the model's order, that a stored row is read back into. */
  draft(): unknown;
  readonly columns: readonly AccessEventColumn[];
}

// Methods, not function properties: a list of sources of different tables is a list of EnrichmentSource.

/** Declares a source with its types inferred (the list keeps each source's table type). */
export const defineEnrichmentSource = <Name extends string, Key extends string, Table, A extends EnrichedAttribute, Option extends string>(
  source: EnrichmentSource<Name, Key, Table, A, Option>,
): EnrichmentSource<Name, Key, Table, A, Option> => source;

/** A source file's text; throws InvalidSourceError naming the file when it cannot be read. */
export function readSourceFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidSourceError([{ file, line: null, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
}
