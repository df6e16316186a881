/** Slack incoming webhook against a real local HTTP receiver: the exact message, retries, refusals, config. */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../../../src/model/alert.js';
import { alert } from '../../../sinks/fixtures.js';
import { waitFor } from '../helpers.js';
import { configProblem, destinationsOf, dispatcherFor, localReceiver, stoppedAfterEach } from './harness.js';

const LINK = 'https://console.example.com/alerts/{alert_id}?view=triage';

/** Slack's documented incoming-webhook shape (text + Block Kit blocks), with its length limits; nothing else allowed. */
const plainText = (max: number) => ({ type: 'object', additionalProperties: false, required: ['type', 'text'], properties: { type: { const: 'plain_text' }, text: { type: 'string', minLength: 1, maxLength: max } } });
const mrkdwn = (max: number) => ({
  type: 'object',
  additionalProperties: false,
  required: ['type', 'text', 'verbatim'],
  properties: { type: { const: 'mrkdwn' }, text: { type: 'string', minLength: 1, maxLength: max }, verbatim: { const: true } },
});
const SLACK_MESSAGE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['text', 'blocks'],
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 3000 },
    blocks: {
      type: 'array',
      maxItems: 50,
      items: {
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['type', 'text'], properties: { type: { const: 'header' }, text: plainText(150) } },
          { type: 'object', additionalProperties: false, required: ['type', 'text'], properties: { type: { const: 'section' }, text: mrkdwn(3000) } },
          { type: 'object', additionalProperties: false, required: ['type', 'fields'], properties: { type: { const: 'section' }, fields: { type: 'array', minItems: 1, maxItems: 10, items: mrkdwn(2000) } } },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'elements'],
            properties: {
              type: { const: 'actions' },
              elements: {
                type: 'array',
                minItems: 1,
                maxItems: 25,
                items: { type: 'object', additionalProperties: false, required: ['type', 'text', 'url'], properties: { type: { const: 'button' }, text: plainText(75), url: { type: 'string', pattern: '^https?://', maxLength: 3000 } } },
              },
            },
          },
          { type: 'object', additionalProperties: false, required: ['type', 'elements'], properties: { type: { const: 'context' }, elements: { type: 'array', minItems: 1, maxItems: 10, items: mrkdwn(3000) } } },
        ],
      },
    },
  },
} as const;
const validSlackMessage = new Ajv({ allErrors: true }).compile(SLACK_MESSAGE_SCHEMA);

describe('slack destination', () => {
  const receiver = localReceiver();
  const stopped = stoppedAfterEach();

  function slack(path: string, extra: Record<string, unknown> = {}) {
    const h = dispatcherFor(destinationsOf([{ kind: 'slack', url: `${receiver.origin}${path}`, ...extra }]));
    return stopped(h);
  }
  const bodiesAt = (path: string) => receiver.requests.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as unknown);

  it('posts the opening as text plus blocks: summary, severity, rule, actor, window and the link with the alert id', async () => {
    const { dispatcher, outbox } = slack('/services/T1/B1/open', { link_template: LINK });
    await dispatcher.start();
    dispatcher.enqueue([{ alert: alert({ alert_id: 'al/7 x' }), storedAtMs: Date.now() }]);
    await waitFor(() => outbox.latest('al/7 x')[0]?.status === 'delivered', 5000, 'delivered');

    const [request] = receiver.requests.filter((r) => r.path === '/services/T1/B1/open');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toMatch(/^custos\//);
    const body = JSON.parse(request!.body) as unknown;
    expect(validSlackMessage(body), JSON.stringify(validSlackMessage.errors)).toBe(true);
    expect(body).toEqual({
      text: '[high] emp-0042 read 412 distinct customers in 5m (usual 35.5)',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'High alert opened: bulk-read' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'emp-0042 read 412 distinct customers in 5m (usual 35.5)', verbatim: true } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Severity*\nhigh (tier 1)', verbatim: true },
            { type: 'mrkdwn', text: '*Actor*\nemp-0042 (support_agent, support, active)', verbatim: true },
            { type: 'mrkdwn', text: '*Rule*\nbulk-read v3 (rate)', verbatim: true },
            { type: 'mrkdwn', text: '*Window*\n5m: 412 observed, usual 35.5 (own)', verbatim: true },
          ],
        },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: 'https://console.example.com/alerts/al%2F7%20x?view=triage' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'custos alert al/7 x, revision 1, 17 events', verbatim: true }] },
      ],
    });
  });

  it('escapes mrkdwn (no mentions or links from alert text) and keeps within Block Kit limits; no button without a template', async () => {
    const { dispatcher, outbox } = slack('/services/T1/B1/escape');
    await dispatcher.start();
    const hostile: Partial<Alert> = { alert_id: 'al-esc', revision: 2, tier: 2, severity: 'critical', actor_id: '<!channel> & <https://evil.example|x>', summary: `<!here> ${'s'.repeat(5000)}`, rule_id: 'r'.repeat(200) };
    dispatcher.enqueue([{ alert: alert(hostile), storedAtMs: Date.now() }]);
    await waitFor(() => outbox.latest('al-esc', 2)[0]?.status === 'delivered', 5000, 'delivered');

    const [body] = bodiesAt('/services/T1/B1/escape') as { text: string; blocks: { type: string; fields?: { text: string }[]; text?: { text: string } }[] }[];
    expect(validSlackMessage(body), JSON.stringify(validSlackMessage.errors)).toBe(true);
    expect(body!.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(body!.blocks[0]?.text?.text.startsWith('Critical alert escalated: rrr')).toBe(true);
    expect(body!.blocks[2]?.fields?.[1]?.text).toBe('*Actor*\n&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt; (support_agent, support, active)');
    expect(JSON.stringify(body)).not.toMatch(/<!|<https/);
    expect(body!.text.endsWith('…')).toBe(true);
  });

  it('retries a 429 and a 500 with the identical message, and gives up on a 404 (channel_not_found) at once', async () => {
    receiver.script = (path, n) => (path === '/services/T1/B1/flaky' ? ([429, 500][n] ?? 200) : path === '/services/T1/B1/gone' ? 404 : 200);
    const flaky = slack('/services/T1/B1/flaky');
    const gone = slack('/services/T1/B1/gone');
    await Promise.all([flaky.dispatcher.start(), gone.dispatcher.start()]);
    flaky.dispatcher.enqueue([{ alert: alert({ alert_id: 'al-flaky' }), storedAtMs: Date.now() }]);
    gone.dispatcher.enqueue([{ alert: alert({ alert_id: 'al-gone' }), storedAtMs: Date.now() }]);

    await waitFor(() => flaky.outbox.latest('al-flaky')[0]?.status === 'delivered', 5000, 'delivered after retries');
    const flakyBodies = receiver.requests.filter((r) => r.path === '/services/T1/B1/flaky').map((r) => r.body);
    expect(flakyBodies).toHaveLength(3);
    expect(new Set(flakyBodies).size).toBe(1);
    expect(flaky.outbox.latest('al-flaky')[0]).toMatchObject({ status: 'delivered', attempts: 3, last_http_status: 200 });

    await waitFor(() => gone.outbox.latest('al-gone')[0]?.status === 'gave_up', 5000, 'gave up');
    expect(gone.outbox.latest('al-gone')[0]).toMatchObject({ attempts: 1, last_http_status: 404, last_error: 'http 404' });
    // The URL is the credential: stored state and logs show its origin only.
    expect(gone.outbox.rows.every((r) => r.endpoint_origin === receiver.origin)).toBe(true);
    expect(gone.log.text()).not.toContain('/services/');
  });

  it('does not receive closing revisions', () => {
    const [d] = destinationsOf([{ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x' }]);
    expect(d?.closings).toBe(false);
  });

  it('refuses plain http off this machine, unknown keys and a link template without {alert_id}, naming the key but not the value', () => {
    const http = configProblem({ kind: 'slack', url: 'http://hooks.slack.com/services/T/B/secret-token' });
    expect(http).toContain('alerts.destinations[0] (slack).url: must use https');
    expect(http).not.toContain('secret-token');
    expect(configProblem({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x', channel: '#soc' })).toMatch(/alerts\.destinations\[0\] \(slack\)\.\(entry\): Unrecognized key: "channel"/);
    expect(configProblem({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x', link_template: 'https://console.example.com/alerts' })).toContain('(slack).link_template: must contain {alert_id}');
    expect(configProblem({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x', link_template: 'javascript:alert({alert_id})' })).toContain('(slack).link_template: must be an http(s) URL');
    expect(configProblem({ kind: 'slack', url: 'http://127.0.0.1:9/services/T/B/x' })).toBe('');
  });
});
