/**
 * Look-alikes of the `allowed` scenario: ordinary work that resembles the
 * policy-allowed incidents and must stay quiet. Their events are the actor's
 * normal work (behaviour.ts), scaled where the kind says so, and tagged.
 *
 * - busy_day: one person's day at 2-3x their usual volume (same work, more of it).
 * - batch_growth: a nightly batch job growing 2-5 % a day over the whole period.
 * - new_hire_ramp: a new hire (support, finance or an analyst) ramping to peer norms over 6-14 workdays.
 * - larger_usual_report: an analyst's recurring report, 1.2-1.6x its usual size, at its usual weekday and hour.
 * - vacation_return: a person back from 7-12 days away, working a normal day (the benign twin of dormant_wakeup).
 */
import { dayBudget, normalDay } from './allowed-incidents.js';
import type { PlannedLookalike } from './incidents.js';
import type { Role, SimActor } from './org.js';
import { Rng } from './rng.js';
import { DAY, calendarDate, isoWeekday } from './time.js';
import type { LookalikeType } from './types.js';

export const ALLOWED_LOOKALIKE_WINDOW_MS: Record<Exclude<LookalikeType, 'new_hire_ramp' | 'monthly_batch_job' | 'ticketed_support_read' | 'analyst_usual_report'>, number> = {
  busy_day: DAY,
  batch_growth: DAY,
  larger_usual_report: DAY,
  vacation_return: DAY,
};

export interface AllowedLookalikeInput {
  readonly seed: number;
  readonly startMs: number;
  readonly days: number;
  readonly historyDays: number;
  readonly actors: SimActor[];
  readonly used: Set<string>;
  readonly isRegular: (a: SimActor) => boolean;
}

export function planAllowedLookalikes(input: AllowedLookalikeInput): PlannedLookalike[] {
  const { seed, startMs, days, historyDays, actors, used } = input;
  const rng = Rng.derive(seed, 'allowed-lookalike-plan');
  const out: PlannedLookalike[] = [];
  let n = 0;
  const add = (type: LookalikeType, actor: SimActor, ds: number[], description: string, factor?: number): void => {
    used.add(actor.actor_id);
    out.push({ id: `la-${String(++n).padStart(2, '0')}-${type}`, type, actor, days: ds, description, ...(factor !== undefined && { factor }) });
  };
  const regular = (roles: readonly Role[]): SimActor[] => actors.filter((a) => input.isRegular(a) && roles.includes(a.role));
  const evalWeekdays: number[] = [];
  for (let d = historyDays; d <= days - 2; d++) if (isoWeekday(calendarDate(startMs, d)) <= 5) evalWeekdays.push(d);
  if (evalWeekdays.length === 0) return out;
  const free = (a: SimActor, d: number): boolean => a.vacation === null || d < a.vacation.from - 1 || d > a.vacation.to + 1;

  // Look-alikes are ordinary work, so they stay within the role's daily budget (the policy audit checks it):
  // room is how many normal days fit in 80 % of the budget (the rest is the day's own variation).
  const busyRoom = (a: SimActor): number => (0.8 * dayBudget(a)) / normalDay(a);
  for (let i = 0; i < 2; i++) {
    const pool = regular(['support_agent', 'support_lead', 'finance_clerk']).filter((a) => busyRoom(a) >= 2);
    if (pool.length === 0) break;
    const a = rng.pick(pool);
    const d = rng.pick(evalWeekdays.filter((x) => free(a, x)).concat(evalWeekdays.slice(0, 1)));
    const factor = Math.min(rng.range(2, 3), busyRoom(a));
    a.forceWork.add(d);
    add('busy_day', a, [d], `${a.role}'s busy day: ${factor.toFixed(1)}× the usual volume of the same work`, factor);
  }

  const batch = actors.filter((a) => a.role === 'service_batch' && a.batchJob?.nightly && !a.batchJob.monthly && !used.has(a.actor_id));
  if (batch.length > 0) {
    const a = rng.pick(batch);
    const growth = rng.range(0.02, 0.05);
    const ds: number[] = [];
    for (let d = historyDays; d < days; d++) ds.push(d);
    add('batch_growth', a, ds, `${a.actor_id}'s nightly job grows ${(growth * 100).toFixed(1)} % a day over the whole period`, growth);
  }

  for (let i = 0; i < 2; i++) {
    const pool = regular(['support_agent', 'finance_clerk', 'marketing_analyst', 'data_analyst']);
    if (pool.length === 0) break;
    const a = rng.pick(pool);
    a.activeFromDay = evalWeekdays[Math.min(evalWeekdays.length - 1, rng.int(0, 2))] as number;
    a.rampWorkdays = rng.int(6, 14);
    a.vacation = null;
    const ds: number[] = [];
    for (let d = a.activeFromDay; d < Math.min(days, a.activeFromDay + Math.ceil(a.rampWorkdays * 1.4)); d++) ds.push(d);
    add('new_hire_ramp', a, ds, `new ${a.role} from day ${a.activeFromDay}, ramping from 30 % to full peer volume over ${a.rampWorkdays} workdays`);
  }

  // The report's day holds the analyst's ad-hoc requests too (up to 1.6 normal days, as for incidents).
  const reportRoom = (a: SimActor): number => (0.8 * dayBudget(a) - 1.6 * normalDay(a)) / a.weeklyReportSize;
  for (let i = 0; i < 2; i++) {
    const pool = regular(['data_analyst', 'marketing_analyst']).filter((a) => reportRoom(a) >= 1.2);
    if (pool.length === 0) break;
    const a = rng.pick(pool);
    const d = evalWeekdays.find((x) => isoWeekday(calendarDate(startMs, x)) === a.reportWeekday);
    if (d === undefined) continue;
    const factor = Math.min(rng.range(1.2, 1.6), reportRoom(a));
    // "Usual": the report ran every week of the history, so the analyst is at work on those days.
    a.vacation = null;
    for (let x = d; x >= 0; x -= 7) a.forceWork.add(x);
    add('larger_usual_report', a, [d], `${a.role}'s weekly report at its usual slot, ${factor.toFixed(2)}× its usual ≈${a.weeklyReportSize} customers`, factor);
  }

  for (let i = 0; i < 2; i++) {
    const pool = regular(['support_agent', 'finance_clerk', 'marketing_analyst', 'data_analyst', 'engineer']);
    if (pool.length === 0) break;
    const a = rng.pick(pool);
    const d = rng.pick(evalWeekdays);
    const away = rng.int(7, 12);
    a.vacation = { from: d - away, to: d - 1 };
    a.forceWork.add(d);
    add('vacation_return', a, [d], `${a.role} back from ${away} days away, an ordinary day`);
  }
  return out;
}
