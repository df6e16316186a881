/**
 * Parse a YAML document and validate it with a zod schema, reporting each
 * problem with the file and the line it comes from.
 */
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { InvalidSourceError, type SourceProblem } from './source-error.js';

export function parseYamlWith<S extends z.ZodType>(text: string, file: string, schema: S): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new InvalidSourceError(
      doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line ?? null,
        reason: `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`,
      })),
    );
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const problems: SourceProblem[] = result.error.issues.map((issue) => ({
    file,
    line: lineOf(doc, lineCounter, issue.path),
    reason: `${issue.path.length > 0 ? issue.path.map(String).join('.') + ': ' : ''}${issue.message}`,
  }));
  throw new InvalidSourceError(problems);
}

/** The line of the deepest node that exists along `path`. */
function lineOf(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return null;
}

/** A YAML document's plain value and the line of any path in it (null where the path does not exist). */
export function yamlWithLines(text: string): { readonly value: unknown; readonly lineOf: (path: readonly PropertyKey[]) => number | null } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return { value: doc.errors.length > 0 ? null : doc.toJS(), lineOf: (path) => lineOf(doc, lineCounter, path) };
}
