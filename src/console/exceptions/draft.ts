/**
 * An exception as an analyst asks for it from an alert: which rules, which
 * actor and/or role, which of the alert's conditions (resource types,
 * channels, zones, actions), owner, reason and a mandatory expiry. Checked
 * here for what the form can get wrong; compiled against the current rules
 * (rules-with-exceptions.ts) before it is stored, exactly as the monitor will.
 */
import type { ConsoleException } from '../../model/console-exception.js';
import { parseExpiry } from '../../runtime/engine/rules/schema.js';

/** Alert context fields an exception may be narrowed to, as rule-language fields. */
export const CONDITION_FIELDS = {
  resource_type: 'resource_type',
  channel: 'channel',
  zone: 'network.zone',
  action: 'action',
} as const;
export type ConditionKey = keyof typeof CONDITION_FIELDS;

export interface ExceptionRequest {
  readonly rules: readonly string[];
  readonly actors: readonly string[];
  readonly roles: readonly string[];
  readonly conditions: Partial<Record<ConditionKey, readonly string[]>>;
  readonly owner: string;
  readonly reason: string;
  /** `YYYY-MM-DD` (through the end of that UTC day) or an RFC 3339 instant. */
  readonly expires: string;
}

export interface DraftContext {
  readonly exceptionId: string;
  readonly nowMs: number;
  readonly maxDays: number;
  readonly by: string;
  readonly fromAlertId: string;
}

export type Draft = { readonly ok: true; readonly exception: ConsoleException } | { readonly ok: false; readonly reason: string };

const clean = (list: readonly string[]) => [...new Set(list.map((s) => s.trim()).filter((s) => s !== ''))];

export function draftException(req: ExceptionRequest, ctx: DraftContext): Draft {
  const rules = clean(req.rules);
  const actors = clean(req.actors);
  const roles = clean(req.roles);
  if (rules.length === 0) return { ok: false, reason: 'pick at least one rule the exception silences' };
  if (actors.length === 0 && roles.length === 0) return { ok: false, reason: 'scope the exception to the actor and/or a role (it never silences a rule for everyone)' };
  const owner = req.owner.trim();
  const reason = req.reason.trim();
  if (owner === '' || owner.length > 128) return { ok: false, reason: 'an owner (1 to 128 characters) is required' };
  if (reason.length < 5 || reason.length > 2000) return { ok: false, reason: 'a reason (5 to 2000 characters) is required' };
  const expiresAt = parseExpiry(req.expires.trim());
  if (expiresAt === null) return { ok: false, reason: 'an expiry is required: a date (YYYY-MM-DD) or an RFC 3339 date-time' };
  if (expiresAt <= ctx.nowMs) return { ok: false, reason: 'the expiry must be in the future' };
  if (expiresAt > ctx.nowMs + ctx.maxDays * 86_400_000 + 86_400_000) return { ok: false, reason: `an exception from the console expires within ${ctx.maxDays} days` };
  const leaves = (Object.keys(CONDITION_FIELDS) as ConditionKey[]).flatMap((key) => {
    const values = clean(req.conditions[key] ?? []);
    return values.length === 0 ? [] : [{ field: CONDITION_FIELDS[key], in: values }];
  });
  const when = leaves.length === 0 ? null : leaves.length === 1 ? leaves[0] : { all: leaves };
  return {
    ok: true,
    exception: {
      exception_id: ctx.exceptionId,
      version: 1,
      status: 'active',
      rules,
      actors,
      roles,
      when,
      owner,
      reason,
      expires_at_ms: expiresAt,
      from_alert_id: ctx.fromAlertId,
      changed_by: ctx.by,
      changed_at_ms: ctx.nowMs,
    },
  };
}
