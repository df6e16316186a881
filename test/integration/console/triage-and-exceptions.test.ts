/**
 * The analysts' console against a running monitor, on the real Kafka and
 * ClickHouse: an alert is triaged (each change an append-only row: who, when,
 * from, to), a viewer's change is refused, resolving it as a false positive
 * creates an exception that the running monitor takes within its refresh
 * interval (no restart): the same finding stops being raised for the actor,
 * the engine's explanation says what the exception silenced, and after the
 * exception's expiry (event time) the finding is raised again, which reopens
 * the resolved alert visibly.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../support/clickhouse.js';
import { produce } from '../../support/kafka.js';
import { asMessage, scenarioEnv, type WireEvent } from '../pipeline/fixtures.js';
import { ConsoleBrowser, type TestUser } from './console-client.js';
import { distinctCustomersRule, startConsoleScenario, until, type ConsoleScenario } from './console-scenario.js';

const RULE_ID = 'rate.console-it.distinct-customers';
/** Distinct customers in 30 minutes above which the test rule fires. */
const L = 10;

const analyst: TestUser = { username: 'dana', password: 'dana-pass-1', role: 'analyst' };
const viewer: TestUser = { username: 'vic', password: 'vic-pass-1', role: 'viewer' };
const officer: TestUser = { username: 'priya', password: 'priya-pass-1', role: 'privacy_officer' };

function read(n: number, at: number): WireEvent {
  return {
    event_id: `alice-c-${n}`,
    ts: at,
    actor_id: 'alice',
    action: 'read',
    resource_type: 'customer',
    record_ids: [`c-console-${n}`],
    fields: ['name', 'email'],
    channel: 'support_console',
    source_ip: '10.10.4.20',
    ticket_id: `T-${7000 + n}`,
  };
}

interface TriageRow {
  readonly changed_by: string;
  readonly action: string;
  readonly from_status: string;
  readonly to_status: string;
  readonly resolution: string;
  readonly exception_id: string;
  readonly changed_at_ms: string;
}

describe('console triage and exceptions on a running monitor', () => {
  let t: ConsoleScenario;
  let alertId = '';
  let exceptionId = '';
  const t0 = Date.now();
  /** The exception's expiry: within the accepted clock skew (15m), so events after it can be sent now. */
  const expiresAt = t0 + 5 * 60_000;
  const phase1 = Array.from({ length: L + 1 }, (_, i) => read(i, t0 - 10 * 60_000 + i * 5_000));
  const phase2 = Array.from({ length: 5 }, (_, i) => read(100 + i, t0 - 4 * 60_000 + i * 5_000));
  const phase3 = Array.from({ length: 3 }, (_, i) => read(200 + i, expiresAt + 60_000 + i * 5_000));

  const alert = async () => {
    const [a] = await query<{ alert_id: string; event_count: number; revision: number; explanation: string }>(
      t.ch,
      `SELECT alert_id, event_count, revision, explanation FROM ${t.db}.alerts_latest WHERE actor_id = 'alice' AND rule_id = '${RULE_ID}'`,
    );
    return a;
  };
  const triaged = async () => {
    const [a] = await query<{ triage_status: string; reopened: number; event_count: number }>(t.ch, `SELECT triage_status, reopened, event_count FROM ${t.cdb}.alerts_triaged WHERE alert_id = '${alertId}'`);
    return a;
  };
  const triageRows = () =>
    query<TriageRow>(t.ch, `SELECT changed_by, action, from_status, to_status, resolution, exception_id, changed_at_ms FROM ${t.cdb}.alert_triage FINAL WHERE alert_id = '${alertId}' ORDER BY changed_at_ms`);

  beforeAll(async () => {
    t = await startConsoleScenario({
      name: 'console-it',
      rule: distinctCustomersRule(RULE_ID, 'c-1', L),
      users: [analyst, viewer, officer],
      partitions: 2,
      refreshIntervalMs: 500,
      tickIntervalMs: 600_000,
      maxExceptionDays: 30,
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('the alert is in the queue, open, untriaged', async () => {
    await produce(t.kafka, t.scenario.topic, phase1.map(asMessage));
    await t.consumed(phase1.length);
    await until('the alert is stored', async () => (await alert()) !== undefined);
    const a = await alert();
    alertId = a?.alert_id ?? '';
    expect(a?.event_count).toBe(1);
    expect(await triaged()).toMatchObject({ triage_status: 'open', reopened: 0 });
    const browser = new ConsoleBrowser(t.app);
    await browser.signIn(viewer);
    const queue = await browser.get('/queue');
    expect(queue.status).toBe(200);
    expect(queue.body).toContain(`/alerts/${alertId}`);
  });

  it("a viewer's change is refused, audited, and writes no triage row", async () => {
    const browser = new ConsoleBrowser(t.app);
    await browser.signIn(viewer);
    await browser.get(`/alerts/${alertId}`);
    const res = await browser.post(`/alerts/${alertId}/triage`, { action: 'acknowledge' });
    expect(res.status).toBe(403);
    expect(await triageRows()).toEqual([]);
    const refused = await query<{ username: string; outcome: string }>(t.ch, `SELECT username, outcome FROM ${t.cdb}.console_audit WHERE action = 'refused'`);
    expect(refused).toEqual([{ username: viewer.username, outcome: 'denied' }]);
  });

  it('a change without the CSRF token is refused', async () => {
    const browser = new ConsoleBrowser(t.app);
    await browser.signIn(analyst);
    const res = await browser.post(`/alerts/${alertId}/triage`, { action: 'acknowledge' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(await triageRows()).toEqual([]);
  });

  it('acknowledge, then resolve as a false positive with an exception: one append-only row each', async () => {
    const browser = new ConsoleBrowser(t.app);
    await browser.signIn(analyst);
    await browser.get(`/alerts/${alertId}`);
    expect((await browser.post(`/alerts/${alertId}/triage`, { action: 'acknowledge', note: 'looking' })).status).toBe(303);
    // Only an open alert can be acknowledged: a second one is refused and writes nothing.
    await browser.get(`/alerts/${alertId}`);
    await browser.post(`/alerts/${alertId}/triage`, { action: 'acknowledge' });
    await browser.get(`/alerts/${alertId}`);
    const resolved = await browser.post(`/alerts/${alertId}/triage`, {
      action: 'resolve',
      resolution: 'false_positive',
      note: 'ticket batch',
      create_exception: '1',
      exc_rules: RULE_ID,
      exc_actor: 'alice',
      exc_owner: 'dana',
      exc_reason: 'migration of support tickets, CHG-1234',
      exc_expires: new Date(expiresAt).toISOString(),
    });
    expect(resolved.status).toBe(303);
    const rows = await triageRows();
    expect(rows.map((r) => [r.changed_by, r.action, r.from_status, r.to_status, r.resolution])).toEqual([
      ['dana', 'acknowledge', 'open', 'acknowledged', ''],
      ['dana', 'resolve', 'acknowledged', 'resolved', 'false_positive'],
    ]);
    exceptionId = rows[1]?.exception_id ?? '';
    expect(exceptionId).toMatch(/^console-/);
    const [x] = await query<{ rules: string[]; actors: string[]; owner: string; expires_at_ms: string; from_alert_id: string; status: string }>(
      t.ch,
      `SELECT rules, actors, owner, expires_at_ms, from_alert_id, status FROM ${t.cdb}.console_exceptions_current WHERE exception_id = '${exceptionId}'`,
    );
    expect(x).toEqual({ rules: [RULE_ID], actors: ['alice'], owner: 'dana', expires_at_ms: String(expiresAt), from_alert_id: alertId, status: 'active' });
    expect(await triaged()).toMatchObject({ triage_status: 'resolved', reopened: 0 });
    const created = await query<{ username: string; target: string }>(t.ch, `SELECT username, target FROM ${t.cdb}.console_audit WHERE action = 'exception_created'`);
    expect(created).toEqual([{ username: 'dana', target: exceptionId }]);
    const page = await browser.get(`/alerts/${alertId}`);
    expect(page.body).toContain('acknowledged → resolved (false_positive)');
  });

  it('custos exceptions list shows it with the YAML ones, --yaml exports it; custos subject-report lists the accesses (CLI, built)', async () => {
    const run = (args: string[]) =>
      execFileSync(process.execPath, ['dist/cli/main.js', ...args], { env: { ...process.env, ...scenarioEnv(t.scenario), CUSTOS_RULES_DIR: t.rulesDir }, encoding: 'utf8' });
    const list = run(['exceptions', 'list']);
    expect(list).toContain(exceptionId);
    expect(list).toContain('console');
    // The rules folder's own exception, listed beside it.
    expect(list).toContain('exc-fraud-study-carol');
    const yaml = run(['exceptions', 'list', '--yaml']);
    expect(yaml).toContain(`id: ${exceptionId}`);
    expect(yaml).toContain(`- ${RULE_ID}`);
    const report = JSON.parse(run(['subject-report', 'c-console-3', '--format', 'json'])) as { rows: { event_id: string }[] };
    expect(report.rows.map((r) => r.event_id)).toEqual(['alice-c-3']);
  });

  it('the running monitor takes the exception without a restart: the same finding is no longer raised', async () => {
    await until('the monitor applies the console exception', async () => (await t.count(t.metrics.consoleExceptions)) === 1);
    const before = t.monitor.engine.stats().exceptionsApplied ?? 0;
    await produce(t.kafka, t.scenario.topic, phase2.map(asMessage));
    await t.consumed(phase1.length + phase2.length);
    // Every one of the five reads was over the limit, and silenced by the exception.
    expect((t.monitor.engine.stats().exceptionsApplied ?? 0) - before).toBe(phase2.length);
    expect((await alert())?.event_count).toBe(1);
    expect(await triaged()).toMatchObject({ triage_status: 'resolved', reopened: 0 });
  });

  it('after its expiry (event time) the finding is raised again, the explanation names the exception, and the resolved alert reopens', async () => {
    await produce(t.kafka, t.scenario.topic, phase3.map(asMessage));
    await t.consumed(phase1.length + phase2.length + phase3.length);
    await until('the alert gains the events after the expiry', async () => (await alert())?.event_count === 1 + phase3.length);
    const explanation = JSON.parse((await alert())?.explanation ?? '{}') as { exceptions_applied?: { exception_id: string; source: string; rule_id: string; events: number }[] };
    expect(explanation.exceptions_applied).toEqual([expect.objectContaining({ exception_id: exceptionId, source: 'console', rule_id: RULE_ID, events: phase2.length })]);
    expect(await triaged()).toMatchObject({ triage_status: 'open', reopened: 1 });
    const browser = new ConsoleBrowser(t.app);
    await browser.signIn(viewer);
    const page = await browser.get(`/alerts/${alertId}`);
    expect(page.body).toContain('data-testid="reopened"');
    expect(page.body).toContain('resolved → open');
  });

  it('revoking is audited and takes the exception out of the running monitor', async () => {
    const browser = new ConsoleBrowser(t.app);
    await browser.signIn(analyst);
    await browser.get('/exceptions');
    expect((await browser.post(`/exceptions/${exceptionId}/revoke`, {})).status).toBe(303);
    const [x] = await query<{ status: string; latest_version: number }>(t.ch, `SELECT status, latest_version FROM ${t.cdb}.console_exceptions_current WHERE exception_id = '${exceptionId}'`);
    expect(x).toEqual({ status: 'revoked', latest_version: 2 });
    await until('the monitor drops the revoked exception', async () => (await t.count(t.metrics.consoleExceptions)) === 0);
    const revoked = await query<{ username: string; target: string }>(t.ch, `SELECT username, target FROM ${t.cdb}.console_audit WHERE action = 'exception_revoked'`);
    expect(revoked).toEqual([{ username: 'dana', target: exceptionId }]);
  });

  it("the actor's page renders their alerts; a subject report lists exactly the customer's accesses, audited by pseudonym only", async () => {
    const browser = new ConsoleBrowser(t.app);
    await browser.signIn(analyst);
    const actor = await browser.get('/actors/alice');
    expect(actor.status).toBe(200);
    expect(actor.body).toContain(`/alerts/${alertId}`);
    // An analyst may not run subject reports.
    await browser.get('/queue');
    expect((await browser.post('/subject-report', { customer_id: 'c-console-3', format: 'json' })).status).toBe(403);

    const po = new ConsoleBrowser(t.app);
    await po.signIn(officer);
    await po.get('/subject-report');
    const json = await po.post('/subject-report', { customer_id: 'c-console-3', format: 'json' });
    expect(json.status).toBe(200);
    const report = JSON.parse(json.body) as { accesses: number; rows: { event_id: string; actor_id: string; ticket_id: string; channel: string }[] };
    expect(report.rows.map((r) => [r.event_id, r.actor_id, r.ticket_id, r.channel])).toEqual([['alice-c-3', 'alice', 'T-7003', 'support_console']]);
    await po.get('/subject-report');
    const csv = await po.post('/subject-report', { customer_id: 'c-console-3', format: 'csv' });
    expect(csv.body.trim().split('\r\n')).toHaveLength(2);
    const audited = await query<{ target: string; detail: string }>(t.ch, `SELECT target, detail FROM ${t.cdb}.console_audit WHERE action = 'subject_report' ORDER BY at_ms`);
    expect(audited).toHaveLength(2);
    // Audited by pseudonym only: the clear id is in no console table.
    for (const table of ['console_audit', 'alert_triage', 'console_exceptions']) {
      const [hit] = await query<{ n: string }>(t.ch, `SELECT count() AS n FROM ${t.cdb}.${table} WHERE positionCaseInsensitive(toString(tuple(*)), 'c-console-3') > 0`);
      expect(Number(hit?.n), table).toBe(0);
    }
  });
});
