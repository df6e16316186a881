/**
 * The rules folder against the enrichment files and itself, beyond what the
 * loader validates: field classes the role table or rules name that the
 * fields file does not define, rule test cases written for roles or zones
 * that no longer exist, exceptions about to expire or naming nobody, rate
 * floors that a role's per-request limit raises, and comparisons with a role
 * or time zone that cannot occur.
 */
import type { FieldClasses } from '../enrich/field-classes.js';
import type { RuleSet } from '../engine/index.js';
import { UNKNOWN_ZONE } from '../enrich/network-zones.js';
import { error, figure, warning, type CheckFinding } from './findings.js';
import { comparisonsWithUndefined, type RuleFileIndex } from './rule-files.js';
import { didYouMean } from '../../util/nearest-name.js';
import { UNKNOWN_ROLE } from '../enrich/actor-directory.js';
import { LocalTimeResolver } from '../../time/local-time.js';

const DAY_MS = 86_400_000;
/** Exceptions expiring within this are announced, so their owners renew or drop them in time. */
export const EXPIRY_NOTICE_MS = 7 * DAY_MS;

export function checkFieldClassReferences(fields: FieldClasses, fieldsFile: string, ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  const defined = new Set(fields.classes);
  const names = `classes in ${fieldsFile}: ${fields.classes.join(', ')}`;
  const out: CheckFinding[] = [];
  for (const role of ruleSet.roles.values()) {
    const missing = new Set(role.grants.flatMap((g) => [...(g.fieldClasses ?? [])].filter((c) => !defined.has(c))));
    if (missing.size === 0) continue;
    const at = index.roleAt(role.name) ?? { file: '(rules)', line: null };
    out.push(error({ ...at, reason: `role ${role.name} grants field class(es) ${[...missing].join(', ')}, which the fields file does not define (${names})` }));
  }
  for (const p of comparisonsWithUndefined(index, ruleSet, 'field_classes', (c) => defined.has(c))) {
    out.push(error({ file: p.file, line: p.line, reason: `compares field_classes with ${p.missing.join(', ')}, which the fields file does not define (${names})` }));
  }
  return out;
}

/**
 * A rule comparing actor.role with a role the role table does not define never
 * matches it (and, negated, always does): the directory cannot hold such a role
 * (checkDirectory refuses one without a need-to-know entry), so it is a typo or
 * a role renamed. `unknown` is the role of actors missing from the directory.
 */
export function checkRoleReferences(ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  const roles = [...ruleSet.roles.keys()].sort();
  return comparisonsWithUndefined(index, ruleSet, 'actor.role', (r) => r === UNKNOWN_ROLE || ruleSet.roles.has(r)).map(({ missing, file, line }) => {
    const reason = `compares actor.role with ${missing.join(', ')}, which the role table does not define (roles: ${roles.join(', ') || 'none'}, and ${UNKNOWN_ROLE} for actors not in the directory)`;
    return error({ file, line, reason: reason + didYouMean(missing, roles) });
  });
}

/**
 * actor.timezone holds the directory's IANA zone (or the default one): a rule
 * comparing it with a name that is no time zone at all never matches.
 */
export function checkTimezoneReferences(ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  return comparisonsWithUndefined(index, ruleSet, 'actor.timezone', LocalTimeResolver.isValidZone).map(({ missing, file, line }) =>
    error({ file, line, reason: `compares actor.timezone with ${missing.join(', ')}, which is not an IANA time zone (e.g. Europe/Berlin, UTC)` }),
  );
}

/**
 * A field the fields file does not list gets its default class; where a role's
 * field-class restriction leaves that class out, one unlisted field in an event
 * makes the whole access a finding for the role. Says which roles, and which
 * fields the rule test cases use that are unlisted (the fields seen so far).
 */
export function checkUnlistedFieldDefault(fields: FieldClasses, fieldsFile: string, ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  const dflt = fields.defaultClassName;
  const refusing = [...ruleSet.roles.values()]
    .filter((role) => role.grants.length > 0 && role.grants.every((g) => g.fieldClasses !== null && g.fieldClasses !== undefined && !g.fieldClasses.has(dflt)))
    .map((role) => role.name)
    .sort();
  const unlisted = new Set<string>();
  for (const src of index.files) {
    for (const c of src.data?.tests?.cases ?? []) for (const e of c.events) for (const f of e.fields ?? []) if (!fields.isListed(f)) unlisted.add(f);
  }
  if (refusing.length === 0 && unlisted.size === 0) return [];
  const parts = [`fields not listed in the fields file get class ${dflt}`];
  if (refusing.length > 0) parts.push(`roles ${refusing.join(', ')} are not granted ${dflt}: any access returning an unlisted field is a finding for them`);
  if (unlisted.size > 0) parts.push(`unlisted fields in the rule test cases: ${[...unlisted].sort().join(', ')}`);
  return [warning({ file: fieldsFile, line: null, reason: `${parts.join('; ')}. List every field your events carry` })];
}

/** A test case of a role the table no longer has tests nothing the monitor runs: adapt it or drop it. */
export function checkRuleTestCases(ruleSet: RuleSet, index: RuleFileIndex, zoneNames: readonly string[] | null): CheckFinding[] {
  const out: CheckFinding[] = [];
  const roles = [...ruleSet.roles.keys()].sort().join(', ');
  const zones = zoneNames === null ? null : new Set([...zoneNames, UNKNOWN_ZONE]);
  for (const src of index.files) {
    const tests = src.data?.tests;
    if (tests === undefined) continue;
    const actorChecks = (actors: Record<string, { role: string; known: boolean; allowed_zones: string[] }>, base: (string | number)[]) => {
      for (const [name, a] of Object.entries(actors)) {
        const at = index.locate(src, [...base, name]);
        if (a.known && !ruleSet.roles.has(a.role)) {
          out.push(error({ ...at, reason: `test actor ${name} has role ${a.role}, which the role table does not define (roles: ${roles}): adapt the test case to your roles` }));
        }
        const unknownZones = zones === null ? [] : a.allowed_zones.filter((z) => !zones.has(z));
        if (unknownZones.length > 0) out.push(error({ ...at, reason: `test actor ${name} is allowed zone(s) ${unknownZones.join(', ')}, which no zone defines` }));
      }
    };
    actorChecks(tests.actors, ['tests', 'actors']);
    tests.cases.forEach((c, n) => {
      actorChecks(c.actors, ['tests', 'cases', n, 'actors']);
      if (zones === null) return;
      c.events.forEach((e, k) => {
        if (e.zone !== undefined && !zones.has(e.zone)) {
          out.push(error({ ...index.locate(src, ['tests', 'cases', n, 'events', k]), reason: `test case "${c.name}": an event from zone ${e.zone}, which no zone defines` }));
        }
      });
    });
  }
  return out;
}

export function checkExceptions(ruleSet: RuleSet, index: RuleFileIndex, now: number, actorIds: ReadonlySet<string> | null): CheckFinding[] {
  const out: CheckFinding[] = [];
  for (const src of index.files) {
    (src.data?.exceptions ?? []).forEach((x, n) => {
      const at = (path: (string | number)[]) => index.locate(src, ['exceptions', n, ...path]);
      if (x.expires > now && x.expires - now <= EXPIRY_NOTICE_MS) {
        const days = Math.ceil((x.expires - now) / DAY_MS);
        out.push(warning({ ...at(['expires']), reason: `exception \`${x.id}\` (owner ${x.owner}) expires within ${days} day${days === 1 ? '' : 's'} (${new Date(x.expires - 1).toISOString().slice(0, 10)} is its last day)` }));
      }
      (x.roles ?? []).forEach((role, k) => {
        if (!ruleSet.roles.has(role)) out.push(warning({ ...at(['roles', k]), reason: `exception \`${x.id}\` names role ${role}, which the role table does not define: it applies to nobody` }));
      });
      if (actorIds !== null) {
        (x.actors ?? []).forEach((actor, k) => {
          if (!actorIds.has(actor)) out.push(warning({ ...at(['actors', k]), reason: `exception \`${x.id}\` names actor ${actor}, who is not in the directory` }));
        });
      }
    });
  }
  return out;
}

/**
 * A rate window whose floor follows a role limit (`floor_role_limit`) never
 * alerts below that many times the role's limit. Sized from a weekly report,
 * a per-request limit blinds the rate rule for the role; until the floors
 * change (the detection issue), this says so, per rule, with the figures.
 */
export function checkRoleLimitFloors(ruleSet: RuleSet, index: RuleFileIndex): CheckFinding[] {
  const out: CheckFinding[] = [];
  for (const rule of ruleSet.rateRules) {
    const windows = rule.windows.map((w, k) => ({ w, k })).filter(({ w }) => w.floorRoleLimit !== null);
    if (windows.length === 0) continue;
    const byLimit = new Map<string, typeof windows>();
    for (const x of windows) {
      const name = (x.w.floorRoleLimit as { limit: string }).limit;
      byLimit.set(name, [...(byLimit.get(name) ?? []), x]);
    }
    const where = index.ruleAt(rule.id);
    for (const [limit, ws] of byLimit) {
      const raised: string[] = [];
      for (const role of [...ruleSet.roles.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const value = role.limits.get(limit);
        if (value === undefined) continue;
        const floors = ws.map(({ w }) => Math.max(w.floor, value * (w.floorRoleLimit as { times: number }).times));
        if (floors.every((f, i) => f <= (ws[i] as (typeof ws)[number]).w.floor)) continue;
        raised.push(`${role.name} ${floors.map(figure).join('/')}`);
      }
      if (raised.length === 0) continue;
      const first = ws[0] as (typeof ws)[number];
      const at = where === null ? { file: rule.file, line: null } : index.locate(where.src, ['rules', where.index, 'windows', first.k, 'floor_role_limit']);
      const factors = ws.map(({ w }) => `${(w.floorRoleLimit as { times: number }).times} x in ${w.label}`).join(', ');
      out.push(
        warning({
          ...at,
          reason:
            `${rule.id} never alerts below floors set by the roles' ${limit} (${factors}): ${raised.join('; ')} distinct customers ` +
            `(${ws.map(({ w }) => w.label).join('/')}). Size ${limit} to one ordinary request, not to a report: a limit sized from a weekly report raises these floors with it`,
        }),
      );
    }
  }
  return out;
}
