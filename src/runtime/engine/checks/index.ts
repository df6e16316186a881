/**
 * The policy check types rule files may name (`check: {type: ...}`). A new
 * check type is one file here plus one entry in this list: its schema joins
 * the rule-file schema, its compile step runs in the loader, and the engine
 * runs it like every other.
 */
import { z } from 'zod';
import { grantCheck } from './grant.js';
import type { CheckContext, CompiledCheck, PolicyCheckPart } from './policy-check.js';
import { recordLimitCheck } from './record-limit.js';
import { zoneCheck } from './zone.js';

export const POLICY_CHECKS: readonly PolicyCheckPart[] = [grantCheck, zoneCheck, recordLimitCheck];

type AnySchema = PolicyCheckPart['schema'];

/** `check:` in a policy rule: one of the registered types, told apart by `type`. */
export const policyCheckSchema = z.discriminatedUnion(
  'type',
  POLICY_CHECKS.map((c) => c.schema) as unknown as [AnySchema, ...AnySchema[]],
);
export type PolicyCheckSpec = { readonly type: string } & Record<string, unknown>;

/** Compiles a validated `check:` with the part of its type. */
export function compileCheck(spec: PolicyCheckSpec, ctx: CheckContext): CompiledCheck {
  const part = POLICY_CHECKS.find((c) => c.type === spec.type);
  // invariant: the rule schema admits only registered types (a bug otherwise).
  if (part === undefined) throw new Error(`no policy check of type ${spec.type} is registered`);
  return part.compile(spec, ctx);
}

export type { CompiledCheck, PolicyCheck, PolicyFinding } from './policy-check.js';
