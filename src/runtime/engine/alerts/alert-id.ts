/**
 * Deterministic alert ids: a hash of the actor and the event that opened the
 * alert (an actor has one open alert at a time, whatever rules fire). A
 * redelivered batch, a backtest or a restarted engine that re-opens the same
 * alert reproduce the same id, so sinks deduplicate by it.
 */
import { createHash } from 'node:crypto';

export function alertIdFor(actorId: string, openingEventId: string): string {
  const digest = createHash('sha256').update(`actor\u0000${actorId}\u0000${openingEventId}`, 'utf8').digest('hex');
  return `al-${digest.slice(0, 32)}`;
}
