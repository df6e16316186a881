/**
 * Role limits (`roles.<role>.limits`) against the rules that name them. A
 * limit is a name shared by two files that nothing else ties together: a typo
 * on either side used to load cleanly and judge people by a rule's `default`
 * (or by no role floor at all). So:
 *
 * - a rule naming a limit that no role defines is refused (with the nearest
 *   defined name);
 * - a rule naming a limit that some roles define and others do not is refused
 *   at each role that lacks it: every role in the table sets every limit a
 *   rule names. A rule's `default` is for actors whose role the table does not
 *   define (an actor missing from the directory has role `unknown`), never a
 *   silent stand-in for a number nobody set for a role that is there;
 * - a limit that no rule names is a warning: it changes nothing (perhaps
 *   staged for a rule not written yet), and a typo of a used name is already
 *   refused by the rule above at the role that lacks the right name.
 *
 * Disabled rules count: their names are checked and count as uses, so
 * enabling a rule never reveals a typo.
 */
import { nearestName } from '../../../util/nearest-name.js';
import type { RuleProblem } from '../errors.js';
import type { YamlPath } from './predicate.js';
import type { ParsedRuleFile } from './yaml-source.js';

/** Where a rule names a role limit. */
export interface RoleLimitRef {
  readonly name: string;
  readonly ruleId: string;
  readonly src: ParsedRuleFile;
  readonly path: YamlPath;
}

/** A role of the table, with where it is written. */
export interface LocatedRole {
  readonly name: string;
  readonly limits: ReadonlySet<string>;
  readonly src: ParsedRuleFile;
  readonly path: YamlPath;
}

/**
 * Every role limit a validated rule names, with its path below `base`. By
 * convention of the rule schema, a role limit is named by a `role_limit` key
 * (a policy check's, a budget window's) or by `floor_role_limit.limit`; a new
 * check or measure naming one follows it, and is checked here with no change.
 */
export function roleLimitRefs(spec: unknown, base: YamlPath): { readonly name: string; readonly path: YamlPath }[] {
  const out: { name: string; path: YamlPath }[] = [];
  const walk = (v: unknown, path: YamlPath) => {
    if (Array.isArray(v)) {
      v.forEach((x, n) => walk(x, [...path, n]));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    for (const [key, x] of Object.entries(v)) {
      if (key === 'role_limit' && typeof x === 'string') out.push({ name: x, path: [...path, key] });
      else if (key === 'floor_role_limit' && typeof x === 'object' && x !== null && typeof (x as { limit?: unknown }).limit === 'string') {
        out.push({ name: (x as { limit: string }).limit, path: [...path, key, 'limit'] });
      } else walk(x, [...path, key]);
    }
  };
  walk(spec, base);
  return out;
}

export interface RoleLimitCheck {
  readonly refs: readonly RoleLimitRef[];
  readonly roles: readonly LocatedRole[];
  /** Limit names of roles in files that failed validation: not reported as unknown (their file's problems are). */
  readonly brokenLimits: ReadonlySet<string>;
  /** A file failed validation: its rules' uses are unknown, so no limit is called unused. */
  readonly anyBroken: boolean;
}

export function checkRoleLimits(c: RoleLimitCheck): { problems: RuleProblem[]; warnings: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const warnings: RuleProblem[] = [];
  const at = (src: ParsedRuleFile, path: YamlPath, reason: string): RuleProblem => ({ file: src.file, line: src.lineOf(path), reason });
  const where = (r: RoleLimitRef) => {
    const line = r.src.lineOf(r.path);
    return line === null ? r.src.file : `${r.src.file}:${line}`;
  };
  const defined = new Set(c.roles.flatMap((r) => [...r.limits]));
  const byName = new Map<string, RoleLimitRef[]>();
  for (const ref of c.refs) byName.set(ref.name, [...(byName.get(ref.name) ?? []), ref]);

  for (const [name, refs] of byName) {
    if (!defined.has(name)) {
      if (c.brokenLimits.has(name)) continue;
      const near = nearestName(name, defined);
      const known = defined.size === 0 ? 'no role sets any limit' : `the roles set ${[...defined].sort().join(', ')}`;
      for (const ref of refs) {
        problems.push(at(ref.src, ref.path, `rule \`${ref.ruleId}\` names role limit \`${name}\`, which no role defines (${near === null ? '' : `did you mean \`${near}\`? `}${known})`));
      }
      continue;
    }
    const first = refs[0] as RoleLimitRef;
    const more = refs.length > 1 ? ` and ${refs.length - 1} more place${refs.length > 2 ? 's' : ''}` : '';
    for (const role of c.roles) {
      if (role.limits.has(name)) continue;
      const near = nearestName(name, role.limits);
      problems.push(
        at(
          role.src,
          [...role.path, 'limits'],
          `role \`${role.name}\` sets no limit \`${name}\`${near === null ? '' : ` (it sets \`${near}\`: a typo?)`}, ` +
            `which rule \`${first.ruleId}\` names at ${where(first)}${more}: every role sets each limit a rule names; a rule's \`default\` is for actors whose role the role table does not define`,
        ),
      );
    }
  }

  if (!c.anyBroken) {
    const unused = new Map<string, LocatedRole[]>();
    for (const role of c.roles) for (const l of role.limits) if (!byName.has(l)) unused.set(l, [...(unused.get(l) ?? []), role]);
    for (const [name, roles] of unused) {
      const first = roles[0] as LocatedRole;
      const near = nearestName(name, byName.keys());
      warnings.push(
        at(
          first.src,
          [...first.path, 'limits', name],
          `limit \`${name}\` (set by role${roles.length > 1 ? 's' : ''} ${roles.map((r) => r.name).join(', ')}) is named by no rule: it changes nothing${near === null ? '' : ` (did you mean \`${near}\`?)`}`,
        ),
      );
    }
  }
  return { problems, warnings };
}
