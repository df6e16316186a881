/**
 * `check: {type: record_limit, role_limit, default, own_normal?}`: more
 * records in one request than the role's limit, lowered by the
 * employment-status factor, but never below the actor's own normal largest
 * request (`ownRequestNormal`, 0 when unknown) and never above the role's
 * limit: stricter for someone leaving, yet not below their own ordinary work.
 */
import { z } from 'zod';
import type { EvalInput } from '../rules/fields.js';
import { name, nonNegative } from '../rules/schema-primitives.js';
import { definePolicyCheck, type PolicyFinding } from './policy-check.js';

export const recordLimitCheck = definePolicyCheck({
  type: 'record_limit',
  schema: z.strictObject({
    type: z.literal('record_limit'),
    /** Name of the role limit holding the per-request maximum. */
    role_limit: name,
    /** Maximum for actors whose role is not in the roles table (role `unknown`); every role in it must set the limit (the loader refuses one that does not). */
    default: nonNegative,
    /**
     * The employment-status factor never lowers the limit below the largest
     * request the actor made in the look-back x (1 + headroom) (at least
     * `min_count` times); never above the role's limit either.
     */
    own_normal: z.strictObject({ min_count: z.number().int().min(1).max(5).default(1), headroom: nonNegative.default(0) }).optional(),
  }),
  compile: (spec, { roles }) => ({
    ownNormal: spec.own_normal === undefined ? null : { minCount: spec.own_normal.min_count, headroom: spec.own_normal.headroom },
    statesRequestSize: true,
    run: (i: EvalInput, statusFactor: number, ownRequestNormal: () => number): PolicyFinding | null => {
      const e = i.e;
      const base = roles.get(e.actor.role)?.limits.get(spec.role_limit) ?? spec.default;
      // Most requests are far below the lowered limit: history is read only for the others.
      if (e.record_count <= Math.floor(base * statusFactor)) return null;
      const limit = Math.floor(Math.max(base * statusFactor, Math.min(base, ownRequestNormal())));
      if (e.record_count <= limit) return null;
      return {
        reason: `${e.record_count.toLocaleString('en-US')} records in one ${e.action} of ${e.resource_type}, above the limit of ${limit.toLocaleString('en-US')}`,
        observed: e.record_count,
        limit,
      };
    },
  }),
});
