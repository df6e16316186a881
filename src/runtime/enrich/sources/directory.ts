/**
 * The actor directory (actors.csv, an HR or IAM export): the event's `actor`,
 * its profile by actor_id; an actor missing from it is role `unknown`, kept
 * and evaluated. Its rows' allowed_zones are checked against the zones.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { setting } from '../../../config/setting-spec.js';
import { ACTOR_KINDS, EMPLOYMENT_STATUSES, type ActorKind, type ActorProfile, type EmploymentStatus } from '../../../model/enriched.js';
import { checkDirectory } from '../../check/directory-checks.js';
import { warning } from '../../check/findings.js';
import { sameContent } from '../../check/shipped-examples.js';
import { LC } from '../../outputs/clickhouse/columns/column-table.js';
import { flag, toNumber } from '../../outputs/clickhouse/rows/json-values.js';
import { parseDirectory, unknownActor, type ActorDirectory } from '../actor-directory.js';
import { defineEnrichmentSource, readSourceFile } from '../source.js';
import { ZONES } from './zones.js';


const num = (v: unknown): number => toNumber(v as number | string);
const isKind = (v: unknown): v is ActorKind => (ACTOR_KINDS as readonly unknown[]).includes(v);
const isEmployment = (v: unknown): v is EmploymentStatus | 'unknown' => v === 'unknown' || (EMPLOYMENT_STATUSES as readonly unknown[]).includes(v);

/** Where the directory's line numbers are kept beside the map (the map itself is what enrich reads). */
const LINES = new WeakMap<ActorDirectory, ReadonlyMap<string, number>>();

/** The line of each row of a loaded directory (empty for one not loaded from a file). */
export const directoryLines = (directory: ActorDirectory): ReadonlyMap<string, number> => LINES.get(directory) ?? new Map();

export const DIRECTORY = defineEnrichmentSource({
  name: 'directory',
  fileKey: 'directoryFile',
  settingKey: 'enrichment.directory_file',
  setting: setting({ env: 'CUSTOS_DIRECTORY_FILE', schema: z.string().min(1), default: 'enrichment/actors.csv', underRulesDir: true, description: 'Actor directory CSV (see README).' }),
  label: 'directory',
  option: 'directory',
  flag: {
    description: "actor directory CSV the file's events are enriched with (required with --from-file)",
    requiredForFileReplay: 'the actor directory CSV the events are enriched with',
  },
  // allowed_zones must name zones of the zones file, when that loaded.
  after: [ZONES],
  load: (file, { defaultTimezone, loaded }): ActorDirectory => {
    const zones = loaded(ZONES);
    const parsed = parseDirectory(readSourceFile(file), file, { defaultTimezone, ...(zones ? { knownZones: zones.names } : {}) });
    LINES.set(parsed.directory, parsed.lineOf);
    return parsed.directory;
  },
  // Rule test cases declare their own actors.
  withoutFile: (): ActorDirectory => new Map(),
  check: (_directory, { file, examplesDir }) =>
    sameContent(file, join(examplesDir, 'enrichment', 'actors.csv'))
      ? [warning({ file, line: null, reason: 'this is the shipped example directory: point CUSTOS_DIRECTORY_FILE at your HR/IAM export (or replace the file)' })]
      : [],
  crossCheck: (directory, { file, ruleSet, index }) => checkDirectory({ file, directory, lineOf: directoryLines(directory) }, ruleSet, index),
  attribute: 'actor',
  step: (directory, { defaultTimezone }) => (event): ActorProfile => directory.get(event.actor_id) ?? unknownActor(event.actor_id, defaultTimezone),
  draft: () => ({ actor_id: undefined, known: undefined, role: undefined, department: undefined, employment_status: undefined, kind: undefined, timezone: undefined, allowed_zones: undefined }),
  // actor.actor_id is read back from the event's actor_id column.
  columns: [
    { name: 'actor_known', type: 'UInt8', write: (e) => flag(e.actor.known), read: (v, d) => void (d.actor.known = num(v) === 1) },
    { name: 'actor_role', type: LC, write: (e) => e.actor.role, read: (v, d) => void (d.actor.role = v) },
    { name: 'actor_department', type: LC, write: (e) => e.actor.department, read: (v, d) => void (d.actor.department = v) },
    { name: 'employment_status', type: LC, write: (e) => e.actor.employment_status, read: (v, d) => isEmployment(v) && ((d.actor.employment_status = v), true) },
    { name: 'actor_kind', type: LC, write: (e) => e.actor.kind, read: (v, d) => isKind(v) && ((d.actor.kind = v), true) },
    { name: 'actor_timezone', type: LC, write: (e) => e.actor.timezone, read: (v, d) => void (d.actor.timezone = v) },
    // Not asked for by analysts, but without it an event read back at restart
    // would not be the event the engine saw.
    { name: 'actor_allowed_zones', type: 'Array(String)', write: (e) => e.actor.allowed_zones, read: (v, d) => void (d.actor.allowed_zones = v) },
  ],
});
