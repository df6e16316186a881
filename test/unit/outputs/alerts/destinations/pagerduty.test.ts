/** PagerDuty Events API v2 against a real local HTTP receiver: exact trigger and resolve events, order, retries, refusals, config. */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PAGERDUTY_EVENTS_URL } from '../../../../../src/runtime/outputs/alerts/destinations/pagerduty/index.js';
import { alert, T0 } from '../../../sinks/fixtures.js';
import { waitFor } from '../helpers.js';
import { configProblem, destinationsOf, dispatcherFor, localReceiver, stoppedAfterEach } from './harness.js';

const ROUTING_KEY = 'R0123456789abcdef0123456789ABCDE';

/** The Events API v2 request body (https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty), nothing else allowed. */
const EVENT_SCHEMA = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['routing_key', 'event_action', 'dedup_key', 'payload'],
      properties: {
        routing_key: { type: 'string', pattern: '^[A-Za-z0-9]{32}$' },
        event_action: { const: 'trigger' },
        dedup_key: { type: 'string', minLength: 1, maxLength: 255 },
        client: { type: 'string' },
        payload: {
          type: 'object',
          additionalProperties: false,
          required: ['summary', 'source', 'severity'],
          properties: {
            summary: { type: 'string', minLength: 1, maxLength: 1024 },
            source: { type: 'string', minLength: 1 },
            severity: { enum: ['critical', 'error', 'warning', 'info'] },
            timestamp: { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$' },
            component: { type: 'string' },
            group: { type: 'string' },
            class: { type: 'string' },
            custom_details: { type: 'object' },
          },
        },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['routing_key', 'event_action', 'dedup_key'],
      properties: { routing_key: { type: 'string', pattern: '^[A-Za-z0-9]{32}$' }, event_action: { const: 'resolve' }, dedup_key: { type: 'string', minLength: 1, maxLength: 255 } },
    },
  ],
} as const;
const validEvent = new Ajv({ allErrors: true }).compile(EVENT_SCHEMA);

describe('pagerduty destination', () => {
  const receiver = localReceiver();
  const stopped = stoppedAfterEach();

  function pagerduty(path: string, extra: Record<string, unknown> = {}) {
    const h = dispatcherFor(destinationsOf([{ kind: 'pagerduty', routing_key: ROUTING_KEY, url: `${receiver.origin}${path}`, ...extra }]));
    return stopped(h);
  }
  const eventsAt = (path: string) => receiver.requests.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as Record<string, unknown>);

  it('triggers at the opening and escalation and resolves at the closing, in order, with the alert id as dedup key', async () => {
    receiver.script = () => 202;
    const { dispatcher, outbox } = pagerduty('/v2/enqueue');
    await dispatcher.start();
    const now = Date.now();
    const opened = alert({ alert_id: 'al-pd' });
    dispatcher.enqueue([
      { alert: opened, storedAtMs: now },
      { alert: alert({ alert_id: 'al-pd', revision: 2, tier: 2, severity: 'critical' }), storedAtMs: now + 1 },
      { alert: alert({ alert_id: 'al-pd', revision: 3, tier: 2, severity: 'critical', status: 'closed' }), storedAtMs: now + 2 },
    ]);
    await waitFor(() => outbox.latest('al-pd', 3)[0]?.status === 'delivered', 5000, 'resolve delivered');

    const events = eventsAt('/v2/enqueue');
    for (const e of events) expect(validEvent(e), JSON.stringify(validEvent.errors)).toBe(true);
    expect(events.map((e) => [e.event_action, e.dedup_key, (e.payload as { severity?: string } | undefined)?.severity])).toEqual([
      ['trigger', 'al-pd', 'error'],
      ['trigger', 'al-pd', 'critical'],
      ['resolve', 'al-pd', undefined],
    ]);
    expect(events[0]).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'al-pd',
      client: 'custos',
      payload: {
        summary: 'emp-0042 read 412 distinct customers in 5m (usual 35.5)',
        severity: 'error',
        source: 'emp-0042',
        component: 'bulk-read',
        group: 'support',
        class: 'rate',
        timestamp: new Date(now).toISOString(),
        custom_details: {
          alert_id: 'al-pd',
          revision: 1,
          severity: 'high',
          tier: 1,
          rule_id: 'bulk-read',
          rule_version: '3',
          actor_id: 'emp-0042',
          actor_role: 'support_agent',
          actor_department: 'support',
          employment_status: 'active',
          window: '5m',
          window_start: new Date(T0 - 300_000).toISOString(),
          window_end: new Date(T0).toISOString(),
          observed: 412,
          baseline: 35.5,
          baseline_source: 'own',
          score: 9.25,
          first_event_ts: new Date(T0 - 250_123).toISOString(),
          last_event_ts: new Date(T0).toISOString(),
          event_count: 17,
          suppressed_count: 0,
          query: "SELECT * FROM custos.access_events_dedup WHERE actor_id = 'emp-0042'",
        },
      },
    });
    expect(events[2]).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'al-pd' });
    expect(outbox.latest('al-pd', 1)[0]).toMatchObject({ status: 'delivered', last_http_status: 202 });
  });

  it('maps the five severities onto PagerDuty four', async () => {
    receiver.script = () => 202;
    const { dispatcher, outbox } = pagerduty('/v2/severities');
    await dispatcher.start();
    const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
    dispatcher.enqueue(severities.map((severity) => ({ alert: alert({ alert_id: `al-sev-${severity}`, severity }), storedAtMs: Date.now() })));
    await waitFor(() => severities.every((s) => outbox.latest(`al-sev-${s}`)[0]?.status === 'delivered'), 5000, 'all delivered');
    const bySeverity = Object.fromEntries(eventsAt('/v2/severities').map((e) => [e.dedup_key, (e.payload as { severity: string }).severity]));
    expect(bySeverity).toEqual({ 'al-sev-info': 'info', 'al-sev-low': 'warning', 'al-sev-medium': 'warning', 'al-sev-high': 'error', 'al-sev-critical': 'critical' });
  });

  it('retries 429 and 5xx with the identical event; a 400 is given up at once', async () => {
    receiver.script = (path, n) => (path === '/v2/flaky' ? ([429, 503][n] ?? 202) : path === '/v2/invalid' ? 400 : 202);
    const flaky = pagerduty('/v2/flaky');
    const invalid = pagerduty('/v2/invalid');
    await Promise.all([flaky.dispatcher.start(), invalid.dispatcher.start()]);
    flaky.dispatcher.enqueue([{ alert: alert({ alert_id: 'al-pd-flaky' }), storedAtMs: Date.now() }]);
    invalid.dispatcher.enqueue([{ alert: alert({ alert_id: 'al-pd-invalid' }), storedAtMs: Date.now() }]);

    await waitFor(() => flaky.outbox.latest('al-pd-flaky')[0]?.status === 'delivered', 5000, 'delivered after retries');
    const bodies = receiver.requests.filter((r) => r.path === '/v2/flaky').map((r) => r.body);
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
    expect(flaky.outbox.latest('al-pd-flaky')[0]).toMatchObject({ attempts: 3, last_http_status: 202 });

    await waitFor(() => invalid.outbox.latest('al-pd-invalid')[0]?.status === 'gave_up', 5000, 'gave up');
    expect(invalid.outbox.latest('al-pd-invalid')[0]).toMatchObject({ attempts: 1, last_http_status: 400, last_error: 'http 400' });
    // The routing key travels in the body only: never in logs or stored state.
    expect(invalid.log.text()).not.toContain(ROUTING_KEY);
    expect(JSON.stringify(invalid.outbox.rows)).not.toContain(ROUTING_KEY);
  });

  it('receives closings, defaults to the US Events API endpoint, and refuses a bad routing key or unknown keys without echoing them', () => {
    const [d] = destinationsOf([{ kind: 'pagerduty', routing_key: ROUTING_KEY }]);
    expect(d).toMatchObject({ closings: true, label: new URL(PAGERDUTY_EVENTS_URL).origin });
    expect(PAGERDUTY_EVENTS_URL).toBe('https://events.pagerduty.com/v2/enqueue');
    const bad = configProblem({ kind: 'pagerduty', routing_key: 'short-secret' });
    expect(bad).toContain('alerts.destinations[0] (pagerduty).routing_key: must be the 32-character integration key');
    expect(bad).not.toContain('short-secret');
    expect(configProblem({ kind: 'pagerduty' })).toContain('(pagerduty).routing_key');
    expect(configProblem({ kind: 'pagerduty', routing_key: ROUTING_KEY, service: 'x' })).toContain('Unrecognized key: "service"');
    expect(configProblem({ kind: 'pagerduty', routing_key: ROUTING_KEY, url: 'http://events.example.com/v2/enqueue' })).toContain('(pagerduty).url: must use https');
  });
});
