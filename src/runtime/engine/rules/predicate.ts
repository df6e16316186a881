/**
 * Structured predicates: `all` / `any` / `not`, a named `condition`, or a leaf
 * `{ field, <operator>: value }`. Validated by hand (not with a zod union) so
 * each mistake gets a precise message and line, then compiled once into a
 * closure: evaluation does no parsing, no lookups by name and no allocation.
 */
import { nearestName } from '../../../util/nearest-name.js';
import { FIELDS, FIELD_NAMES, type EvalInput, type FieldSpec, type FieldType } from './fields.js';

export type Predicate = (i: EvalInput) => boolean;
export type YamlPath = readonly (string | number)[];

export interface PredicateContext {
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /**
   * Lists defined in a rule file that failed validation: a reference to one
   * cannot be resolved, but is not reported either (that file's problems are).
   */
  readonly brokenLists?: ReadonlySet<string>;
  /** Resolves a named condition (compiling it on first use); undefined when unknown or cyclic. */
  readonly condition: (name: string, path: YamlPath) => Predicate | undefined;
  readonly report: (path: YamlPath, reason: string) => void;
  /** Where item `index` of list `name` is written (`file:line`), for problems found where the list is used. */
  readonly listItemAt?: (name: string, index: number) => string;
}

export const COMBINATORS = ['all', 'any', 'not', 'condition'] as const;

const OPERATORS_BY_TYPE: Readonly<Record<FieldType, readonly string[]>> = {
  string: ['eq', 'ne', 'in', 'not_in', 'exists'],
  number: ['eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists'],
  boolean: ['eq', 'ne', 'exists'],
  strings: ['contains_any', 'contains_all', 'contains_none', 'exists'],
};
export const ALL_OPERATORS: readonly string[] = [
  'eq',
  'ne',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'contains_any',
  'contains_all',
  'contains_none',
];

/** Never matches: what a predicate with errors compiles to (the load fails anyway). */
const NEVER: Predicate = () => false;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function compilePredicate(raw: unknown, path: YamlPath, ctx: PredicateContext): Predicate {
  if (!isRecord(raw)) {
    ctx.report(path, 'a predicate must be a mapping: {all: [...]}, {any: [...]}, {not: ...}, {condition: name} or {field: ..., <operator>: ...}');
    return NEVER;
  }
  const keys = Object.keys(raw);
  if ('field' in raw) return compileLeaf(raw, path, ctx);
  if (keys.length !== 1) {
    ctx.report(path, `a predicate has exactly one of ${COMBINATORS.join(', ')} or a \`field\`; found: ${keys.join(', ') || 'nothing'}`);
    return NEVER;
  }
  const key = keys[0] as string;
  const value = raw[key];
  switch (key) {
    case 'all':
    case 'any': {
      if (!Array.isArray(value) || value.length === 0) {
        ctx.report([...path, key], `\`${key}\` takes a non-empty list of predicates`);
        return NEVER;
      }
      const parts = value.map((item, n) => compilePredicate(item, [...path, key, n], ctx));
      return key === 'all' ? allOf(parts) : anyOf(parts);
    }
    case 'not': {
      const inner = compilePredicate(value, [...path, 'not'], ctx);
      return (i) => !inner(i);
    }
    case 'condition': {
      if (typeof value !== 'string') {
        ctx.report([...path, 'condition'], '`condition` takes the name of a condition');
        return NEVER;
      }
      // Resolved lazily through the context so a condition may be defined in any file.
      const resolved = ctx.condition(value, [...path, 'condition']);
      return resolved ?? NEVER;
    }
    default:
      ctx.report([...path, key], `unknown key \`${key}\` (allowed: ${COMBINATORS.join(', ')}, field)`);
      return NEVER;
  }
}

// Specialised for small arities: these run for every event.
function allOf(parts: Predicate[]): Predicate {
  if (parts.length === 1) return parts[0] as Predicate;
  if (parts.length === 2) {
    const [a, b] = parts as [Predicate, Predicate];
    return (i) => a(i) && b(i);
  }
  return (i) => {
    for (const p of parts) if (!p(i)) return false;
    return true;
  };
}

function anyOf(parts: Predicate[]): Predicate {
  if (parts.length === 1) return parts[0] as Predicate;
  if (parts.length === 2) {
    const [a, b] = parts as [Predicate, Predicate];
    return (i) => a(i) || b(i);
  }
  return (i) => {
    for (const p of parts) if (p(i)) return true;
    return false;
  };
}

function compileLeaf(raw: Record<string, unknown>, path: YamlPath, ctx: PredicateContext): Predicate {
  const field = raw.field;
  if (typeof field !== 'string') {
    ctx.report([...path, 'field'], '`field` must be a field path such as `action` or `actor.role`');
    return NEVER;
  }
  const spec = FIELDS[field];
  if (spec === undefined) {
    ctx.report([...path, 'field'], `unknown field \`${field}\` (known: ${FIELD_NAMES.join(', ')})`);
    return NEVER;
  }
  const ops = Object.keys(raw).filter((k) => k !== 'field');
  const unknown = ops.filter((k) => !ALL_OPERATORS.includes(k));
  if (unknown.length > 0) {
    ctx.report([...path, unknown[0] as string], `unknown operator \`${unknown.join('`, `')}\` (operators: ${ALL_OPERATORS.join(', ')})`);
    return NEVER;
  }
  if (ops.length !== 1) {
    ctx.report(path, `a field predicate has exactly one operator; found ${ops.length === 0 ? 'none' : ops.join(', ')}`);
    return NEVER;
  }
  const op = ops[0] as string;
  const allowed = OPERATORS_BY_TYPE[spec.type];
  if (!allowed.includes(op)) {
    ctx.report([...path, op], `operator \`${op}\` does not apply to \`${field}\` (a ${describeType(spec.type)}; use ${allowed.join(', ')})`);
    return NEVER;
  }
  const value = raw[op];
  const get = spec.get;
  const vpath = [...path, op];

  switch (op) {
    case 'exists': {
      if (typeof value !== 'boolean') {
        ctx.report(vpath, '`exists` takes true or false');
        return NEVER;
      }
      const present =
        spec.type === 'strings'
          ? (i: EvalInput) => (get(i) as readonly string[]).length > 0
          : (i: EvalInput) => {
              const v = get(i);
              return v !== null && v !== undefined && v !== '';
            };
      return value ? present : (i) => !present(i);
    }
    case 'eq':
    case 'ne': {
      if (!scalarFits(spec.type, value)) {
        ctx.report(vpath, `\`${op}\` on \`${field}\` takes a ${describeType(spec.type)}`);
        return NEVER;
      }
      if (!valuesFit(spec, field, [value as string | number], vpath, value, ctx)) return NEVER;
      return op === 'eq' ? (i) => get(i) === value : (i) => get(i) !== value;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        ctx.report(vpath, `\`${op}\` takes a number`);
        return NEVER;
      }
      const n = value;
      const compare = COMPARISONS[op];
      const holds = (v: number) => compare(v, n);
      // A field whose values are enumerated (local hour 0-23, weekday 1-7): a bound none of them
      // meets (`gt: 23`, `lt: 1` on a weekday) makes a comparison that never holds.
      const allowed = spec.values;
      if (allowed !== undefined && allowed.every((v): v is number => typeof v === 'number') && !allowed.some(holds)) {
        ctx.report(vpath, `\`${op}: ${n}\` never holds for \`${field}\` (${describeValues(allowed)})`);
        return NEVER;
      }
      return (i) => holds(get(i) as number);
    }
    case 'in':
    case 'not_in': {
      const items = resolveValues(value, vpath, ctx, spec.type === 'number' ? 'number' : 'string');
      if (items === null || !valuesFit(spec, field, items, vpath, value, ctx)) return NEVER;
      const set = new Set<unknown>(items);
      return op === 'in' ? (i) => set.has(get(i)) : (i) => !set.has(get(i));
    }
    default: {
      // contains_any / contains_all / contains_none over an array field.
      const items = resolveValues(value, vpath, ctx, 'string');
      if (items === null) return NEVER;
      const set = new Set<unknown>(items);
      if (op === 'contains_any') {
        return (i) => {
          for (const v of get(i) as readonly string[]) if (set.has(v)) return true;
          return false;
        };
      }
      if (op === 'contains_none') {
        return (i) => {
          for (const v of get(i) as readonly string[]) if (set.has(v)) return false;
          return true;
        };
      }
      const wanted = [...set];
      return (i) => {
        const have = get(i) as readonly string[];
        for (const w of wanted) if (!have.includes(w as string)) return false;
        return true;
      };
    }
  }
}

const COMPARISONS: Readonly<Record<'gt' | 'gte' | 'lt' | 'lte', (v: number, bound: number) => boolean>> = {
  gt: (v, bound) => v > bound,
  gte: (v, bound) => v >= bound,
  lt: (v, bound) => v < bound,
  lte: (v, bound) => v <= bound,
};

/** A literal list or `{list: name}`; null after reporting a problem. */
export function resolveValues(
  value: unknown,
  path: YamlPath,
  ctx: Pick<PredicateContext, 'lists' | 'brokenLists' | 'report'>,
  itemType: 'string' | 'number',
): readonly (string | number)[] | null {
  if (Array.isArray(value)) {
    const bad = value.findIndex((v) => typeof v !== itemType);
    if (bad >= 0) {
      ctx.report([...path, bad], `list items must be ${itemType}s`);
      return null;
    }
    return value as (string | number)[];
  }
  if (isRecord(value) && Object.keys(value).length === 1 && typeof value.list === 'string') {
    const list = ctx.lists.get(value.list);
    if (list === undefined) {
      if (ctx.brokenLists?.has(value.list) !== true) ctx.report([...path, 'list'], `unknown list \`${value.list}\``);
      return null;
    }
    if (itemType === 'number') {
      ctx.report([...path, 'list'], 'named lists hold strings; write numbers inline');
      return null;
    }
    return list;
  }
  ctx.report(path, 'expected a list of values or {list: name}');
  return null;
}

/**
 * A field whose values the contract enumerates takes only those: `eq: humans`
 * or a list holding `serch` would never match (negated, always would). A named
 * list is judged where it is used (the same list may serve a field without
 * enumerated values elsewhere): the problem is on the line of the use and
 * names the line of the item.
 */
function valuesFit(
  spec: FieldSpec,
  field: string,
  items: readonly (string | number)[],
  vpath: YamlPath,
  written: unknown,
  ctx: Pick<PredicateContext, 'report' | 'listItemAt'>,
): boolean {
  const allowed = spec.values;
  if (allowed === undefined) return true;
  const listName = isRecord(written) && typeof written.list === 'string' ? written.list : null;
  let fits = true;
  items.forEach((item, n) => {
    if (allowed.includes(item)) return;
    fits = false;
    const near = typeof item === 'string' ? nearestName(item, allowed.map(String)) : null;
    const values = `${describeValues(allowed)}${near === null ? '' : `; did you mean \`${near}\`?`}`;
    if (listName === null) {
      ctx.report(Array.isArray(written) ? [...vpath, n] : vpath, `\`${item}\` is not a value of \`${field}\` (${values})`);
    } else {
      const where = ctx.listItemAt?.(listName, n);
      ctx.report([...vpath, 'list'], `list \`${listName}\` holds \`${item}\`${where === undefined ? '' : ` (${where})`}, which is not a value of \`${field}\` (${values})`);
    }
  });
  return fits;
}

/** `one of read, search, ...`, or `a whole number from 0 to 23` for a run of numbers. */
function describeValues(allowed: readonly (string | number)[]): string {
  const numbers = allowed.every((v): v is number => typeof v === 'number');
  const first = allowed[0];
  if (numbers && typeof first === 'number' && allowed.every((v, k) => v === first + k)) {
    return `a whole number from ${first} to ${first + allowed.length - 1}`;
  }
  return `one of ${allowed.join(', ')}`;
}

function scalarFits(type: FieldType, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (type === 'boolean') return typeof value === 'boolean';
  return false;
}

function describeType(type: FieldType): string {
  return type === 'strings' ? 'list of strings' : type;
}
