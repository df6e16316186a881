/**
 * The rate measures rule files may name (`measure: ...`). A new measure is one
 * file here plus one entry in this list: its fields join the rate-rule
 * schema, its compile step runs in the loader, and the engine accumulates and
 * judges it like every other. (A measure whose windows judge against learned
 * baselines also needs its metric in the activity rows: baseline/bands.ts and
 * model/activity.ts.)
 */
import { customerDays } from './customer-days.js';
import { dayTrend } from './day-trend.js';
import { distinctCustomers } from './distinct-customers.js';
import { eventCount } from './events.js';
import type { RateMeasurePart } from './rate-measure.js';

export const RATE_MEASURES: readonly RateMeasurePart[] = [distinctCustomers, eventCount, customerDays, dayTrend];

export const MEASURE_NAMES = RATE_MEASURES.map((m) => m.name) as [string, ...string[]];

/** Every measure's own fields, for the rate-rule schema. */
export const MEASURE_FIELDS = Object.assign({}, ...RATE_MEASURES.map((m) => m.fields)) as Record<string, RateMeasurePart['fields'][string]>;

export function measureNamed(name: string): RateMeasurePart | undefined {
  return RATE_MEASURES.find((m) => m.name === name);
}

export type { CompiledMeasure, MeasureRuntime, MeasureState, RateMeasurePart, WindowDays, WindowLayout } from './rate-measure.js';
