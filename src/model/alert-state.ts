/**
 * The engine's state of one alert, as stored with every revision
 * (`alerts.state`): a contract of its own, apart from the human-facing
 * `explanation`, typed, validated on the way back in, and versioned. A
 * restarted engine (or the new owner of a partition) continues the alert
 * exactly where the revision left it. The engine converts its open alerts to
 * and from it (src/runtime/engine/alerts/alert-state.ts).
 *
 * Window figures (`windows`) are what the alert shows for each window of a
 * rate finding at its peak; they are only ever rendered, never judged again,
 * so they are kept as the plain data they are. Infinite limits (no verdict
 * possible yet) travel as null, since JSON has no Infinity.
 */
import { z } from 'zod';
import { BASELINE_SOURCES, RULE_KINDS } from './alert.js';

export const ALERT_STATE_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'a finite number');
const names = z.array(z.string());

const windowFigureSchema = z.object({
  label: z.string(),
  horizonMs: finite,
  observed: finite,
  // Rendered only: kept as the engine computed it (limit null = no verdict, Infinity in memory).
  decision: z.record(z.string(), z.unknown()),
});

const findingSchema = z.object({
  ruleId: z.string(),
  ruleVersion: z.string(),
  kind: z.enum(RULE_KINDS),
  order: z.number().int().nonnegative(),
  severity: z.number().int().nonnegative(),
  tier: z.number().int().positive(),
  eventCount: z.number().int().nonnegative(),
  firstTs: finite,
  lastTs: finite,
  windowStart: finite,
  windowLabel: z.string(),
  observed: finite,
  baseline: finite.nullable(),
  baselineSource: z.enum(BASELINE_SOURCES).nullable(),
  score: finite.nullable(),
  limit: finite.nullable(),
  peakRatio: finite,
  holdMs: finite,
  totalRecords: finite,
  windows: z.array(windowFigureSchema),
  /** A score finding's signals and facts (absent in states written before risk scores). */
  contributions: z
    .array(z.object({ ruleId: z.string().nullable(), label: z.string(), points: finite, window: z.number().int().nonnegative().nullable() }))
    .default([]),
  reasons: names,
  raises: z.array(z.tuple([z.string(), z.number().int()])),
});

export const alertStateSchema = z.object({
  v: z.literal(ALERT_STATE_VERSION),
  alertId: z.string(),
  actorId: z.string(),
  revision: z.number().int().positive(),
  closed: z.boolean(),
  severity: z.number().int().nonnegative(),
  tier: z.number().int().positive(),
  eventCount: z.number().int().nonnegative(),
  suppressed: z.number().int().nonnegative(),
  firings: z.number().int().nonnegative(),
  firstTs: finite,
  lastTs: finite,
  windowStart: finite,
  windowEnd: finite,
  totalRecords: finite,
  maxRecords: finite,
  eventIds: names,
  findings: z.array(findingSchema),
  actions: z.array(z.tuple([z.string(), finite])),
  resourceTypes: names,
  channels: names,
  zones: names,
  fieldClasses: names,
  firstSeen: z.object({ resource_types: names, channels: names, zones: names }),
  outsideBusinessHours: z.boolean(),
  employmentStatus: z.string(),
  actorRole: z.string(),
  actorDepartment: z.string(),
  combinationRaise: z.number().int().nonnegative(),
});

export type AlertState = z.infer<typeof alertStateSchema>;

/** Parses a stored state (JSON text); null when it is absent, of another version, or invalid. */
export function parseAlertState(text: string): AlertState | null {
  if (text === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = alertStateSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
