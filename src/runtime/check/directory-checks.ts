/**
 * The directory against the role table: a role without a need-to-know entry
 * makes every event of its actors a finding (thousands of alerts a week), so
 * it is an error; an actor whose own zones leave nothing the role allows, or
 * whose kind contradicts the role's, is a warning. So is a rule comparing
 * actor.department with a department no actor of the directory is in: it
 * matches nobody today (and, negated, everybody), most often a typo.
 */
import type { ActorDirectory } from '../enrich/actor-directory.js';
import type { RuleSet } from '../engine/index.js';
import { foldRepeatedProblems } from '../../util/source-error.js';
import { error, figure, warning, type CheckFinding } from './findings.js';
import { comparisonsWithUndefined, type RuleFileIndex } from './rule-files.js';
import { didYouMean } from '../../util/nearest-name.js';
import { UNKNOWN_DEPARTMENT } from '../enrich/actor-directory.js';

export interface DirectoryInput {
  readonly file: string;
  readonly directory: ActorDirectory;
  readonly lineOf: ReadonlyMap<string, number>;
}

export function checkDirectory(d: DirectoryInput, ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  const out: CheckFinding[] = [];
  const byRole = new Map<string, string[]>();
  for (const actor of d.directory.values()) {
    const list = byRole.get(actor.role) ?? [];
    list.push(actor.actor_id);
    byRole.set(actor.role, list);
  }
  const known = [...ruleSet.roles.keys()].sort();
  for (const [role, actors] of byRole) {
    if (ruleSet.roles.has(role)) continue;
    const first = actors[0] as string;
    out.push(
      error({
        file: d.file,
        line: d.lineOf.get(first) ?? null,
        reason:
          `role "${role}" (${figure(actors.length)} actor${actors.length === 1 ? '' : 's'}, first ${first}) has no need-to-know entry: ` +
          `every event of its actors would be a finding; add it under \`roles:\` in the rules folder (roles defined: ${known.join(', ') || 'none'})`,
      }),
    );
  }

  const soft = [];
  for (const actor of d.directory.values()) {
    const role = ruleSet.roles.get(actor.role);
    if (role === undefined) continue;
    const line = d.lineOf.get(actor.actor_id) ?? null;
    if (role.zones !== null && actor.allowed_zones.length > 0 && !actor.allowed_zones.some((z) => role.zones?.has(z))) {
      soft.push({
        file: d.file,
        line,
        reason: `allowed_zones ${actor.allowed_zones.join(';')} share no zone with role ${actor.role} (${[...role.zones].join(', ')}): every access of the actor breaks the zone check`,
      });
    }
    const declared = roleKind(index, actor.role);
    if (declared !== undefined && declared !== actor.kind) {
      soft.push({ file: d.file, line, reason: `kind ${actor.kind}, but role ${actor.role} is declared kind ${declared} (an empty kind means human)` });
    }
  }
  out.push(...foldRepeatedProblems(soft).map(warning));
  out.push(...checkDepartmentReferences(d, ruleSet, index));
  return out;
}

/**
 * A warning, not an error: unlike a role, a department needs no entry of its
 * own, and one may be named before anyone is in it. `unknown` is the
 * department of actors missing from the directory.
 */
function checkDepartmentReferences(d: DirectoryInput, ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  const departments = [...new Set([...d.directory.values()].map((a) => a.department))].sort();
  const present = new Set(departments);
  return comparisonsWithUndefined(index, ruleSet, 'actor.department', (v) => v === UNKNOWN_DEPARTMENT || present.has(v)).map(({ missing, file, line }) => {
    const reason = `compares actor.department with ${missing.join(', ')}, which no actor of ${d.file} is in (departments: ${departments.join(', ') || 'none'}): it matches nobody today`;
    return warning({ file, line, reason: reason + didYouMean(missing, departments) });
  });
}

/** The `kind` a role declares in the role table (optional there). */
function roleKind(index: RuleFileIndex, role: string): string | undefined {
  for (const f of index.files) {
    const spec = f.data?.roles?.[role];
    if (spec !== undefined) return spec.kind;
  }
  return undefined;
}
