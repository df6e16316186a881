/**
 * Request headers of one attempt. The signature is computed per attempt,
 * because it covers `webhook-timestamp` and receivers reject timestamps older
 * than a few minutes (Standard Webhooks: 5); id and body stay the same.
 */
import { Webhook } from 'standardwebhooks';

export interface Signer {
  /** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
  sign(webhookId: string, at: Date, body: string): string;
}

/** null when no secret is configured: messages go unsigned. Throws (without echoing it) on a malformed secret. */
export function createSigner(secret: string | null): Signer | null {
  if (!secret) return null;
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    throw new RangeError('webhook secret is not a valid Standard Webhooks secret (whsec_<base64>)');
  }
  return { sign: (id, at, body) => webhook.sign(id, at, body) };
}

export function deliveryHeaders(webhookId: string, body: string, at: Date, signer: Signer | null, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  };
  if (signer) headers['webhook-signature'] = signer.sign(webhookId, at, body);
  return headers;
}
