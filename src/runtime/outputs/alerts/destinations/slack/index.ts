/**
 * Slack incoming webhook: each opening and escalation as a Block Kit
 * message (message.ts) POSTed to the webhook URL, which is itself the
 * credential: it is never logged or stored, only its origin.
 *
 *   alerts.destinations:
 *     - { kind: slack, url: https://hooks.slack.com/services/T000/B000/XXXX, min_severity: high,
 *         link_template: "https://console.example.com/alerts/{alert_id}" }
 *
 * Slack answers 200 `ok`; 429 (rate limited, with Retry-After) and 5xx are
 * retried; any other 4xx (invalid_payload, channel_not_found,
 * channel_is_archived, action_prohibited) will not change on a retry and is
 * given up at once (retry-policy.ts).
 */
import { z } from 'zod';
import type { DestinationKind } from '../../destination.js';
import { derivedDestinationId, destinationIdSchema, minSeveritySchema, secureUrlSchema, severitiesFrom } from '../../destination-config.js';
import { postJsonOnce } from '../../http-attempt.js';
import { webhookIdOf } from '../../payload.js';
import { slackMessage } from './message.js';

const ALERT_ID = '{alert_id}';

/** The link for an alert: the template with `{alert_id}` replaced (URL-encoded). */
export function alertLink(template: string, alertId: string): string {
  return template.split(ALERT_ID).join(encodeURIComponent(alertId));
}

const linkTemplateSchema = z
  .string()
  .refine((t) => t.includes(ALERT_ID), `must contain ${ALERT_ID}`)
  .refine((t) => {
    try {
      return /^https?:$/.test(new URL(alertLink(t, 'x')).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL once {alert_id} is filled in');

export const slackConfigSchema = z.strictObject({
  id: destinationIdSchema.optional(),
  /** The incoming-webhook URL (a secret). */
  url: secureUrlSchema,
  min_severity: minSeveritySchema,
  /** The "Open alert" button's target, e.g. the console's alert page; without it the message has no button. */
  link_template: linkTemplateSchema.optional(),
});

export const SLACK: DestinationKind<typeof slackConfigSchema> = {
  kind: 'slack',
  summary: 'Slack incoming webhook: a Block Kit message per opening and escalation',
  schema: slackConfigSchema,
  create(config, context) {
    const linkTemplate = config.link_template ?? null;
    return {
      id: config.id ?? derivedDestinationId('slack', config.url),
      label: new URL(config.url).origin,
      severities: severitiesFrom(config.min_severity),
      closings: false,
      prepare: ({ alert }) => ({
        id: webhookIdOf(alert),
        body: JSON.stringify(slackMessage(alert, linkTemplate === null ? null : alertLink(linkTemplate, alert.alert_id))),
      }),
      send: (message, attempt) => postJsonOnce(config.url, message.body, attempt, context),
    };
  },
};
