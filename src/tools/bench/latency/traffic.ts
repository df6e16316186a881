/**
 * What the latency benchmark sends. Background: support agents working tickets
 * in the support console from the office, each re-reading a small pool of
 * their own customers, so that no shipped rule has a reason to alert however
 * fast the traffic runs (no new customers after the first reads, every
 * request inside the role's grants, zone and limits). Incidents: events the
 * shipped policy rules judge on their own, at once: an account the directory
 * marks terminated reading a customer, and an account missing from the
 * directory reading one. Each incident has its own actor, so each opens its
 * own alert. Deterministic, so it is unit-tested against the contract.
 */
import { DIRECTORY_HEADER } from '../../sim/org.js';
import type { WireEvent } from '../../sim/wire.js';

/** Actor ids of incidents start with this; nothing else does. */
export const INCIDENT_PREFIX = 'lat-inc-';
const BACKGROUND_PREFIX = 'lat-bg-';
const POOL = 3;

export type IncidentKind = 'terminated' | 'unknown_actor';

export const incidentActor = (index: number): string => `${INCIDENT_PREFIX}${String(index).padStart(5, '0')}`;
const backgroundActor = (k: number): string => `${BACKGROUND_PREFIX}${String(k).padStart(5, '0')}`;

/** Every other incident is of the other kind: at most half of them fall to one rule's alert-storm guard. */
export const incidentKind = (index: number): IncidentKind => (index % 2 === 0 ? 'terminated' : 'unknown_actor');

/** Background actors, and the terminated incident actors (unknown-actor incidents are, by design, absent). */
export function directoryCsv(backgroundActors: number, incidents: number): string {
  const lines = [DIRECTORY_HEADER];
  for (let k = 0; k < backgroundActors; k++) lines.push(`${backgroundActor(k)},support_agent,customer_care,active,UTC,human,office`);
  for (let i = 0; i < incidents; i++) {
    if (incidentKind(i) === 'terminated') lines.push(`${incidentActor(i)},support_agent,customer_care,terminated,UTC,human,office`);
  }
  return `${lines.join('\n')}\n`;
}

const customer = (n: number): string => `c-${String(n % 1_000_000).padStart(6, '0')}`;

export class BackgroundTraffic {
  private n = 0;

  constructor(
    private readonly actors: number,
    private readonly runTag: string,
  ) {
    if (!Number.isInteger(actors) || actors < 1) throw new RangeError(`background actors must be a positive integer, got ${actors}`);
  }

  /** The next background event, dated `tsMs`: actors in turn, 1 to 3 of the actor's own customers. */
  next(tsMs: number): WireEvent {
    const i = this.n++;
    const k = i % this.actors;
    const round = Math.floor(i / this.actors);
    const ids = 1 + (round % POOL);
    const record_ids = Array.from({ length: ids }, (_, j) => customer(k * POOL + ((round + j) % POOL)));
    return {
      event_id: `${this.runTag}-bg-${i}`,
      ts: tsMs,
      actor_id: backgroundActor(k),
      action: 'read',
      resource_type: 'customer',
      fields: ['name', 'email'],
      outcome: 'success',
      record_ids,
      channel: 'support_console',
      source_ip: `10.10.${(k >> 8) & 255}.${k & 255}`,
      ticket_id: `T-${k}`,
    };
  }
}

/** The incident event of slot `index`, dated `tsMs`. */
export function incidentEvent(index: number, tsMs: number, runTag: string): WireEvent {
  return {
    event_id: `${runTag}-inc-${index}`,
    ts: tsMs,
    actor_id: incidentActor(index),
    action: 'read',
    resource_type: 'customer',
    fields: ['name', 'email'],
    outcome: 'success',
    record_ids: [customer(900_000 + index)],
    channel: 'support_console',
    source_ip: '10.10.250.1',
    ticket_id: `T-inc-${index}`,
  };
}
