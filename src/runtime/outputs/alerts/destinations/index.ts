/**
 * Every kind of alert destination, in one list: the configuration
 * (`alerts.destinations`, each entry `{ kind, ... }`) is validated against
 * these, and the dispatcher builds one Destination per entry. A new kind is a
 * folder beside these and one line here.
 */
import type { DestinationKind } from '../destination.js';
import { OCSF } from './ocsf/index.js';
import { PAGERDUTY } from './pagerduty/index.js';
import { SLACK } from './slack/index.js';
import { WEBHOOK } from './webhook/index.js';

export const DESTINATION_KINDS: readonly DestinationKind[] = [WEBHOOK, SLACK, PAGERDUTY, OCSF];
