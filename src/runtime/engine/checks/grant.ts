/**
 * `check: {type: grant}`: some grant of the role must cover the action,
 * resource type, channel and every field class touched. The reason names the
 * first dimension that no grant covers, which is what an analyst wants to read.
 */
import { z } from 'zod';
import type { EvalInput } from '../rules/fields.js';
import { definePolicyCheck, type PolicyFinding } from './policy-check.js';

export const grantCheck = definePolicyCheck({
  type: 'grant',
  schema: z.strictObject({ type: z.literal('grant') }),
  compile: (_spec, { roles }) => ({
    ownNormal: null,
    statesRequestSize: false,
    run: (i: EvalInput): PolicyFinding | null => {
      const e = i.e;
      const role = roles.get(e.actor.role);
      // The reason's text is built only once a finding exists (most events are granted).
      const what = (): string => `${e.action} of ${e.resource_type}`;
      if (role === undefined) {
        return { reason: `${what()} by role ${e.actor.role}, which has no need-to-know entry`, observed: e.record_count, limit: null };
      }
      let actionResource = false;
      let channelOk = false;
      for (const g of role.grants) {
        if (!g.actions.has(e.action) || !g.resourceTypes.has(e.resource_type)) continue;
        actionResource = true;
        if (g.channels !== null && (e.channel === null || !g.channels.has(e.channel))) continue;
        channelOk = true;
        if (g.fieldClasses !== null) {
          let all = true;
          for (const c of e.field_classes) {
            if (!g.fieldClasses.has(c)) {
              all = false;
              break;
            }
          }
          if (!all) continue;
        }
        return null;
      }
      if (!actionResource) {
        return { reason: `${what()} not granted to ${role.name}`, observed: e.record_count, limit: null };
      }
      if (!channelOk) {
        return { reason: `${what()} via ${e.channel ?? 'no channel'} not granted to ${role.name}`, observed: e.record_count, limit: null };
      }
      return {
        reason: `${what()} with ${e.field_classes.join('+')} fields not granted to ${role.name}`,
        observed: e.record_count,
        limit: null,
      };
    },
  }),
});
