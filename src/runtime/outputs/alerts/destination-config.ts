/**
 * Config pieces every destination kind shares, so that each kind's schema
 * states only what is its own: the id of its delivery state, its minimum
 * severity, and URLs that carry a secret. Messages never echo a value
 * (entries hold URLs and keys).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../../../model/alert.js';

export const DESTINATION_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Stable id of a destination's delivery state; changing it re-sends what is owed. */
export const destinationIdSchema = z.string().regex(DESTINATION_ID, 'must match [A-Za-z0-9_.-]{1,64}');

/** Least severity a destination receives; default everything. */
export const minSeveritySchema = z.enum(SEVERITIES).default('info');

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * An https URL, or http to this machine (a local relay, a test receiver): a
 * URL that is itself the credential (Slack) or travels with one (PagerDuty's
 * routing key in the body) never crosses a network in clear.
 */
export const secureUrlSchema = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).refine((text) => {
  const url = new URL(text);
  return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
}, 'must use https (http only to 127.0.0.1, ::1 or localhost)');

/** The severities from `min` up. */
export function severitiesFrom(min: Severity): readonly Severity[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(min));
}

/**
 * A default id from what identifies the destination (a URL, a topic, a file
 * path), hashed: stable while those stay the same, and safe to store even
 * when they hold a token.
 */
export function derivedDestinationId(kind: string, ...identity: readonly string[]): string {
  return `${kind}_${createHash('sha256').update(identity.join('\u0000')).digest('hex').slice(0, 12)}`;
}
