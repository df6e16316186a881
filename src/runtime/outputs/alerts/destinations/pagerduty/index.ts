/**
 * PagerDuty Events API v2: openings and escalations trigger (or add to) the
 * PagerDuty alert keyed by the custos alert id, and the closing revision
 * resolves it, so this destination receives closing revisions too
 * (`closings: true`). The routing key is a secret: it travels only in the
 * request body, never in logs or stored state.
 *
 *   alerts.destinations:
 *     - { kind: pagerduty, routing_key: <32-character integration key>, min_severity: high }
 *
 * PagerDuty answers 202; 429 (throttled) and 5xx are retried; 400 (an event
 * it will never accept) is given up at once (retry-policy.ts).
 */
import { z } from 'zod';
import type { DestinationKind } from '../../destination.js';
import { derivedDestinationId, destinationIdSchema, minSeveritySchema, secureUrlSchema, severitiesFrom } from '../../destination-config.js';
import { postJsonOnce } from '../../http-attempt.js';
import { webhookIdOf } from '../../payload.js';
import { pagerDutyEvent } from './event.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const pagerDutyConfigSchema = z.strictObject({
  id: destinationIdSchema.optional(),
  /** The Events API v2 integration key of the service (a secret). */
  routing_key: z.string().regex(/^[A-Za-z0-9]{32}$/, 'must be the 32-character integration key of an Events API v2 integration'),
  /** Another Events API endpoint (EU service region, a relay, tests). */
  url: secureUrlSchema.default(PAGERDUTY_EVENTS_URL),
  min_severity: minSeveritySchema,
});

export const PAGERDUTY: DestinationKind<typeof pagerDutyConfigSchema> = {
  kind: 'pagerduty',
  summary: 'PagerDuty Events API v2: trigger per opening and escalation, resolve at closing, dedup key = alert id',
  schema: pagerDutyConfigSchema,
  create(config, context) {
    return {
      id: config.id ?? derivedDestinationId('pagerduty', config.url, config.routing_key),
      label: new URL(config.url).origin,
      severities: severitiesFrom(config.min_severity),
      closings: true,
      prepare: ({ alert, storedAtMs }) => ({ id: webhookIdOf(alert), body: JSON.stringify(pagerDutyEvent(alert, storedAtMs, config.routing_key)) }),
      send: (message, attempt) => postJsonOnce(config.url, message.body, attempt, context),
    };
  },
};
