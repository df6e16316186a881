/**
 * The actor directory: who each actor is. A CSV file (usually an HR or IAM
 * export) with the header
 *
 *   actor_id,role,department,employment_status,timezone,kind,allowed_zones
 *
 * employment_status: active | notice | leave | terminated
 * kind: human | service; empty means human (`custos check` warns where the
 *   role table declares the role's kind otherwise)
 * timezone: an IANA zone (Europe/Berlin); empty means the configured default
 * allowed_zones: `;`-separated zone names, or empty for "whatever the role allows"
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { ACTOR_KINDS, EMPLOYMENT_STATUSES, type ActorProfile } from '../../model/enriched.js';
import { foldRepeatedProblems, InvalidSourceError, type SourceProblem } from '../../util/source-error.js';
import { LocalTimeResolver } from '../../time/local-time.js';

export const DIRECTORY_COLUMNS = [
  'actor_id',
  'role',
  'department',
  'employment_status',
  'timezone',
  'kind',
  'allowed_zones',
] as const;

const token = z.string().trim().min(1).max(128);

/** What an empty `kind` cell means: most directory rows are people, and HR exports often leave it out. */
export const DEFAULT_ACTOR_KIND = 'human';

const rowSchema = z.object({
  actor_id: z.string().trim().min(1).max(256),
  role: token,
  department: token,
  employment_status: z.enum(EMPLOYMENT_STATUSES),
  timezone: z.string().trim(),
  kind: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? DEFAULT_ACTOR_KIND : v), z.enum(ACTOR_KINDS)),
  allowed_zones: z.string().trim(),
});

export type ActorDirectory = ReadonlyMap<string, ActorProfile>;

export interface DirectoryParseOptions {
  /** Used where a row leaves timezone empty. */
  readonly defaultTimezone: string;
  /** When given, every allowed_zones entry must be one of these. */
  readonly knownZones?: readonly string[];
}

export function parseDirectoryCsv(
  text: string,
  file: string,
  options: DirectoryParseOptions = { defaultTimezone: 'UTC' },
): ActorDirectory {
  return parseDirectory(text, file, options).directory;
}

/** The directory and the line each actor is on (for `custos check`, which points at rows). */
export function parseDirectory(
  text: string,
  file: string,
  options: DirectoryParseOptions = { defaultTimezone: 'UTC' },
): { readonly directory: ActorDirectory; readonly lineOf: ReadonlyMap<string, number> } {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, comment: '#', trim: true, relax_column_count: false });
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new InvalidSourceError([{ file, line: e.lines ?? null, reason: `CSV: ${e.message ?? String(err)}` }]);
  }
  const [header, ...rows] = records;
  if (header === undefined || header.join(',') !== DIRECTORY_COLUMNS.join(',')) {
    throw new InvalidSourceError([
      { file, line: 1, reason: `header must be exactly: ${DIRECTORY_COLUMNS.join(',')}` },
    ]);
  }
  // csv-parse skips comments and blank lines; we recover line numbers by
  // counting data lines in the text so errors point at the right row.
  const lineNumbers = dataLineNumbers(text);
  const problems: SourceProblem[] = [];
  const directory = new Map<string, ActorProfile>();
  const lineOf = new Map<string, number>();
  const knownZones = options.knownZones ? new Set(options.knownZones) : null;

  rows.forEach((cells, index) => {
    const line = lineNumbers[index + 1] ?? null;
    const raw = Object.fromEntries(DIRECTORY_COLUMNS.map((col, i) => [col, cells[i] ?? '']));
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ file, line, reason: `${issue.path.join('.')}: ${issue.message}` });
      }
      return;
    }
    const row = parsed.data;
    const timezone = row.timezone === '' ? options.defaultTimezone : row.timezone;
    try {
      LocalTimeResolver.assertValidZone(timezone);
    } catch {
      problems.push({ file, line, reason: `timezone: "${timezone}" is not an IANA time zone` });
      return;
    }
    const zones = row.allowed_zones === '' ? [] : row.allowed_zones.split(';').map((z) => z.trim()).filter(Boolean);
    const unknown = knownZones ? zones.filter((z) => !knownZones.has(z)) : [];
    if (unknown.length > 0) {
      problems.push({ file, line, reason: `allowed_zones: unknown zone(s) ${unknown.join(', ')}` });
      return;
    }
    if (directory.has(row.actor_id)) {
      problems.push({ file, line, reason: `actor_id "${row.actor_id}" is listed twice` });
      return;
    }
    if (line !== null) lineOf.set(row.actor_id, line);
    directory.set(row.actor_id, {
      actor_id: row.actor_id,
      known: true,
      role: row.role,
      department: row.department,
      employment_status: row.employment_status,
      kind: row.kind,
      timezone,
      allowed_zones: zones,
    });
  });
  if (problems.length > 0) throw new InvalidSourceError(foldRepeatedProblems(problems));
  return { directory, lineOf };
}

/** 1-based line numbers of the non-blank, non-comment lines (header first). */
function dataLineNumbers(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    const t = lineText.trim();
    if (t !== '' && !t.startsWith('#')) out.push(i + 1);
  });
  return out;
}

/** The zones of every unknown actor: one array, not one per event (an engine holds a profile per actor). */
const NO_ZONES: readonly string[] = Object.freeze([]);

/** The role of an actor missing from the directory (rules may compare actor.role with it). */
export const UNKNOWN_ROLE = 'unknown';
/** ... and its department. */
export const UNKNOWN_DEPARTMENT = 'unknown';

/** The profile of an actor missing from the directory: enriched, never dropped. */
export function unknownActor(actorId: string, defaultTimezone: string): ActorProfile {
  return {
    actor_id: actorId,
    known: false,
    role: UNKNOWN_ROLE,
    department: UNKNOWN_DEPARTMENT,
    employment_status: 'unknown',
    kind: 'human',
    timezone: defaultTimezone,
    allowed_zones: NO_ZONES,
  };
}
