/**
 * Every exception in one list: the rules folder's (YAML, in version control)
 * and the console's (in ClickHouse), each with its source, scope, owner,
 * reason and expiry. Used by the console's exceptions page and by
 * `custos exceptions list`.
 */
import { CONSOLE_SOURCE, type ConsoleException } from '../../model/console-exception.js';
import { readRuleSources } from '../../runtime/engine/index.js';
import { parseExpiry } from '../../runtime/engine/rules/schema.js';
import { parseRuleFile } from '../../runtime/engine/rules/yaml-source.js';

export interface ListedException {
  readonly id: string;
  /** The rule file, or `console`. */
  readonly source: string;
  /** active, expired or revoked. */
  readonly status: string;
  readonly rules: readonly string[];
  readonly actors: readonly string[];
  readonly roles: readonly string[];
  readonly when: unknown;
  readonly owner: string;
  readonly reason: string;
  readonly expiresAtMs: number;
  readonly fromAlertId: string;
  readonly revocable: boolean;
}

/** The exceptions of the rules folder's files as written (files that do not parse are skipped: `custos rules check` reports them). */
export function yamlExceptions(rulesDir: string, nowMs: number): ListedException[] {
  const out: ListedException[] = [];
  for (const src of readRuleSources(rulesDir, ['enrichment'])) {
    const parsed = parseRuleFile(src.file, src.text);
    for (const x of parsed.data?.exceptions ?? []) {
      const expiresAtMs = typeof x.expires === 'number' ? x.expires : (parseExpiry(String(x.expires)) ?? 0);
      out.push({
        id: x.id,
        source: src.file,
        status: expiresAtMs <= nowMs ? 'expired' : 'active',
        rules: x.rules,
        actors: x.actors ?? [],
        roles: x.roles ?? [],
        when: x.when ?? null,
        owner: x.owner,
        reason: x.reason,
        expiresAtMs,
        fromAlertId: '',
        revocable: false,
      });
    }
  }
  return out;
}

export function listedConsoleException(x: ConsoleException, nowMs: number): ListedException {
  return {
    id: x.exception_id,
    source: CONSOLE_SOURCE,
    status: x.status === 'revoked' ? 'revoked' : x.expires_at_ms <= nowMs ? 'expired' : 'active',
    rules: x.rules,
    actors: x.actors,
    roles: x.roles,
    when: x.when,
    owner: x.owner,
    reason: x.reason,
    expiresAtMs: x.expires_at_ms,
    fromAlertId: x.from_alert_id,
    revocable: x.status === 'active' && x.expires_at_ms > nowMs,
  };
}

export function allExceptions(rulesDir: string, fromConsole: readonly ConsoleException[], nowMs: number): ListedException[] {
  return [...yamlExceptions(rulesDir, nowMs), ...fromConsole.map((x) => listedConsoleException(x, nowMs))];
}

export function scopeText(x: ListedException): string {
  return [...x.actors.map((a) => `actor ${a}`), ...x.roles.map((r) => `role ${r}`)].join(', ');
}
