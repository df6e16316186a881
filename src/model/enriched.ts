import type { AccessEvent } from './event.js';

export const EMPLOYMENT_STATUSES = ['active', 'notice', 'leave', 'terminated'] as const;
export type EmploymentStatus = (typeof EMPLOYMENT_STATUSES)[number];

export const ACTOR_KINDS = ['human', 'service'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** What the actor directory says about an actor. Unknown actors get role `unknown`. */
export interface ActorProfile {
  readonly actor_id: string;
  /** false when the actor is not in the directory (role is then `unknown`). */
  readonly known: boolean;
  readonly role: string;
  readonly department: string;
  /** `unknown` only for actors missing from the directory. */
  readonly employment_status: EmploymentStatus | 'unknown';
  /** Unknown actors are treated as `human`: an unlisted account is more suspicious used by hand. */
  readonly kind: ActorKind;
  /** IANA time zone used for business hours, e.g. `Europe/Berlin`. */
  readonly timezone: string;
  /** Network zone names this actor may use; empty means "whatever the role allows". */
  readonly allowed_zones: readonly string[];
}

export interface NetworkContext {
  /** Name of the first zone whose CIDR list contains source_ip, or `unknown`. */
  readonly zone: string;
}

export interface LocalTimeContext {
  /** Hour of day 0-23 in the actor's time zone. */
  readonly hour: number;
  /** ISO weekday in the actor's time zone, 1 = Monday ... 7 = Sunday. */
  readonly weekday: number;
  readonly business_hours: boolean;
}

/** An access event with everything detection needs, resolved without I/O at evaluation time. */
export interface EnrichedEvent extends AccessEvent {
  readonly actor: ActorProfile;
  readonly network: NetworkContext;
  readonly local_time: LocalTimeContext;
  /** Sensitivity classes of the accessed fields (e.g. `contact`, `financial`), distinct. */
  readonly field_classes: readonly string[];
}
