/**
 * `check: {type: zone}`: the zone must be allowed by the role, narrowed by the
 * directory's `allowed_zones` when that is non-empty (intersection: the
 * directory can narrow what the reviewed policy allows, never widen it).
 * Roles without a zone list are not zone-restricted.
 */
import { z } from 'zod';
import type { EvalInput } from '../rules/fields.js';
import { definePolicyCheck, type PolicyFinding } from './policy-check.js';

export const zoneCheck = definePolicyCheck({
  type: 'zone',
  schema: z.strictObject({ type: z.literal('zone') }),
  compile: (_spec, { roles }) => ({
    ownNormal: null,
    statesRequestSize: false,
    run: (i: EvalInput): PolicyFinding | null => {
      const e = i.e;
      const zone = e.network.zone;
      const roleZones = roles.get(e.actor.role)?.zones ?? null;
      const own = e.actor.allowed_zones;
      const roleOk = roleZones === null || roleZones.has(zone);
      const actorOk = own.length === 0 || own.includes(zone);
      if (roleOk && actorOk) return null;
      return {
        reason: `access from network zone ${zone}, outside the allowed ${!roleOk ? `zones of ${e.actor.role}` : 'zones of the actor'}`,
        observed: e.record_count,
        limit: null,
      };
    },
  }),
});
