/**
 * Need-to-know checks: generic tests of an event against the role table. The
 * code knows the shape of the table, never a role's name; roles, their grants,
 * zones and limits all come from rule files.
 */
import type { EvalInput } from './fields.js';
import type { PolicyCheck, PolicyFinding, RolePolicy } from './rule-set.js';

/**
 * Some grant of the role must cover the action, resource type, channel and
 * every field class touched. The reason names the first dimension that no
 * grant covers, which is what an analyst wants to read.
 */
export function grantCheck(roles: ReadonlyMap<string, RolePolicy>): PolicyCheck {
  return (i: EvalInput): PolicyFinding | null => {
    const e = i.e;
    const role = roles.get(e.actor.role);
    const what = `${e.action} of ${e.resource_type}`;
    if (role === undefined) {
      return { reason: `${what} by role ${e.actor.role}, which has no need-to-know entry`, observed: e.record_count, limit: null };
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
      return { reason: `${what} not granted to ${role.name}`, observed: e.record_count, limit: null };
    }
    if (!channelOk) {
      return { reason: `${what} via ${e.channel ?? 'no channel'} not granted to ${role.name}`, observed: e.record_count, limit: null };
    }
    return {
      reason: `${what} with ${e.field_classes.join('+')} fields not granted to ${role.name}`,
      observed: e.record_count,
      limit: null,
    };
  };
}

/**
 * The zone must be allowed by the role, narrowed by the directory's
 * `allowed_zones` when that is non-empty (intersection: the directory can
 * narrow what the reviewed policy allows, never widen it). Roles without a
 * zone list are not zone-restricted.
 */
export function zoneCheck(roles: ReadonlyMap<string, RolePolicy>): PolicyCheck {
  return (i: EvalInput): PolicyFinding | null => {
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
  };
}

/**
 * More records in one request than the role's limit, lowered by the
 * employment-status factor, but never below the actor's own normal largest
 * request (`ownRequestNormal`, 0 when unknown) and never above the role's limit:
 * stricter for someone leaving, yet not below their own ordinary work.
 */
export function recordLimitCheck(roles: ReadonlyMap<string, RolePolicy>, limitName: string, fallback: number): PolicyCheck {
  return (i: EvalInput, statusFactor: number, ownRequestNormal: () => number): PolicyFinding | null => {
    const e = i.e;
    const base = roles.get(e.actor.role)?.limits.get(limitName) ?? fallback;
    // Most requests are far below the lowered limit: history is read only for the others.
    if (e.record_count <= Math.floor(base * statusFactor)) return null;
    const limit = Math.floor(Math.max(base * statusFactor, Math.min(base, ownRequestNormal())));
    if (e.record_count <= limit) return null;
    return {
      reason: `${e.record_count.toLocaleString('en-US')} records in one ${e.action} of ${e.resource_type}, above the limit of ${limit.toLocaleString('en-US')}`,
      observed: e.record_count,
      limit,
    };
  };
}
