/**
 * An exception made in the analysts' console, as stored (one row per version
 * in `<database>_console.console_exceptions`) and as the rules language reads
 * it: the monitor compiles the active ones as one more rule document beside
 * the YAML files (same validation, same matching), and `custos exceptions
 * list --yaml` exports them in the format of rules/exceptions/*.yaml, so a
 * reviewed exception can move into version control unchanged.
 */
import { stringify } from 'yaml';

export const CONSOLE_EXCEPTION_STATUSES = ['active', 'revoked'] as const;
export type ConsoleExceptionStatus = (typeof CONSOLE_EXCEPTION_STATUSES)[number];

/** The source name exceptions from the console carry (where a YAML exception names its file). */
export const CONSOLE_SOURCE = 'console';

export interface ConsoleException {
  readonly exception_id: string;
  readonly version: number;
  readonly status: ConsoleExceptionStatus;
  readonly rules: readonly string[];
  /** Empty: not scoped by actor (then roles are not empty). */
  readonly actors: readonly string[];
  readonly roles: readonly string[];
  /** A predicate of the rules language (docs/rules.md), or null. */
  readonly when: unknown;
  readonly owner: string;
  readonly reason: string;
  /** Exclusive end, epoch ms (judged on event time, like a YAML exception's). */
  readonly expires_at_ms: number;
  /** The alert it was made from, or empty. */
  readonly from_alert_id: string;
  readonly changed_by: string;
  readonly changed_at_ms: number;
}

/** The exception as an entry of a rules file's `exceptions:` list. */
export function exceptionSpecOf(x: ConsoleException): Record<string, unknown> {
  return {
    id: x.exception_id,
    rules: [...x.rules],
    ...(x.actors.length > 0 && { actors: [...x.actors] }),
    ...(x.roles.length > 0 && { roles: [...x.roles] }),
    ...(x.when !== null && x.when !== undefined && { when: x.when }),
    owner: x.owner,
    reason: x.reason,
    expires: new Date(x.expires_at_ms).toISOString(),
  };
}

/** A rules document (YAML) holding these exceptions. */
export function exceptionsDocument(list: readonly ConsoleException[], header?: string): string {
  const body = stringify({ exceptions: list.map(exceptionSpecOf) }, { lineWidth: 0 });
  return header === undefined ? body : `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}`;
}
