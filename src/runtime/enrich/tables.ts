/**
 * Enrichment tables: everything enrich needs, loaded from files once (and again
 * on reload), so the enrich step itself does no I/O.
 */
import { readFileSync } from 'node:fs';
import { InvalidSourceError, type SourceProblem } from '../../util/source-error.js';
import { parseYamlWith } from '../../util/yaml-validate.js';
import { parseDirectory, type ActorDirectory } from './actor-directory.js';
import { businessHoursFrom, calendarFileSchema, type BusinessHours } from './business-hours.js';
import { FieldClasses, fieldsFileSchema } from './field-classes.js';
import { LocalTimeResolver } from '../../time/local-time.js';
import { NetworkZones, zonesFileSchema } from './network-zones.js';

export interface StaticEnrichmentFiles {
  readonly zonesFile: string;
  readonly fieldsFile: string;
  readonly calendarFile: string;
  /** Time zone of actors whose directory row leaves it empty, and of unknown actors. */
  readonly defaultTimezone: string;
}

export interface EnrichmentFiles extends StaticEnrichmentFiles {
  readonly directoryFile: string;
}

export interface EnrichmentTables {
  readonly directory: ActorDirectory;
  readonly zones: NetworkZones;
  readonly fieldClasses: FieldClasses;
  readonly businessHours: BusinessHours;
  readonly defaultTimezone: string;
}

/** Loads and validates all enrichment files; throws InvalidSourceError listing every problem. */
export function loadEnrichmentTables(files: EnrichmentFiles): EnrichmentTables {
  return loadTables(files, files.directoryFile);
}

/** Zones, field classes and calendar without a directory file: rule test cases declare their actors. */
export function loadStaticEnrichmentTables(files: StaticEnrichmentFiles): EnrichmentTables {
  return loadTables(files, null);
}

function loadTables(files: StaticEnrichmentFiles, directoryFile: string | null): EnrichmentTables {
  const parts = loadEnrichmentParts(files, directoryFile);
  const { zones, fieldClasses, businessHours, directory } = parts;
  if (parts.problems.length > 0 || !zones || !fieldClasses || !businessHours || !directory) {
    throw new InvalidSourceError(parts.problems);
  }
  return { directory, zones, fieldClasses, businessHours, defaultTimezone: files.defaultTimezone };
}

/** Whatever of each file could be loaded, and every problem: what `custos check` reports from. */
export interface EnrichmentParts {
  readonly zones?: NetworkZones;
  readonly fieldClasses?: FieldClasses;
  readonly businessHours?: BusinessHours;
  readonly directory?: ActorDirectory;
  /** The line of each directory row, by actor id. */
  readonly directoryLines?: ReadonlyMap<string, number>;
  readonly problems: readonly SourceProblem[];
}

export function loadEnrichmentParts(files: StaticEnrichmentFiles, directoryFile: string | null): EnrichmentParts {
  const problems: SourceProblem[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InvalidSourceError) problems.push(...err.problems);
      else problems.push({ file: '(enrichment)', line: null, reason: (err as Error).message });
      return undefined;
    }
  };
  try {
    LocalTimeResolver.assertValidZone(files.defaultTimezone);
  } catch {
    problems.push({ file: '(config)', line: null, reason: `default time zone "${files.defaultTimezone}" is not an IANA zone` });
  }
  const zones = attempt(() => new NetworkZones(parseYamlWith(read(files.zonesFile), files.zonesFile, zonesFileSchema)));
  const fieldClasses = attempt(
    () => new FieldClasses(parseYamlWith(read(files.fieldsFile), files.fieldsFile, fieldsFileSchema)),
  );
  const businessHours = attempt(() =>
    businessHoursFrom(parseYamlWith(read(files.calendarFile), files.calendarFile, calendarFileSchema)),
  );
  const parsed =
    directoryFile === null
      ? { directory: new Map(), lineOf: new Map<string, number>() }
      : attempt(() =>
          parseDirectory(read(directoryFile), directoryFile, {
            defaultTimezone: files.defaultTimezone,
            ...(zones ? { knownZones: zones.names } : {}),
          }),
        );
  return {
    ...(zones && { zones }),
    ...(fieldClasses && { fieldClasses }),
    ...(businessHours && { businessHours }),
    ...(parsed && { directory: parsed.directory, directoryLines: parsed.lineOf }),
    problems,
  };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidSourceError([{ file, line: null, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
}
