/**
 * What a policy check type is: one registered part (checks/index.ts) that
 * brings its rule-file fragment (`check: {type: ..., ...}`), its compile step
 * against the role table, and the per-event test that returns a worded
 * finding or null. The engine runs every compiled check alike; it never names
 * a check type. Need-to-know checks know the shape of the role table, never a
 * role's name: roles, grants, zones and limits all come from rule files.
 */
import type { z } from 'zod';
import type { EvalInput } from '../rules/fields.js';
import type { OwnNormalSpec, RolePolicy } from '../rules/rule-set.js';

/** What a policy check found on one event. */
export interface PolicyFinding {
  /** Short phrase for the summary, e.g. "export of customer not granted to support_agent". */
  readonly reason: string;
  /** The measured value (records in the request for a record limit). */
  readonly observed: number;
  /**
   * The limit it broke, when the check measures something against one: the
   * finding then shows `observed` against it (its score is observed / limit).
   */
  readonly limit: number | null;
}

/**
 * The per-event test; returns null when the event passes. `ownRequestNormal()`
 * gives the actor's own normal largest request (0 when unknown or not
 * configured): asked only when needed (it reads history).
 */
export type PolicyCheck = (i: EvalInput, statusFactor: number, ownRequestNormal: () => number) => PolicyFinding | null;

/** A check compiled for one rule. */
export interface CompiledCheck {
  readonly run: PolicyCheck;
  /** How the actor's own largest requests protect the check's limit from the status factor (null: they do not). */
  readonly ownNormal: OwnNormalSpec | null;
  /** Its reason already states the size of the one request it judged (the summary then adds no record count). */
  readonly statesRequestSize: boolean;
}

export interface CheckContext {
  readonly roles: ReadonlyMap<string, RolePolicy>;
}

/** A check type. `schema` is a strict object whose `type` is the literal `type`. */
export interface PolicyCheckPart<Spec extends { readonly type: string } = { readonly type: string }> {
  readonly type: Spec['type'];
  readonly schema: z.ZodObject<z.ZodRawShape, z.core.$strict> & z.ZodType<Spec, unknown>;
  compile(spec: Spec, ctx: CheckContext): CompiledCheck;
}

/** Declares a check type (keeps its spec type tied to its schema). */
export function definePolicyCheck<Spec extends { readonly type: string }>(part: PolicyCheckPart<Spec>): PolicyCheckPart<Spec> {
  return part;
}
