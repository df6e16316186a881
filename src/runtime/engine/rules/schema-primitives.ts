/**
 * The small value shapes rule files are made of (names, durations,
 * severities, ...), shared by the rule-file schema (schema.ts) and by the
 * schema fragments of the registered policy checks and rate measures
 * (checks/, measures/), so each part states its own fields in the same terms.
 */
import { z } from 'zod';
import { SEVERITIES } from '../../../model/alert.js';
import { DURATION_PATTERN, parseDuration } from '../duration.js';

export const name = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'names are lower-case letters, digits, `_`, `.` and `-`');
export const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'rule ids are lower-case letters, digits, `_`, `.` and `-`');
export const duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration such as 30s, 5m, 1h, 24h, 7d')
  .transform((s) => parseDuration(s) as number);
export const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than zero');
/** Predicates are checked by predicate.ts (sharper messages than zod's); here they are opaque. */
export const predicate = z.unknown();
export const severity = z.enum(SEVERITIES);
export const version = z.union([z.string().min(1), z.number()]).transform(String);
export const nonNegative = z.number().finite().nonnegative();
