/**
 * Turns parsed rule files into a RuleSet: resolves lists and named conditions
 * across files, compiles predicates and checks, and reports every semantic
 * problem (duplicate names, unknown references, cycles) with file and line.
 */
import { SEVERITIES } from '../../../model/alert.js';
import { formatDuration } from '../duration.js';
import type { RuleProblem } from '../errors.js';
import { compilePredicate, resolveValues, type Predicate, type PredicateContext, type YamlPath } from './predicate.js';
import { compileCheck } from '../checks/index.js';
import { measureNamed, RATE_MEASURES, type RateMeasurePart } from '../measures/index.js';
import type {
  EngineSettings,
  ExceptionEntry,
  PolicyRule,
  RateRule,
  RateWindow,
  RoleGrant,
  RolePolicy,
  Rule,
  RuleSet,
  RuleTestCase,
  ScoreRule,
  SeverityRaise,
} from './rule-set.js';
import { metricOf } from '../baseline/bands.js';
import { DEFAULT_SETTINGS, type RuleSpec, type ScoreRuleSpec, type StringSetSpec } from './schema.js';
import type { ParsedRuleFile } from './yaml-source.js';
import { checkRoleLimits, roleLimitRefs, type LocatedRole, type RoleLimitRef } from './role-limits.js';

export interface CompileOptions {
  /** "Now" for expiry warnings (epoch ms). Expiry itself is judged on event time by the engine. */
  readonly now: number;
}

export type RuleSetResult =
  | { readonly ok: true; readonly ruleSet: RuleSet; readonly warnings: readonly RuleProblem[] }
  | { readonly ok: false; readonly problems: readonly RuleProblem[]; readonly warnings: readonly RuleProblem[] };

interface Located<T> {
  readonly value: T;
  readonly src: ParsedRuleFile;
  readonly path: YamlPath;
}

const ALWAYS: Predicate = () => true;

export function compileRuleFiles(files: readonly ParsedRuleFile[], options: CompileOptions): RuleSetResult {
  // A file that failed to parse or validate has no data and is skipped below,
  // but the other files are still compiled so that one run lists every
  // problem. Their references to names the broken file defines are not
  // reported as unknown: that would be noise the broken file's own problem
  // already explains.
  const parseProblems = files.flatMap((f) => f.problems);
  const broken = files.filter((f) => f.data === null);
  const brokenLists = new Set(broken.flatMap((f) => [...f.declared.lists]));
  const brokenConditions = new Set(broken.flatMap((f) => [...f.declared.conditions]));
  const brokenRules = new Set(broken.flatMap((f) => [...f.declared.rules]));
  const brokenLimits = new Set(broken.flatMap((f) => [...f.declared.limits]));

  const problems: RuleProblem[] = [];
  const warnings: RuleProblem[] = [];
  const at = (src: ParsedRuleFile, path: YamlPath, reason: string): RuleProblem => ({
    file: src.file,
    line: src.lineOf(path),
    reason,
  });
  const report = (src: ParsedRuleFile, path: YamlPath, reason: string) => problems.push(at(src, path, reason));

  // ---- lists ------------------------------------------------------------------
  const lists = new Map<string, readonly string[]>();
  const listOrigin = new Map<string, ParsedRuleFile>();
  for (const src of files) {
    for (const [name, items] of Object.entries(src.data?.lists ?? {})) {
      const first = listOrigin.get(name);
      if (first !== undefined) report(src, ['lists', name], `list \`${name}\` is already defined in ${first.file}`);
      else {
        lists.set(name, items);
        listOrigin.set(name, src);
      }
    }
  }
  const listItemAt = (name: string, index: number): string => {
    const src = listOrigin.get(name);
    if (src === undefined) return name;
    const line = src.lineOf(['lists', name, index]);
    return line === null ? src.file : `${src.file}:${line}`;
  };

  // ---- named conditions (compiled on first use; cycles refused) ----------------
  const conditionSources = new Map<string, Located<unknown>>();
  for (const src of files) {
    for (const [name, c] of Object.entries(src.data?.conditions ?? {})) {
      const first = conditionSources.get(name);
      if (first !== undefined) report(src, ['conditions', name], `condition \`${name}\` is already defined in ${first.src.file}`);
      else conditionSources.set(name, { value: c.when, src, path: ['conditions', name, 'when'] });
    }
  }
  const compiledConditions = new Map<string, Predicate | 'compiling'>();
  const ctxFor = (src: ParsedRuleFile): PredicateContext => ({
    lists,
    brokenLists,
    listItemAt,
    report: (path, reason) => report(src, path, reason),
    condition: (name, path) => {
      const done = compiledConditions.get(name);
      if (done === 'compiling') {
        report(src, path, `condition \`${name}\` refers to itself (cycle)`);
        return undefined;
      }
      if (done !== undefined) return done;
      const def = conditionSources.get(name);
      if (def === undefined) {
        if (!brokenConditions.has(name)) report(src, path, `unknown condition \`${name}\``);
        return undefined;
      }
      compiledConditions.set(name, 'compiling');
      const p = compilePredicate(def.value, def.path, ctxFor(def.src));
      compiledConditions.set(name, p);
      return p;
    },
  });
  // Compile every condition even if unused, so its mistakes are reported.
  for (const name of conditionSources.keys()) {
    const def = conditionSources.get(name) as Located<unknown>;
    ctxFor(def.src).condition(name, def.path);
  }

  // ---- settings and employment-status factors (at most one of each) ----------
  const { activity_classes: _noClasses, ...defaults } = DEFAULT_SETTINGS;
  let settings: EngineSettings = { ...defaults, counted: ALWAYS, activityClasses: [] };
  let settingsFile: string | null = null;
  const statusFactors = new Map<string, number>();
  let factorsFile: string | null = null;
  for (const src of files) {
    const s = src.data?.settings;
    if (s !== undefined) {
      if (settingsFile !== null) report(src, ['settings'], `settings are already defined in ${settingsFile}`);
      else {
        settingsFile = src.file;
        const counted = s.counted === undefined ? ALWAYS : compilePredicate(s.counted, ['settings', 'counted'], ctxFor(src));
        if (s.baseline_bands.end <= s.baseline_bands.start) {
          report(src, ['settings', 'baseline_bands'], 'baseline_bands.end must be after start');
        }
        // The source keeps partitions within the margin less the lateness of each other: at or
        // below the lateness that distance would be nothing (it was clamped to 1 ms, silently).
        if (s.group_baseline_margin <= s.lateness) {
          report(
            src,
            ['settings', 'group_baseline_margin'],
            `group_baseline_margin (${formatDuration(s.group_baseline_margin)}) must exceed lateness (${formatDuration(s.lateness)}): peer baselines are read as of a day's start less the margin, and partitions may drift the margin less the lateness apart; set group_baseline_margin (default 1d) above lateness, or lower lateness`,
          );
        }
        const { activity_classes: classSpecs, ...rest } = s;
        const activityClasses = Object.entries(classSpecs).map(([name, when]) => ({
          name,
          when: compilePredicate(when, ['settings', 'activity_classes', name], ctxFor(src)),
        }));
        settings = { ...rest, counted, activityClasses };
      }
    }
    const fct = src.data?.employment_status_factors;
    if (fct !== undefined) {
      if (factorsFile !== null) report(src, ['employment_status_factors'], `employment_status_factors are already defined in ${factorsFile}`);
      else {
        factorsFile = src.file;
        for (const [k, v] of Object.entries(fct)) if (v !== undefined) statusFactors.set(k, v);
      }
    }
  }

  // ---- roles ------------------------------------------------------------------
  const roles = new Map<string, RolePolicy>();
  const roleOrigin = new Map<string, string>();
  const locatedRoles: LocatedRole[] = [];
  for (const src of files) {
    for (const [name, spec] of Object.entries(src.data?.roles ?? {})) {
      const base: YamlPath = ['roles', name];
      if (roleOrigin.has(name)) {
        report(src, base, `role \`${name}\` is already defined in ${roleOrigin.get(name)}`);
        continue;
      }
      roleOrigin.set(name, src.file);
      locatedRoles.push({ name, limits: new Set(Object.keys(spec.limits)), src, path: base });
      const set = (v: StringSetSpec | undefined, path: YamlPath): ReadonlySet<string> | null =>
        v === undefined ? null : new Set(stringsOf(v, path, src));
      const grants: RoleGrant[] = spec.grants.map((g, n) => ({
        actions: new Set(g.actions),
        resourceTypes: set(g.resource_types, [...base, 'grants', n, 'resource_types']) ?? new Set(),
        channels: set(g.channels, [...base, 'grants', n, 'channels']),
        fieldClasses: set(g.field_classes, [...base, 'grants', n, 'field_classes']),
      }));
      roles.set(name, {
        name,
        zones: set(spec.zones, [...base, 'zones']),
        limits: new Map(Object.entries(spec.limits)),
        grants,
      });
    }
  }
  function stringsOf(v: StringSetSpec, path: YamlPath, src: ParsedRuleFile): string[] {
    const r = resolveValues(v, path, { lists, brokenLists, report: (p, reason) => report(src, p, reason) }, 'string');
    return (r ?? []) as string[];
  }

  // ---- rules ------------------------------------------------------------------
  const policyRules: PolicyRule[] = [];
  const rateRules: RateRule[] = [];
  const scoreRules: ScoreRule[] = [];
  // Compiled after every rate rule is known (a score names rate rules of any file).
  const scoreSpecs: { spec: ScoreRuleSpec; src: ParsedRuleFile; base: YamlPath; common: Omit<ScoreRule, 'kind' | 'signals' | 'facts' | 'threshold' | 'tiers' | 'tierRaisesSeverity'> }[] = [];
  // Where each rate rule with alone: false is written (a score must name it: checked below).
  const signalOnly = new Map<string, { src: ParsedRuleFile; base: YamlPath }>();
  const rulesById = new Map<string, Rule>();
  const ruleOrigin = new Map<string, string>();
  const rulesOfFile = new Map<string, string[]>();
  const horizons = new Set<number>();
  // Every role limit a rule names, enabled or not (checked against the roles below).
  const limitRefs: RoleLimitRef[] = [];
  for (const src of files) {
    const ids: string[] = [];
    rulesOfFile.set(src.file, ids);
    (src.data?.rules ?? []).forEach((spec: RuleSpec, n) => {
      const base: YamlPath = ['rules', n];
      if (ruleOrigin.has(spec.id)) {
        report(src, [...base, 'id'], `rule id \`${spec.id}\` is already used in ${ruleOrigin.get(spec.id)}`);
        return;
      }
      ruleOrigin.set(spec.id, src.file);
      ids.push(spec.id);
      for (const ref of roleLimitRefs(spec, base)) limitRefs.push({ ...ref, ruleId: spec.id, src });
      const ctx = ctxFor(src);
      const scope = spec.when === undefined ? null : compilePredicate(spec.when, [...base, 'when'], ctx);
      const raises: SeverityRaise[] = spec.raise.map((r, k) => ({
        when: compilePredicate(r.when, [...base, 'raise', k, 'when'], ctx),
        by: r.by,
        reason: r.reason,
      }));
      const common = {
        id: spec.id,
        version: spec.version,
        title: spec.title,
        description: spec.description ?? '',
        tuning: spec.tuning ?? '',
        file: src.file,
        severity: SEVERITIES.indexOf(spec.severity),
        scope,
        raises,
        quietMs: spec.quiet ?? settings.quiet,
      };
      let rule: Rule;
      if (spec.kind === 'score') {
        if (spec.enabled) scoreSpecs.push({ spec, src, base, common });
        return;
      }
      if (spec.kind === 'policy') {
        if (spec.check === undefined && scope === null) {
          report(src, base, 'a policy rule needs a `check`, a `when`, or both');
        }
        rule = {
          ...common,
          kind: 'policy',
          check: spec.check === undefined ? null : compileCheck(spec.check, { roles }),
          escalateRecords: [...spec.escalate_records].sort((a, b) => a - b),
        };
      } else {
        const part = measureNamed(spec.measure) as RateMeasurePart; // the schema admits registered names only
        const fields = spec as unknown as Record<string, unknown>;
        // Another measure's field on this rule would be silently ignored: refused, naming its measure.
        for (const other of RATE_MEASURES) {
          if (other === part) continue;
          for (const field of Object.keys(other.fields)) {
            if (fields[field] !== undefined && !(field in part.fields)) {
              report(src, [...base, field], `\`${field}\` is a field of measure \`${other.name}\`, not of \`${part.name}\``);
            }
          }
        }
        const measure = part.compile({
          ruleId: spec.id,
          horizons: spec.windows.map((w) => w.window),
          field: (field) => (field in part.fields ? fields[field] : undefined),
          predicate: (field) => compilePredicate(fields[field], [...base, field], ctx),
          activityClass: (name) => settings.activityClasses.find((c) => c.name === name)?.when,
          problem: (path, reason) => report(src, [...base, ...path], reason),
        });
        for (const h of measure.distinctHorizons) horizons.add(h);
        const windows: RateWindow[] = spec.windows.map((w, k) => {
          if (measure.noHistory !== undefined && (w.baseline !== undefined || w.own_normal !== undefined)) {
            report(src, [...base, 'windows', k, w.baseline !== undefined ? 'baseline' : 'own_normal'], measure.noHistory);
          }
          if (w.baseline !== undefined && !part.baselines) {
            const withBaselines = RATE_MEASURES.filter((m) => m.baselines).map((m) => `\`${m.name}\``);
            report(src, [...base, 'windows', k, 'baseline'], `baselines exist for measure ${withBaselines.join(', ')} only`);
          }
          // A window of whole days compares a level of its days with the usual day (baseline/limits.ts):
          // only the daily count compares, and levels of single days (peaks, routines) do not.
          if (w.baseline !== undefined && part.spansDays === true) {
            const at = [...base, 'windows', k, 'baseline'];
            if (w.baseline.metric !== 'day_distinct') report(src, [...at, 'metric'], `measure \`${part.name}\` compares days: its baseline metric is day_distinct`);
            for (const single of ['recurring_peak', 'peer_routine', 'rare_band'] as const) {
              if (w.baseline[single] !== undefined) report(src, [...at, single], `\`${single}\` is a level of single hours or days; measure \`${part.name}\` judges a level reached on several days without it`);
            }
          }
          if (w.baseline !== undefined && part.baselines) {
            // A baseline measures what the window counts: customers, or the same requests.
            const at = [...base, 'windows', k, 'baseline'];
            const ofRequests = w.baseline.metric.endsWith('_events');
            if (ofRequests !== (part.counts === 'requests')) {
              report(src, [...at, 'metric'], `measure \`${part.name}\` counts ${part.counts}: baseline metric ${w.baseline.metric} ${ofRequests ? 'counts requests' : 'counts customers'}`);
            } else if (ofRequests && (w.baseline.class ?? null) !== measure.activityClass) {
              report(
                src,
                [...at, 'class'],
                measure.activityClass === null
                  ? 'this rule counts no activity class (`class`): its requests have no stored history to compare with'
                  : `the rule counts class \`${measure.activityClass}\`: its baseline is that class's (class: ${measure.activityClass})`,
              );
            }
          }
          return {
            horizonMs: w.window,
            label: formatDuration(w.window),
            floor: w.floor,
            minFiring: w.baseline?.rare_band === undefined ? w.floor : Math.min(w.floor, w.baseline.rare_band.floor),
            floorRoleLimit: w.floor_role_limit === undefined ? null : { limit: w.floor_role_limit.limit, times: w.floor_role_limit.times },
            ownNormal:
              w.own_normal === undefined
                ? null
                : { metric: w.own_normal.metric, minCount: w.own_normal.min_count, headroom: w.own_normal.headroom },
            limit:
              w.baseline !== undefined
                ? { type: 'baseline', baseline: { ...w.baseline, metric: metricOf(w.baseline.metric, w.baseline.class) } }
                : w.budget !== undefined
                  ? { type: 'budget', roleLimit: w.budget.role_limit, fallback: w.budget.default }
                  : { type: 'static', value: w.limit ?? 0 },
          };
        });
        const tiers = [...spec.tiers].sort((a, b) => a - b);
        rule = { ...common, kind: 'rate', measure, windows, tiers, tierRaisesSeverity: spec.tier_raises_severity, alone: spec.alone };
        if (!spec.alone && spec.enabled) signalOnly.set(spec.id, { src, base });
      }
      if (!spec.enabled) return;
      rulesById.set(rule.id, rule);
      if (rule.kind === 'policy') policyRules.push(rule);
      else if (rule.kind === 'rate') rateRules.push(rule);
    });
  }

  // ---- role limits: each one a rule names is set by every role -----------------
  const limitCheck = checkRoleLimits({ refs: limitRefs, roles: locatedRoles, brokenLimits, anyBroken: broken.length > 0 });
  problems.push(...limitCheck.problems);
  warnings.push(...limitCheck.warnings);

  // ---- score rules: the rate rules they name are signals --------------------
  const signalled = new Set<string>();
  for (const { spec, src, base, common } of scoreSpecs) {
    const signals = spec.signals.flatMap((x, k) => {
      const rateIndex = rateRules.findIndex((r) => r.id === x.rule);
      const at = [...base, 'signals', k, 'rule'];
      if (rateIndex < 0) {
        const other = rulesById.get(x.rule);
        if (other !== undefined) report(src, at, `signal \`${x.rule}\` is a ${other.kind} rule; a score's signals are rate rules`);
        else if (!brokenRules.has(x.rule)) report(src, at, ruleOrigin.has(x.rule) ? `signal \`${x.rule}\` is disabled` : `signal refers to unknown rule \`${x.rule}\``);
        return [];
      }
      signalled.add(x.rule);
      const rule = rateRules[rateIndex] as RateRule;
      const partners = (x.with ?? []).flatMap((id, j) => {
        const i = rateRules.findIndex((r) => r.id === id);
        const named = spec.signals.some((y) => y.rule === id) && id !== x.rule;
        if (i < 0 || !named) {
          report(src, [...base, 'signals', k, 'with', j], `\`with\` names \`${id}\`, which is not another signal of this score rule`);
          return [];
        }
        return [i];
      });
      return [{ rateIndex, rule, weight: x.weight, max: x.max ?? Number.POSITIVE_INFINITY, with: partners }];
    });
    const ctx = ctxFor(src);
    const facts = spec.facts.map((f, k) => ({ when: compilePredicate(f.when, [...base, 'facts', k, 'when'], ctx), points: f.points, reason: f.reason }));
    const rule: ScoreRule = {
      ...common,
      kind: 'score',
      signals,
      facts,
      threshold: spec.threshold,
      tiers: [...spec.tiers].sort((a, b) => a - b),
      tierRaisesSeverity: spec.tier_raises_severity,
    };
    rulesById.set(rule.id, rule);
    scoreRules.push(rule);
  }
  // A rule that neither alerts nor feeds a score would do nothing, silently.
  for (const [id, { src, base }] of signalOnly) {
    if (!signalled.has(id)) report(src, [...base, 'alone'], `rule \`${id}\` has alone: false but no score rule names it among its signals: it would never be seen`);
  }

  // A rule of a file that failed validation counts as known (see the top).
  const knownRule = (id: string) => ruleOrigin.has(id) || brokenRules.has(id);

  // ---- exceptions -------------------------------------------------------------
  const exceptions: ExceptionEntry[] = [];
  const exceptionOrigin = new Map<string, string>();
  for (const src of files) {
    (src.data?.exceptions ?? []).forEach((x, n) => {
      const base: YamlPath = ['exceptions', n];
      if (exceptionOrigin.has(x.id)) {
        report(src, [...base, 'id'], `exception id \`${x.id}\` is already used in ${exceptionOrigin.get(x.id)}`);
        return;
      }
      exceptionOrigin.set(x.id, src.file);
      x.rules.forEach((r, k) => {
        if (!knownRule(r)) report(src, [...base, 'rules', k], `exception refers to unknown rule \`${r}\``);
      });
      if (x.expires <= options.now) {
        warnings.push(at(src, [...base, 'expires'], `exception \`${x.id}\` (owner ${x.owner}) has expired and no longer applies`));
      }
      exceptions.push({
        id: x.id,
        file: src.file,
        rules: new Set(x.rules),
        actors: x.actors === undefined ? null : new Set(x.actors),
        roles: x.roles === undefined ? null : new Set(x.roles),
        scope: x.when === undefined ? null : compilePredicate(x.when, [...base, 'when'], ctxFor(src)),
        owner: x.owner,
        reason: x.reason,
        expiresAt: x.expires,
      });
    });
  }
  const exceptionsByRule = new Map<string, ExceptionEntry[]>();
  for (const x of exceptions) {
    for (const r of x.rules) {
      const l = exceptionsByRule.get(r) ?? [];
      l.push(x);
      exceptionsByRule.set(r, l);
    }
  }

  // ---- test cases -------------------------------------------------------------
  const tests: RuleTestCase[] = [];
  for (const src of files) {
    const t = src.data?.tests;
    if (t === undefined) continue;
    t.cases.forEach((c, n) => {
      const base: YamlPath = ['tests', 'cases', n];
      c.expect.forEach((x, k) => {
        if (!knownRule(x.rule)) report(src, [...base, 'expect', k, 'rule'], `expected alert of unknown rule \`${x.rule}\``);
      });
      c.forbid.forEach((r, k) => {
        if (!knownRule(r)) report(src, [...base, 'forbid', k], `forbidden alert of unknown rule \`${r}\``);
      });
      tests.push({
        file: src.file,
        line: src.lineOf(base),
        fileRuleIds: rulesOfFile.get(src.file) ?? [],
        fileActors: t.actors,
        spec: c,
      });
    });
  }

  if (parseProblems.length > 0 || problems.length > 0) {
    // One list in load order, file by file, each file's problems in the order found.
    const order = new Map(files.map((f, n) => [f.file, n]));
    const all = [...parseProblems, ...problems].sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
    return { ok: false, problems: all, warnings };
  }
  const ruleSet: RuleSet = {
    settings,
    policyRules,
    rateRules,
    scoreRules,
    rulesById,
    roles,
    statusFactors,
    exceptions,
    exceptionsByRule,
    lists,
    distinctHorizons: [...horizons].sort((a, b) => a - b),
    tests,
    warnings,
    files: files.map((f) => f.file),
  };
  return { ok: true, ruleSet, warnings };
}
