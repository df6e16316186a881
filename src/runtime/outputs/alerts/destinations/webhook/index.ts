/**
 * Standard Webhooks (https://www.standardwebhooks.com): a POST of the alert
 * as JSON (`{type, timestamp, data}`, payload.ts), with `webhook-id`,
 * `webhook-timestamp` and, with a secret, `webhook-signature` (HMAC-SHA256,
 * computed per attempt because it covers the timestamp).
 *
 *   alerts.destinations:
 *     - { kind: webhook, url: https://soc.example.com/hooks/custos, secret: whsec_..., min_severity: medium }
 */
import { z } from 'zod';
import pino from 'pino';
import type { DestinationContext, DestinationKind } from '../../destination.js';
import { destinationIdSchema, minSeveritySchema } from '../../destination-config.js';
import { postOnce } from '../../http-attempt.js';
import { alertPayloadBody, webhookIdOf } from '../../payload.js';
import { resolveEndpoint } from './endpoint.js';
import { createSigner, deliveryHeaders } from './signing.js';

const silentLogger = pino({ level: 'silent' });

export const webhookConfigSchema = z.strictObject({
  /** Stable id of its delivery state; default derived from the URL's origin and path. */
  id: destinationIdSchema.optional(),
  url: z.url({ protocol: /^https?$/ }),
  /** Standard Webhooks secret (`whsec_<base64>`); absent: unsigned. */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must be whsec_ followed by base64').optional(),
  min_severity: minSeveritySchema,
});

export const WEBHOOK: DestinationKind<typeof webhookConfigSchema> = {
  kind: 'webhook',
  summary: 'Standard Webhooks: the alert as signed JSON, POSTed to a URL',
  schema: webhookConfigSchema,
  create(config, context) {
    const endpoint = resolveEndpoint({ url: config.url, secret: config.secret ?? null, minSeverity: config.min_severity, ...(config.id ? { id: config.id } : {}) });
    const signer = createSigner(endpoint.secret);
    return {
      id: endpoint.id,
      label: endpoint.origin,
      severities: endpoint.severities,
      closings: false,
      prepare: (n) => ({ id: webhookIdOf(n.alert), body: alertPayloadBody(n.alert, n.storedAtMs) }),
      send: (message, attempt) =>
        postOnce(
          {
            url: endpoint.url,
            headers: deliveryHeaders(message.id, message.body, attempt.now, signer, context.userAgent),
            body: message.body,
            timeoutMs: attempt.timeoutMs,
            cancel: attempt.cancel,
          },
          context.fetch,
          () => attempt.now.getTime(),
        ),
    };
  },
};

/** A webhook destination from code (tests, benchmarks): the same as a configured `{ kind: webhook, ... }` entry. */
export function webhookDestination(config: z.input<typeof webhookConfigSchema>, context: Pick<DestinationContext, 'fetch' | 'userAgent'>) {
  return WEBHOOK.create(webhookConfigSchema.parse(config), { ...context, logger: silentLogger });
}
