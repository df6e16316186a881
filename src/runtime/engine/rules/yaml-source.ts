/**
 * One rule file: parsed with `yaml` keeping node ranges, validated with zod,
 * and able to map any path in the document (a zod issue path, or a path the
 * compiler builds) back to a 1-based line.
 */
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { RuleProblem } from '../errors.js';
import type { YamlPath } from './predicate.js';
import { ruleFileSchema, type RuleFileSpec } from './schema.js';

export interface ParsedRuleFile {
  readonly file: string;
  /** Null when the file had syntax or schema problems (they are in `problems`). */
  readonly data: RuleFileSpec | null;
  readonly problems: readonly RuleProblem[];
  readonly lineOf: (path: YamlPath) => number | null;
  /**
   * Names the file appears to define, read loosely from whatever YAML parsed.
   * Only meaningful for a file that failed: the compiler uses it so that other
   * files' references to these names are not reported as unknown (the broken
   * file's own problems already explain them).
   */
  readonly declared: DeclaredNames;
}

export interface DeclaredNames {
  readonly lists: ReadonlySet<string>;
  readonly conditions: ReadonlySet<string>;
  readonly rules: ReadonlySet<string>;
  /** Limit names of its roles (`roles.<role>.limits`). */
  readonly limits: ReadonlySet<string>;
}

export function parseRuleFile(file: string, text: string): ParsedRuleFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (path: YamlPath) => locate(doc, lineCounter, path);
  if (doc.errors.length > 0) {
    return {
      file,
      data: null,
      lineOf,
      declared: declaredNames(partialJS(doc)),
      problems: doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line ?? (e.pos?.[0] !== undefined ? lineCounter.linePos(e.pos[0]).line : null),
        reason: `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`,
      })),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  const declared = declaredNames(raw);
  const result = ruleFileSchema.safeParse(raw);
  if (result.success) return { file, data: result.data, problems: [], lineOf, declared };
  const problems: RuleProblem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, on the key's own line.
      for (const key of issue.keys) {
        problems.push({ file, line: lineOf([...path, key]), reason: `${label(path)}unknown key \`${key}\`` });
      }
      continue;
    }
    problems.push({ file, line: lineOf(path), reason: `${label(path)}${issue.message}` });
  }
  return { file, data: null, problems, lineOf, declared };
}

/** What a document with syntax errors still yields, or nothing if even that fails. */
function partialJS(doc: Document): unknown {
  try {
    return doc.toJS();
  } catch {
    return null;
  }
}

function declaredNames(raw: unknown): DeclaredNames {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const keys = (v: unknown) => new Set(isRecord(v) ? Object.keys(v) : []);
  const top = isRecord(raw) ? raw : {};
  const rules = Array.isArray(top.rules) ? top.rules : [];
  return {
    lists: keys(top.lists),
    conditions: keys(top.conditions),
    rules: new Set(rules.flatMap((r) => (isRecord(r) && typeof r.id === 'string' ? [r.id] : []))),
    limits: new Set(Object.values(isRecord(top.roles) ? top.roles : {}).flatMap((r) => (isRecord(r) ? [...keys(r.limits)] : []))),
  };
}

function label(path: YamlPath): string {
  return path.length > 0 ? `${path.map(String).join('.')}: ` : '';
}

/**
 * The line of the deepest node that exists along `path`. For a key whose value
 * is missing we fall back to the parent mapping; for a mapping key we prefer the
 * key's own line (a value may start on the next line).
 */
function locate(doc: Document, lc: LineCounter, path: YamlPath): number | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (depth > 0) {
      const parent = depth === 1 ? doc.contents : doc.getIn(prefix.slice(0, -1) as unknown[], true);
      const last = prefix[prefix.length - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
        if (pair && isNode(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
      }
    }
    const node = depth === 0 ? doc.contents : doc.getIn(prefix as unknown[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return null;
}
