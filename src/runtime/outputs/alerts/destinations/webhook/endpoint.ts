/**
 * A webhook endpoint as the dispatcher uses it: a stable id (the key of its
 * delivery state), the URL, an optional signing secret, and the origin that
 * is all logs and stored state may show of the URL.
 */
import { createHash } from 'node:crypto';
import type { Severity } from '../../../../../model/alert.js';
import { DESTINATION_ID, severitiesFrom } from '../../destination-config.js';

export interface WebhookEndpointConfig {
  /** Stable id, `[A-Za-z0-9_.-]{1,64}`; defaults to one derived from the URL's origin and path. */
  readonly id?: string;
  /** http(s) URL; its path and query may hold tokens, so it is never logged or stored. */
  readonly url: string;
  /** Standard Webhooks secret (`whsec_<base64>`); absent or empty sends unsigned. */
  readonly secret?: string | null;
  /** Least severity delivered to this endpoint; default `info` (everything). */
  readonly minSeverity?: Severity;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  /** `scheme://host[:port]`: safe to log and store. */
  readonly origin: string;
  readonly secret: string | null;
  readonly severities: readonly Severity[];
}

/**
 * Derived from origin and path, not the query: rotating a token in the query
 * keeps the id (and so the delivery history). Changing host or path makes a
 * new endpoint, to which undelivered notifications within the outbox look-back
 * are sent.
 */
export function endpointIdFromUrl(url: string): string {
  const u = new URL(url);
  return 'ep_' + createHash('sha256').update(`${u.origin}${u.pathname}`).digest('hex').slice(0, 12);
}

export function resolveEndpoint(config: WebhookEndpointConfig): WebhookEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(config.url);
  } catch {
    throw new RangeError('webhook endpoint URL is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`webhook endpoint ${parsed.origin} must use http or https`);
  const id = config.id ?? endpointIdFromUrl(config.url);
  if (!DESTINATION_ID.test(id)) throw new RangeError('webhook endpoint id must match [A-Za-z0-9_.-]{1,64}');
  return {
    id,
    url: config.url,
    origin: parsed.origin,
    secret: config.secret ? config.secret : null,
    severities: severitiesFrom(config.minSeverity ?? 'info'),
  };
}

/** The configuration the lead's settings provide today: a list of URLs sharing one secret. */
export function endpointsFromUrls(urls: readonly string[], secret: string | null): WebhookEndpointConfig[] {
  return urls.map((url) => ({ url, secret }));
}
