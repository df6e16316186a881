/** OCSF findings to a file: NDJSON lines of the exact Detection Finding shape, mode 0600, torn lines, a failure and its retry. */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { custosVersion } from '../../../../../src/runtime/outputs/alerts/user-agent.js';
import { tempDir } from '../../../../support/temp-dir.js';
import { alert, T0 } from '../../../sinks/fixtures.js';
import { waitFor } from '../helpers.js';
import { configProblem, destinationsOf, dispatcherFor, stoppedAfterEach } from './harness.js';
import { validDetectionFinding } from './ocsf-schema.js';

const linesOf = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');

describe('ocsf destination, file', () => {
  const stopped = stoppedAfterEach();

  function ocsfFile(file: string) {
    const h = dispatcherFor(destinationsOf([{ kind: 'ocsf', file }]));
    return stopped(h);
  }

  it('appends the opening, the escalation and the closing as Detection Findings (create, update, close), one JSON line each, in a 0600 file', async () => {
    const file = join(tempDir('ocsf-file-'), 'findings.ocsf.jsonl');
    const { dispatcher, outbox } = ocsfFile(file);
    await dispatcher.start();
    const now = Date.now();
    dispatcher.enqueue([
      { alert: alert({ alert_id: 'al-o' }), storedAtMs: now },
      { alert: alert({ alert_id: 'al-o', revision: 2, tier: 2, severity: 'critical' }), storedAtMs: now + 1 },
      { alert: alert({ alert_id: 'al-o', revision: 3, tier: 2, severity: 'critical', status: 'closed' }), storedAtMs: now + 2 },
    ]);
    await waitFor(() => outbox.latest('al-o', 3)[0]?.status === 'delivered', 5000, 'closing delivered');

    expect(statSync(file).mode & 0o777).toBe(0o600);
    const findings = linesOf(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const f of findings) expect(validDetectionFinding(f), JSON.stringify(validDetectionFinding.errors)).toBe(true);
    expect(findings.map((f) => [f.activity_id, f.type_uid, f.severity_id, f.status_id, f.is_alert, (f.finding_info as { uid: string }).uid, (f.metadata as { uid: string }).uid])).toEqual([
      [1, 200401, 4, 1, true, 'al-o', 'al-o'],
      [2, 200402, 5, 1, true, 'al-o', 'al-o.r2'],
      [3, 200403, 5, 99, false, 'al-o', 'al-o.r3'],
    ]);
    expect(findings[0]).toEqual({
      class_uid: 2004,
      class_name: 'Detection Finding',
      category_uid: 2,
      category_name: 'Findings',
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200401,
      type_name: 'Detection Finding: Create',
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      status: 'New',
      is_alert: true,
      time: now,
      timezone_offset: 0,
      start_time: T0 - 250_123,
      end_time: T0,
      count: 17,
      message: 'emp-0042 read 412 distinct customers in 5m (usual 35.5)',
      finding_info: {
        uid: 'al-o',
        title: 'emp-0042 read 412 distinct customers in 5m (usual 35.5)',
        desc: 'rate rule bulk-read (version 3), severity high, tier 1: emp-0042 read 412 distinct customers in 5m (usual 35.5)',
        types: ['Rate Anomaly'],
        created_time: T0 - 250_123,
        modified_time: now,
        first_seen_time: T0 - 250_123,
        last_seen_time: T0,
        analytic: { uid: 'bulk-read', name: 'bulk-read', version: '3', type_id: 3, type: 'Statistical' },
      },
      metadata: { product: { name: 'custos', vendor_name: 'custos', version: custosVersion() }, version: '1.8.0', uid: 'al-o' },
      actor: { user: { uid: 'emp-0042' } },
      observables: [{ name: 'actor.user.uid', type_id: 31, value: 'emp-0042' }],
      evidences: [{ data: { event_ids: ['evt-1', 'evt-2'], event_count: 17, query: "SELECT * FROM custos.access_events_dedup WHERE actor_id = 'emp-0042'" } }],
      unmapped: {
        revision: 1,
        status: 'open',
        severity: 'high',
        tier: 1,
        rule_kind: 'rate',
        actor_role: 'support_agent',
        actor_department: 'support',
        employment_status: 'active',
        window: '5m',
        window_start: T0 - 300_000,
        window_end: T0,
        observed: 412,
        baseline: 35.5,
        baseline_source: 'own',
        score: 9.25,
        suppressed_count: 0,
        explanation: { baseline: { source: 'own', median: 35.5 }, findings: ['volume'] },
      },
    });
    expect(findings[2]).toMatchObject({ activity_name: 'Close', status: 'Closed', status_detail: 'the rule quiet period passed without a triggering event' });
  });

  it('writes concurrent findings whole, one per line, and never glues one to a torn line left by a crash', async () => {
    const file = join(tempDir('ocsf-torn-'), 'findings.jsonl');
    writeFileSync(file, '{"class_uid":2004,"torn', { mode: 0o600 });
    const { dispatcher, outbox } = ocsfFile(file);
    await dispatcher.start();
    const ids = Array.from({ length: 40 }, (_, i) => `al-c${i}`);
    dispatcher.enqueue(ids.map((alert_id) => ({ alert: alert({ alert_id }), storedAtMs: Date.now() })));
    await waitFor(() => ids.every((id) => outbox.latest(id)[0]?.status === 'delivered'), 5000, 'all delivered');

    const lines = linesOf(file);
    expect(lines[0]).toBe('{"class_uid":2004,"torn');
    const uids = lines.slice(1).map((l) => (JSON.parse(l) as { finding_info: { uid: string } }).finding_info.uid);
    expect(uids.sort()).toEqual([...ids].sort());
  });

  it('retries while the file cannot be written and delivers once it can; a path it cannot open at start is a config error', async () => {
    const dir = tempDir('ocsf-retry-');
    const sub = join(dir, 'spool');
    mkdirSync(sub);
    const file = join(sub, 'findings.jsonl');
    const { dispatcher, outbox } = ocsfFile(file);
    await dispatcher.start();
    rmSync(sub, { recursive: true });
    dispatcher.enqueue([{ alert: alert({ alert_id: 'al-r' }), storedAtMs: Date.now() }]);
    await waitFor(() => outbox.latest('al-r')[0]?.status === 'failed', 5000, 'failed attempt');
    expect(outbox.latest('al-r')[0]).toMatchObject({ last_http_status: null, last_error: 'file ENOENT' });
    mkdirSync(sub);
    await waitFor(() => outbox.latest('al-r')[0]?.status === 'delivered', 5000, 'delivered after retry');
    expect(linesOf(file)).toHaveLength(1);

    const missing = dispatcherFor(destinationsOf([{ kind: 'ocsf', file: join(dir, 'no-such-folder', 'f.jsonl') }]));
    await expect(missing.dispatcher.start()).rejects.toMatchObject({ code: 'CUSTOS_CONFIG', message: expect.stringContaining('cannot be opened for appending (ENOENT)') });
  });

  it('needs exactly one of topic and file, refuses unknown keys, and needs the Kafka connection for a topic', () => {
    expect(configProblem({ kind: 'ocsf' })).toContain('alerts.destinations[0] (ocsf).(entry): needs exactly one of topic and file');
    expect(configProblem({ kind: 'ocsf', topic: 'findings', file: '/tmp/x' })).toContain('needs exactly one of topic and file');
    expect(configProblem({ kind: 'ocsf', file: '/tmp/x', format: 'json' })).toContain('Unrecognized key: "format"');
    expect(configProblem({ kind: 'ocsf', topic: 'bad topic' })).toContain('(ocsf).topic: must be a Kafka topic name');
    expect(configProblem({ kind: 'ocsf', topic: 'findings' })).toContain('a topic needs the Kafka connection');
    const [d] = destinationsOf([{ kind: 'ocsf', file: '/var/log/custos/findings.jsonl' }]);
    expect(d).toMatchObject({ closings: true, label: 'file:findings.jsonl' });
  });
});
