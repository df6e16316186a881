/**
 * The console's pages and actions. Reads go through the reader user, changes
 * through the writer (console database only); each change redirects back
 * (POST, then GET) with a message.
 */
import { displayKeyId } from '../../privacy/keyring.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SEVERITIES } from '../../model/alert.js';
import { exceptionsDocument } from '../../model/console-exception.js';
import { readRuleSources } from '../../runtime/engine/index.js';
import { selectRows } from '../../runtime/outputs/clickhouse/connection.js';
import { TABLES } from '../../runtime/outputs/clickhouse/ddl.js';
import { qualifiedTable } from '../../runtime/outputs/clickhouse/escape.js';
import { draftException, type ExceptionRequest } from '../exceptions/draft.js';
import { allExceptions, scopeText } from '../exceptions/listing.js';
import { listConsoleExceptions, newExceptionId, rejectionByRules, revokeException, storeException } from '../exceptions/store.js';
import { loadActorPage, HEATMAP_DAYS } from '../pages/actor.js';
import { loadAlertPage, loadAlertRow, type AlertPage } from '../pages/alert.js';
import { loadQueue, QUEUE_PAGE_SIZE, STATUS_FILTERS, type QueueFilter, type StatusFilter } from '../pages/queue.js';
import { SUBJECT_REPORT_COLUMNS, subjectReport, subjectReportCsv, subjectReportJson } from '../reports/subject-report.js';
import { appendTriage, stateOf, triageHistory, type TriageRow } from '../triage/store.js';
import { decide, TRIAGE_ACTIONS, type TriageAction } from '../triage/workflow.js';
import type { ConsoleContext } from './app.js';
import { can } from '../auth/roles.js';

type Form = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const many = (v: string | string[] | undefined): string[] => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);
const DAY = 86_400_000;

function dayStart(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) ? ms : null;
}
const dayText = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 10));

export function queueFilterOf(q: Form): QueueFilter {
  const status = one(q.status);
  const severity = one(q.severity);
  const from = dayStart(one(q.from));
  const to = dayStart(one(q.to));
  const page = Number.parseInt(one(q.page), 10);
  return {
    status: (STATUS_FILTERS as readonly string[]).includes(status) ? (status as StatusFilter) : 'active',
    severity: (SEVERITIES as readonly string[]).includes(severity) ? severity : null,
    rule: one(q.rule).trim() || null,
    actor: one(q.actor).trim() || null,
    fromMs: from,
    // The To day is included.
    toMs: to === null ? null : to + DAY,
    sort: one(q.sort) === 'newest' ? 'newest' : 'severity',
    page: Number.isFinite(page) && page >= 0 && page < 100_000 ? page : 0,
  };
}

function queueLink(f: QueueFilter, change: Partial<Record<'status' | 'page', string | number>>): string {
  const p = new URLSearchParams();
  const status = change.status ?? f.status;
  p.set('status', String(status));
  if (f.severity) p.set('severity', f.severity);
  if (f.rule) p.set('rule', f.rule);
  if (f.actor) p.set('actor', f.actor);
  if (f.fromMs !== null) p.set('from', dayText(f.fromMs));
  if (f.toMs !== null) p.set('to', dayText(f.toMs - DAY));
  if (f.sort !== 'severity') p.set('sort', f.sort);
  const page = change.page ?? (change.status !== undefined ? 0 : f.page);
  if (Number(page) > 0) p.set('page', String(page));
  return `/queue?${p.toString()}`;
}

/** The audit trail as shown: every triage row, plus a line where the engine reopened a resolved alert. */
export function historyLines(rows: readonly TriageRow[], page: AlertPage): { at: number; who: string; action: string; change: string; note: string }[] {
  const lines: { at: number; who: string; action: string; change: string; note: string }[] = rows.map((h) => ({
    at: h.changed_at_ms,
    who: h.changed_by,
    action: h.action,
    change:
      h.action === 'assign'
        ? `assigned to ${h.assignee || 'nobody'}`
        : h.from_status === h.to_status
          ? `${h.action} (${h.to_status})`
          : `${h.from_status} → ${h.to_status}${h.resolution ? ` (${h.resolution})` : ''}${h.exception_id ? `, exception ${h.exception_id}` : ''}`,
    note: h.note,
  }));
  if (page.triage.reopened) {
    lines.push({
      at: page.alert.last_event_ts_ms,
      who: 'custos (engine)',
      action: 'reopened',
      change: `resolved → open: revision ${page.alert.revision} has ${page.alert.event_count - page.triage.alertEventCount} more triggering event(s) than when it was resolved`,
      note: '',
    });
  }
  return lines;
}

/** The exception fields of a form (exc_*), as a request. */
export function exceptionRequestOf(b: Form): ExceptionRequest {
  return {
    rules: many(b.exc_rules),
    actors: many(b.exc_actor),
    roles: many(b.exc_role),
    conditions: { resource_type: many(b.exc_resource_type), channel: many(b.exc_channel), zone: many(b.exc_zone), action: many(b.exc_action) },
    owner: one(b.exc_owner),
    reason: one(b.exc_reason),
    expires: one(b.exc_expires),
  };
}

function exceptionForm(page: AlertPage, username: string, nowMs: number, maxDays: number) {
  const x = page.alert.explanation;
  const findings = Array.isArray(x.findings) ? (x.findings as { rule_id: string }[]) : [];
  const ctxList = (k: string): string[] => {
    const c = x.context as Record<string, unknown> | undefined;
    const v = c?.[k];
    if (Array.isArray(v)) return v.map(String);
    if (k === 'actions' && c?.actions && typeof c.actions === 'object') return Object.keys(c.actions);
    return [];
  };
  return {
    rules: findings.length > 0 ? findings.map((f) => f.rule_id) : [page.alert.rule_id],
    primaryRule: page.alert.rule_id,
    actor: page.alert.actor_id,
    role: page.alert.actor_role,
    conditions: [
      { key: 'resource_type', label: 'resource types', values: ctxList('resource_types') },
      { key: 'channel', label: 'channels', values: ctxList('channels') },
      { key: 'zone', label: 'network zones', values: ctxList('zones') },
      { key: 'action', label: 'actions', values: ctxList('actions') },
    ],
    owner: username,
    expires: dayText(nowMs + 30 * DAY),
    maxExpires: dayText(nowMs + maxDays * DAY),
  };
}

export function registerRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const { o } = ctx;

  app.get<{ Querystring: Form }>('/queue', { config: { permission: 'read' } }, async (req, reply) => {
    const filter = queueFilterOf(req.query);
    const queue = await loadQueue(o.db, filter);
    return ctx.render(
      req,
      reply,
      'queue',
      {
        queue,
        filter,
        statusFilters: STATUS_FILTERS,
        severities: SEVERITIES,
        pageSize: QUEUE_PAGE_SIZE,
        fromText: dayText(filter.fromMs),
        toText: filter.toMs === null ? '' : dayText(filter.toMs - DAY),
        linkFor: (change: Partial<Record<'status' | 'page', string | number>>) => queueLink(filter, change),
      },
      { title: 'Queue', nav: 'queue' },
    );
  });

  app.get<{ Params: { id: string } }>('/alerts/:id', { config: { permission: 'read' } }, async (req, reply) => {
    const page = await loadAlertPage(o.db, req.params.id, o.rules);
    if (page === null) return ctx.fail(req, reply, 404, 'No such alert', `There is no alert ${req.params.id}.`);
    const user = req.consoleUser;
    return ctx.render(
      req,
      reply,
      'alert',
      {
        page,
        history: historyLines(page.history, page),
        // Inside a <script type="application/json">: no "<" may end the element early.
        chartJson: JSON.stringify(page.chart).replace(/</g, '\\u003c'),
        lookbackDays: Math.round(o.rules.settings.activity_lookback / DAY),
        form: exceptionForm(page, user?.username ?? '', ctx.now(), o.maxExceptionDays),
      },
      { title: `Alert ${page.alert.actor_id}`, nav: 'queue', chart: true },
    );
  });

  /** Creates the exception a form asks for; the id, or a reason it was refused. */
  const createException = async (req: FastifyRequest, alertId: string, b: Form): Promise<{ ok: true; id: string } | { ok: false; reason: string }> => {
    const nowMs = ctx.now();
    const draft = draftException(exceptionRequestOf(b), { exceptionId: newExceptionId(), nowMs, maxDays: o.maxExceptionDays, by: req.consoleUser?.username ?? '', fromAlertId: alertId });
    if (!draft.ok) return draft;
    const refused = rejectionByRules(readRuleSources(o.rulesDir, ['enrichment']), draft.exception, nowMs);
    if (refused !== null) return { ok: false, reason: `the rules do not accept this exception: ${refused}` };
    await storeException(o.db, draft.exception);
    await ctx.audit(req, { action: 'exception_created', outcome: 'ok', target: draft.exception.exception_id, detail: `from alert ${alertId}; rules ${draft.exception.rules.join(',')}` });
    return { ok: true, id: draft.exception.exception_id };
  };

  app.post<{ Params: { id: string }; Body: Form }>('/alerts/:id/triage', { config: { permission: 'triage' } }, async (req, reply) => {
    const alertId = req.params.id;
    const back = `/alerts/${encodeURIComponent(alertId)}`;
    const b = req.body ?? {};
    const action = one(b.action) as TriageAction;
    if (!(TRIAGE_ACTIONS as readonly string[]).includes(action)) return ctx.fail(req, reply, 400, 'Refused', `unknown action ${action.slice(0, 40)}`);
    const alert = await loadAlertRow(o.db, alertId);
    if (alert === null) return ctx.fail(req, reply, 404, 'No such alert', `There is no alert ${alertId}.`);
    const history = await triageHistory(o.db, alertId);
    const decision = decide(stateOf(history), { revision: alert.revision, eventCount: alert.event_count }, { action, resolution: one(b.resolution), assignee: b.assignee === undefined ? undefined : one(b.assignee), note: one(b.note) }, ctx.now());
    if (!decision.ok) {
      ctx.flash(req, 'error', `Not changed: ${decision.reason}.`);
      return reply.redirect(back, 303);
    }
    let exceptionId = '';
    if (action === 'resolve' && one(b.create_exception) === '1') {
      const created = await createException(req, alertId, b);
      if (!created.ok) {
        ctx.flash(req, 'error', `Not resolved: ${created.reason}.`);
        return reply.redirect(back, 303);
      }
      exceptionId = created.id;
    }
    await appendTriage(o.db, alertId, decision.change, req.consoleUser?.username ?? '', exceptionId);
    ctx.flash(req, 'ok', `${decision.change.from} → ${decision.change.to}${exceptionId ? `; exception ${exceptionId} created (the monitor applies it within its refresh interval)` : ''}.`);
    return reply.redirect(back, 303);
  });

  app.post<{ Params: { id: string }; Body: Form }>('/alerts/:id/exceptions', { config: { permission: 'manage_exceptions' } }, async (req, reply) => {
    const alertId = req.params.id;
    const back = `/alerts/${encodeURIComponent(alertId)}`;
    if ((await loadAlertRow(o.db, alertId)) === null) return ctx.fail(req, reply, 404, 'No such alert', `There is no alert ${alertId}.`);
    const created = await createException(req, alertId, req.body ?? {});
    ctx.flash(req, created.ok ? 'ok' : 'error', created.ok ? `Exception ${created.id} created.` : `Not created: ${created.reason}.`);
    return reply.redirect(back, 303);
  });

  app.get<{ Params: { id: string } }>('/actors/:id', { config: { permission: 'read' } }, async (req, reply) => {
    const page = await loadActorPage(o.db, req.params.id);
    return ctx.render(req, reply, 'actor', { page, heatDays: HEATMAP_DAYS }, { title: `Actor ${req.params.id}`, nav: 'queue' });
  });

  app.get('/exceptions', { config: { permission: 'read' } }, async (req, reply) => {
    const nowMs = ctx.now();
    const rows = allExceptions(o.rulesDir, await listConsoleExceptions(o.db), nowMs).map((x) => ({
      ...x,
      scope: scopeText(x),
      when: x.when === null ? '' : JSON.stringify(x.when),
      expires: new Date(x.expiresAtMs).toISOString().slice(0, 16).replace('T', ' '),
    }));
    return ctx.render(req, reply, 'exceptions', { rows }, { title: 'Exceptions', nav: 'exceptions' });
  });

  app.get('/exceptions.yaml', { config: { permission: 'read' } }, async (_req, reply) => {
    const active = (await listConsoleExceptions(o.db)).filter((x) => x.status === 'active' && x.expires_at_ms > ctx.now());
    const yaml = exceptionsDocument(active, `Exceptions made in the custos console, exported ${new Date(ctx.now()).toISOString()}.\nReview, then move into rules/exceptions/ and revoke them in the console.`);
    return reply.type('application/yaml; charset=utf-8').header('content-disposition', 'attachment; filename="console-exceptions.yaml"').send(yaml);
  });

  app.post<{ Params: { id: string } }>('/exceptions/:id/revoke', { config: { permission: 'manage_exceptions' } }, async (req, reply) => {
    const ok = await revokeException(o.db, req.params.id, req.consoleUser?.username ?? '', ctx.now());
    if (ok) await ctx.audit(req, { action: 'exception_revoked', outcome: 'ok', target: req.params.id });
    ctx.flash(req, ok ? 'ok' : 'error', ok ? `Exception ${req.params.id} revoked.` : `No active console exception ${req.params.id}.`);
    return reply.redirect('/exceptions', 303);
  });

  app.get('/subject-report', { config: { permission: 'subject_report' } }, async (req, reply) =>
    ctx.render(req, reply, 'subject-report', { report: null, columns: SUBJECT_REPORT_COLUMNS }, { title: 'Subject report', nav: 'subject' }),
  );
  app.post<{ Body: Form }>('/subject-report', { config: { permission: 'subject_report' } }, async (req, reply: FastifyReply) => {
    const customerId = one(req.body?.customer_id).trim();
    const format = one(req.body?.format) || 'html';
    if (customerId === '' || customerId.length > 256) return ctx.fail(req, reply, 400, 'Refused', 'a customer id (1 to 256 characters) is required');
    // The format goes into the audit detail: only the three known words, never free text.
    if (!SUBJECT_REPORT_FORMATS.includes(format)) return ctx.fail(req, reply, 400, 'Refused', `format is one of ${SUBJECT_REPORT_FORMATS.join(', ')}`);
    const report = await subjectReport(o.db.reader, o.db.database, o.keyring, customerId);
    // Audited by pseudonym (the current key's; the key ids searched in the detail): the clear id is never written anywhere.
    await ctx.audit(req, { action: 'subject_report', outcome: 'ok', target: report.pseudonym, detail: `${report.accesses.length} accesses, ${format}, keys ${report.pseudonyms.map((p) => displayKeyId(p.keyId)).join(' ')}` });
    if (format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="subject-access-report.csv"').header('cache-control', 'no-store').send(subjectReportCsv(report));
    }
    if (format === 'json') {
      return reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="subject-access-report.json"').header('cache-control', 'no-store').send(subjectReportJson(report, ctx.now()));
    }
    return ctx.render(req, reply, 'subject-report', { report, columns: SUBJECT_REPORT_COLUMNS }, { title: 'Subject report', nav: 'subject' });
  });

  app.get('/audit', { config: { permission: 'read' } }, async (req, reply) => {
    const rows = await selectRows<Record<string, unknown>>(
      o.db.reader,
      `SELECT at_ms, username, role, action, outcome, target, detail FROM ${qualifiedTable(o.db.consoleDatabase, TABLES.consoleAudit)} ORDER BY at_ms DESC LIMIT 200`,
      TABLES.consoleAudit,
    );
    const role = req.consoleUser?.role;
    const seesSubjects = role !== undefined && can(role, 'subject_report');
    const shown = rows.map((r) => auditRowFor(seesSubjects, { ...r, at_ms: Number(r.at_ms) }));
    return ctx.render(req, reply, 'audit', { rows: shown }, { title: 'Audit', nav: 'audit' });
  });
}

const SUBJECT_REPORT_FORMATS: readonly string[] = ['html', 'csv', 'json'];

/**
 * An audit row as a reader of /audit sees it. A subject report's target is the
 * customer's pseudonym, which the evidence of an alert page also shows: a
 * viewer could tell that a customer in an alert asked for their data. Only
 * those who may run subject reports see it; the others see that one was run.
 */
export function auditRowFor<R extends Record<string, unknown>>(seesSubjects: boolean, row: R): R {
  if (seesSubjects || row.action !== 'subject_report') return row;
  return { ...row, target: '(a customer: shown to privacy officers)' };
}
