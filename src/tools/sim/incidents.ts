/**
 * Labeled incidents and look-alikes: planning (which actor, when) and, for
 * incidents, the events they produce. Look-alike events are part of the actor's
 * normal work (see behaviour.ts) and are only tagged.
 */
import { meanHourlyDistinct, rampEndDay, ticketId } from './behaviour.js';
import type { CustomerPool } from './customers.js';
import type { Role, SimActor } from './org.js';
import { Rng } from './rng.js';
import { type CalendarDate, DAY, HOUR, MINUTE, calendarDate, isoWeekday, localParts, localTime } from './time.js';
import {
  ALLOWED_ELIGIBLE_ROLES,
  ALLOWED_WINDOW_MS,
  allowedActorFits,
  allowedActorHasRoom,
  allowedStartDays,
  generateAllowedIncident,
  planAllowedIncident,
} from './allowed-incidents.js';
import { ALLOWED_LOOKALIKE_WINDOW_MS, planAllowedLookalikes } from './allowed-lookalikes.js';
import {
  ALLOWED_INCIDENT_TYPES,
  INCIDENT_TYPES,
  type IncidentScenario,
  type IncidentSpec,
  type ClassicIncidentType,
  type IncidentType,
  type LookalikeType,
  type SimEvent,
  isAllowedIncidentType,
} from './types.js';
import type { WireChannel, WireResourceType } from './wire.js';

/** Window within which each incident type is expected to be detected (matches the engine's windows). */
export const INCIDENT_WINDOW_MS: Record<IncidentType, number> = {
  bulk_export_forbidden_role: 5 * MINUTE,
  terminated_access: 5 * MINUTE,
  burst_over_baseline: HOUR,
  offhours_unknown_network: HOUR,
  slow_scrape: 24 * HOUR,
  ...ALLOWED_WINDOW_MS,
};

export const LOOKALIKE_WINDOW_MS: Record<LookalikeType, number> = {
  new_hire_ramp: 0,
  monthly_batch_job: 24 * HOUR,
  ticketed_support_read: HOUR,
  analyst_usual_report: 24 * HOUR,
  ...ALLOWED_LOOKALIKE_WINDOW_MS,
};

export interface PlannedIncident {
  readonly id: string;
  readonly type: IncidentType;
  readonly actor: SimActor;
  readonly startMs: number;
  readonly intensity: number;
  /** Policy-allowed multi-day kinds: the days they work on (the first is the start's). */
  readonly workDays: readonly number[];
}

export interface PlannedLookalike {
  readonly id: string;
  readonly type: LookalikeType;
  readonly actor: SimActor;
  /** Simulated days (0-based) the look-alike covers. */
  readonly days: readonly number[];
  readonly description: string;
  /** Volume factor of the day (busy day, larger report) or daily growth (batch job). */
  readonly factor?: number;
}

export interface Plan {
  readonly incidents: readonly PlannedIncident[];
  readonly lookalikes: readonly PlannedLookalike[];
}

export interface PlanInput {
  readonly seed: number;
  readonly startMs: number;
  readonly days: number;
  readonly historyDays: number;
  readonly actors: SimActor[];
  readonly incidents: IncidentScenario;
  readonly lookalikes: boolean;
}

const SUPPORT: readonly Role[] = ['support_agent'];
const ELIGIBLE_ROLES: Record<IncidentType, readonly Role[]> = {
  bulk_export_forbidden_role: SUPPORT,
  slow_scrape: SUPPORT,
  terminated_access: ['support_agent', 'support_lead', 'marketing_analyst', 'finance_clerk', 'data_analyst', 'engineer'],
  burst_over_baseline: ['support_agent', 'finance_clerk'],
  offhours_unknown_network: ['support_agent', 'marketing_analyst', 'finance_clerk', 'data_analyst'],
  ...ALLOWED_ELIGIBLE_ROLES,
};

/** Default scenario: two incidents of each type, spread over the evaluation period. */
export function defaultIncidentSpecs(): IncidentSpec[] {
  const out: IncidentSpec[] = [];
  for (let round = 0; round < 2; round++) for (const type of INCIDENT_TYPES) out.push({ type });
  return out;
}

/** The `allowed` scenario: two incidents of each policy-allowed kind. */
export function allowedIncidentSpecs(): IncidentSpec[] {
  const out: IncidentSpec[] = [];
  for (let round = 0; round < 2; round++) for (const type of ALLOWED_INCIDENT_TYPES) out.push({ type });
  return out;
}

function toMs(v: string | number): number {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new Error(`invalid incident start: ${String(v)}`);
  return ms;
}

/** Regular worker with traffic over the whole period, not used by another label. */
function isRegular(a: SimActor, used: Set<string>): boolean {
  return (
    a.kind === 'human' &&
    a.employment_status === 'active' &&
    a.activeFromDay === 0 &&
    a.rampWorkdays === 0 &&
    !used.has(a.actor_id)
  );
}

function mayUseVpn(a: SimActor): boolean {
  return a.vpnShare > 0 && (a.allowed_zones.length === 0 || a.allowed_zones.includes('vpn'));
}

function onVacation(a: SimActor, from: number, to: number): boolean {
  return a.vacation !== null && a.vacation.from <= to && a.vacation.to >= from;
}

/** Plans incidents and look-alikes. May turn a silent human into a terminated one if more are needed. */
export function planScenario(input: PlanInput): Plan {
  const { seed, startMs, days, historyDays, actors } = input;
  const rng = Rng.derive(seed, 'plan');
  const used = new Set<string>();
  const lastIncidentDay = days - 3;
  const evalDays: number[] = [];
  for (let d = historyDays; d <= lastIncidentDay; d++) evalDays.push(d);
  const weekdays = (from: number, to: number): number[] => {
    const out: number[] = [];
    for (let d = from; d <= to; d++) if (isoWeekday(calendarDate(startMs, d)) <= 5) out.push(d);
    return out;
  };
  const evalWeekdays = weekdays(historyDays, lastIncidentDay);

  const specs =
    input.incidents === 'default'
      ? defaultIncidentSpecs()
      : input.incidents === 'allowed'
        ? allowedIncidentSpecs()
        : input.incidents === 'none'
          ? []
          : input.incidents;
  if (specs.length > 0 && evalDays.length === 0) {
    throw new Error(`no evaluation days: days (${days}) must exceed history days (${historyDays}) + 2`);
  }
  // Spread default incidents over the evaluation period in a shuffled order.
  const dayOrder = rng.shuffle([...evalWeekdays.length > 0 ? evalWeekdays : evalDays]);
  let dayCursor = 0;
  const nextDay = (): number => {
    const d = dayOrder[dayCursor % dayOrder.length] as number;
    dayCursor++;
    return d;
  };

  const pickActor = (type: IncidentType, requested: string | undefined, day: number): SimActor => {
    if (requested !== undefined) {
      const a = actors.find((x) => x.actor_id === requested);
      if (!a) throw new Error(`incident ${type}: unknown actor ${requested}`);
      if (!ELIGIBLE_ROLES[type].includes(a.role)) {
        throw new Error(`incident ${type}: actor ${requested} has role ${a.role}, expected one of ${ELIGIBLE_ROLES[type].join(', ')}`);
      }
      if (type === 'terminated_access' && a.employment_status !== 'terminated') {
        a.employment_status = 'terminated';
        a.activeFromDay = Number.POSITIVE_INFINITY;
      }
      return a;
    }
    if (type === 'terminated_access') {
      const silent = actors.filter(
        (a) => a.employment_status === 'terminated' && ELIGIBLE_ROLES[type].includes(a.role) && !used.has(a.actor_id),
      );
      if (silent.length > 0) return rng.pick(silent);
      // Need another leaver: an employee who left before the simulated period.
      const pool = actors.filter((a) => isRegular(a, used) && ELIGIBLE_ROLES[type].includes(a.role));
      const a = rng.pick(pool);
      a.employment_status = 'terminated';
      a.activeFromDay = Number.POSITIVE_INFINITY;
      a.vacation = null;
      return a;
    }
    const pool = actors.filter(
      (a) =>
        isRegular(a, used) &&
        ELIGIBLE_ROLES[type].includes(a.role) &&
        !onVacation(a, day - 1, day + 1) &&
        // The scraper comes in over the VPN: only the volume may be abnormal, not the zone.
        (type !== 'slow_scrape' || mayUseVpn(a)),
    );
    if (pool.length === 0) throw new Error(`incident ${type}: no eligible actor left (increase actors)`);
    return rng.pick(pool);
  };

  const incidents: PlannedIncident[] = [];
  specs.forEach((spec, i) => {
    const id = `inc-${String(i + 1).padStart(2, '0')}-${spec.type}`;
    const irng = Rng.derive(seed, 'incident-plan', i);
    if (isAllowedIncidentType(spec.type)) {
      const type = spec.type;
      const ctx = { startMs, days, historyDays };
      const candidates = allowedStartDays(type, ctx);
      if (candidates.length === 0) throw new Error(`incident ${type}: no suitable day in the evaluation period`);
      const day = spec.start !== undefined ? Math.floor((toMs(spec.start) - startMs) / DAY) : irng.pick(candidates);
      let actor: SimActor;
      if (spec.actor_id !== undefined) actor = pickActor(type, spec.actor_id, day);
      else {
        const pool = actors.filter(
          (a) => isRegular(a, used) && ELIGIBLE_ROLES[type].includes(a.role) && allowedActorFits(type, a) && !onVacation(a, day - 1, day + 12),
        );
        if (pool.length === 0) throw new Error(`incident ${type}: no eligible actor left (increase actors)`);
        actor = irng.pick(pool);
        // Drawn again while the pick's budget has no room for the incident (allowedActorHasRoom).
        for (let tries = 0; !allowedActorHasRoom(type, actor); tries++) {
          if (tries === 100) throw new Error(`incident ${type}: no eligible actor has room in their budget for it (increase actors)`);
          actor = irng.pick(pool);
        }
      }
      used.add(actor.actor_id);
      const decision = planAllowedIncident(type, actor, day, ctx, irng);
      const incStart = spec.start !== undefined ? toMs(spec.start) : decision.startMs;
      for (const d of decision.workDays) actor.forceWork.add(d);
      incidents.push({ id, type, actor, startMs: incStart, intensity: spec.intensity ?? 1, workDays: decision.workDays });
      return;
    }
    const anyDay = spec.type === 'offhours_unknown_network' || spec.type === 'terminated_access';
    const day =
      spec.start !== undefined
        ? Math.floor((toMs(spec.start) - startMs) / DAY)
        : anyDay
          ? (evalDays[irng.int(0, evalDays.length - 1)] as number)
          : nextDay();
    const actor = pickActor(spec.type, spec.actor_id, day);
    used.add(actor.actor_id);
    const incStart =
      spec.start !== undefined ? toMs(spec.start) : incidentStart(spec.type, actor, calendarDate(startMs, day), irng);
    const localDay = dayIndexOf(incStart, actor.timezone, startMs);
    // Incidents that ride on a working day keep the actor at work that day.
    if (spec.type === 'bulk_export_forbidden_role' || spec.type === 'burst_over_baseline' || spec.type === 'slow_scrape') {
      actor.forceWork.add(localDay);
      if (spec.type === 'slow_scrape') actor.forceWork.add(localDay + 1);
    }
    incidents.push({ id, type: spec.type, actor, startMs: incStart, intensity: spec.intensity ?? 1, workDays: [] });
  });

  const lookalikes: PlannedLookalike[] = [];
  if (input.lookalikes && input.incidents === 'allowed') {
    lookalikes.push(...planAllowedLookalikes({ seed, startMs, days, historyDays, actors, used, isRegular: (a) => isRegular(a, used) }));
  } else if (input.lookalikes) {
    let n = 0;
    const add = (type: LookalikeType, actor: SimActor, ds: number[], description: string): void => {
      const id = `la-${String(++n).padStart(2, '0')}-${type}`;
      used.add(actor.actor_id);
      lookalikes.push({ id, type, actor, days: ds, description });
    };
    const lrng = Rng.derive(seed, 'lookalike-plan');
    const regular = (roles: readonly Role[]): SimActor[] =>
      actors.filter((a) => isRegular(a, used) && roles.includes(a.role));

    // New hire ramping up within peer norms, hired at the start of the evaluation period.
    const hires = Math.max(1, Math.min(2, Math.floor(actors.length / 150)));
    for (let i = 0; i < hires; i++) {
      const pool = regular(['support_agent']);
      if (pool.length === 0 || evalWeekdays.length === 0) break;
      const a = lrng.pick(pool);
      a.activeFromDay = evalWeekdays[Math.min(evalWeekdays.length - 1, i * 2)] as number;
      a.rampWorkdays = 10;
      a.vacation = null;
      const ds: number[] = [];
      for (let d = a.activeFromDay; d < Math.min(days, rampEndDay(a)); d++) ds.push(d);
      add('new_hire_ramp', a, ds, `new support agent from day ${a.activeFromDay}, ramping from 30 % to full peer volume over ${a.rampWorkdays} workdays`);
    }

    // The monthly statements run on the 1st of a month inside the evaluation period.
    const monthly = actors.find((a) => a.role === 'service_batch' && a.batchJob?.monthly && !used.has(a.actor_id));
    if (monthly?.batchJob?.monthly) {
      for (let d = historyDays; d < days; d++) {
        if (calendarDate(startMs, d).day === monthly.batchJob.monthly.dayOfMonth) {
          add('monthly_batch_job', monthly, [d], `${monthly.actor_id} monthly run over all active customers (≈150k), normal for this account`);
          break;
        }
      }
    }

    // A support agent on a difficult ticket: many reads of one customer.
    for (let i = 0; i < 2; i++) {
      const pool = regular(['support_agent']);
      if (pool.length === 0 || evalWeekdays.length === 0) break;
      const a = lrng.pick(pool);
      const d = lrng.pick(evalWeekdays.filter((x) => !onVacation(a, x, x)).concat(evalWeekdays.slice(0, 1)));
      a.forceWork.add(d);
      add('ticketed_support_read', a, [d], 'support agent reads one customer 25–40 times on one ticket within about an hour');
    }

    // A data analyst's usual weekly report (same weekday, same size as every week).
    for (let i = 0; i < 2; i++) {
      const pool = regular(['data_analyst']);
      if (pool.length === 0) break;
      const a = lrng.pick(pool);
      const d = evalDays.find((x) => isoWeekday(calendarDate(startMs, x)) === a.reportWeekday);
      if (d === undefined) continue;
      // "Usual": the same report ran every week of the history, so the analyst is at work on those days.
      a.vacation = null;
      for (let x = d; x >= 0; x -= 7) a.forceWork.add(x);
      add('analyst_usual_report', a, [d], `data analyst's weekly SQL report of ≈${a.weeklyReportSize} customers, as every week`);
    }
  }
  return { incidents, lookalikes };
}

/** Day index (0-based from the simulation start) of an instant's local date in a zone. */
export function dayIndexOf(ms: number, tz: string, startMs: number): number {
  const p = localParts(ms, tz);
  return Math.round((Date.UTC(p.year, p.month - 1, p.day) - startMs) / DAY);
}

/** A plausible start for the incident type on the given local date of the actor. */
function incidentStart(type: ClassicIncidentType, a: SimActor, d: CalendarDate, rng: Rng): number {
  switch (type) {
    case 'bulk_export_forbidden_role':
      return localTime(a.timezone, d, a.shiftStart + rng.range(1, 6));
    case 'slow_scrape':
      return localTime(a.timezone, d, a.shiftStart + rng.range(0, 0.5));
    case 'burst_over_baseline':
      return localTime(a.timezone, d, a.shiftStart + rng.range(1.5, 5.5));
    case 'terminated_access':
      return localTime(a.timezone, d, rng.bool(0.5) ? rng.range(9, 16) : rng.range(18, 22.5));
    case 'offhours_unknown_network':
      return localTime(a.timezone, d, rng.range(0.5, 4.5));
  }
}

// ---------------------------------------------------------------------------
// Incident events

export interface IncidentContext {
  readonly seed: number;
  readonly customers: CustomerPool;
  /** Start of the simulated period (epoch ms). */
  readonly startMs: number;
}

const CUSTOMER_FIELDS = ['name', 'email', 'phone', 'address'];

function unknownIp(rng: Rng): string {
  // Documentation ranges (RFC 5737): never a real host, and outside every configured zone.
  const net = rng.pick(['203.0.113', '198.51.100', '192.0.2']);
  return `${net}.${rng.int(1, 254)}`;
}

function vpnIp(rng: Rng): string {
  return `10.20.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export interface IncidentOutput {
  readonly events: SimEvent[];
  readonly description: string;
}

/** Generates the events of one planned incident (sorted by ts). */
export function generateIncident(ctx: IncidentContext, inc: PlannedIncident): IncidentOutput {
  const type = inc.type;
  if (isAllowedIncidentType(type)) return generateAllowedIncident(ctx.seed, ctx.customers, { ...inc, type }, ctx.startMs);
  return generateClassicIncident(ctx, inc, type);
}

function generateClassicIncident(ctx: IncidentContext, inc: PlannedIncident, type: ClassicIncidentType): IncidentOutput {
  const rng = Rng.derive(ctx.seed, 'incident', inc.id);
  const a = inc.actor;
  const events: SimEvent[] = [];
  const session = `sess-${rng.hex(16)}`;
  const common = (ts: number, channel: WireChannel, ip: string): Omit<SimEvent, 'action' | 'resource_type' | 'fields' | 'outcome'> => ({
    ts: Math.round(ts),
    actor_id: a.actor_id,
    channel,
    source_ip: ip,
    session_id: session,
    user_agent: a.userAgent,
    tsStyle: channel === 'support_console' ? 'offset' : 'iso',
    tz: a.timezone,
    tag: inc.id,
  });
  const distinct = new Set<number>();
  const freshCustomer = (): number => {
    let c = ctx.customers.uniform(rng);
    while (distinct.has(c)) c = ctx.customers.uniform(rng);
    distinct.add(c);
    return c;
  };
  let description: string;
  switch (type) {
    case 'bulk_export_forbidden_role': {
      const n = rng.int(1, 3);
      let t = inc.startMs;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const count = Math.round(Math.max(1500, Math.min(60_000, rng.lognormal(8000, 0.5) * inc.intensity)));
        total += count;
        events.push({
          ...common(t, 'support_console', a.officeIp),
          action: 'export',
          resource_type: 'customer',
          records: ctx.customers.sample(rng, 100),
          record_count: count,
          fields: CUSTOMER_FIELDS,
          outcome: 'success',
        });
        t += rng.range(2, 7) * MINUTE;
      }
      description = `${a.role} exports ${total} customer records in ${n} export(s) from the support console`;
      break;
    }
    case 'slow_scrape': {
      const own = meanHourlyDistinct(a);
      const perHour = Math.max(6, 1.5 * own * inc.intensity);
      const tickets = [ticketId(rng), ticketId(rng), ticketId(rng)];
      const ip = vpnIp(rng);
      let t = inc.startMs + rng.exponential(HOUR / perHour);
      while (t < inc.startMs + 24 * HOUR) {
        events.push({
          ...common(t, 'support_console', ip),
          action: 'read',
          resource_type: 'customer',
          records: [freshCustomer()],
          fields: CUSTOMER_FIELDS,
          outcome: 'success',
          ticket_id: rng.pick(tickets),
        });
        t += rng.exponential(HOUR / perHour);
      }
      description = `compromised account reads ≈${perHour.toFixed(1)} new customers per hour for 24 h over VPN (own mean ≈${own.toFixed(1)}/h during shifts); ${events.length} customers in the day`;
      break;
    }
    case 'terminated_access': {
      const n = Math.round(rng.int(15, 40) * inc.intensity);
      const support = a.role === 'support_agent' || a.role === 'support_lead';
      const channel: WireChannel = support ? 'support_console' : a.role === 'data_analyst' || a.role === 'engineer' ? 'sql' : 'web';
      const ticket = support ? ticketId(rng) : undefined;
      // The leaver's old remote access still works; an office-only person comes to the office.
      const ip = mayUseVpn(a) ? vpnIp(rng) : a.officeIp;
      const span = rng.range(20, 60) * MINUTE;
      for (let i = 0; i < n; i++) {
        const search = i % 6 === 0;
        events.push({
          ...common(inc.startMs + (span * i) / n, channel, ip),
          action: search ? 'search' : 'read',
          resource_type: 'customer',
          records: [freshCustomer()],
          fields: search ? ['name', 'email'] : CUSTOMER_FIELDS,
          outcome: 'success',
          ticket_id: ticket,
        });
      }
      description = `terminated ${a.role} reads ${n} customers (${ip.startsWith('10.20.') ? 'VPN' : 'office'})`;
      break;
    }
    case 'burst_over_baseline': {
      const own = meanHourlyDistinct(a);
      const factor = rng.range(12, 20);
      const n = Math.round(Math.max(80, factor * own) * inc.intensity);
      const span = rng.range(30, 45) * MINUTE;
      const support = a.role !== 'finance_clerk';
      let ticket = ticketId(rng);
      for (let i = 0; i < n; i++) {
        if (support && i % 10 === 0) ticket = ticketId(rng);
        const c = freshCustomer();
        events.push({
          ...common(inc.startMs + (span * i) / n + rng.range(0, 5000), support ? 'support_console' : 'web', a.officeIp),
          action: 'read',
          resource_type: support ? 'customer' : 'payment_method',
          records: [c],
          fields: support ? CUSTOMER_FIELDS : ['card_last4', 'iban'],
          outcome: 'success',
          ticket_id: support ? ticket : undefined,
        });
      }
      description = `${a.role} reads ${n} distinct customers in ${Math.round(span / MINUTE)} min (own mean ≈${own.toFixed(1)}/h, ≈${(n / own).toFixed(0)}× an hour's norm)`;
      break;
    }
    case 'offhours_unknown_network': {
      const n = Math.round(rng.int(20, 60) * inc.intensity);
      const ip = unknownIp(rng);
      const span = rng.range(20, 60) * MINUTE;
      const by: Record<string, { channel: WireChannel; resource: WireResourceType; fields: string[] }> = {
        support_agent: { channel: 'support_console', resource: 'customer', fields: CUSTOMER_FIELDS },
        marketing_analyst: { channel: 'web', resource: 'customer', fields: ['email', 'name'] },
        finance_clerk: { channel: 'web', resource: 'payment_method', fields: ['card_last4', 'iban'] },
        data_analyst: { channel: 'sql', resource: 'customer', fields: ['name', 'email', 'address'] },
      };
      const how = by[a.role] ?? { channel: 'web' as WireChannel, resource: 'customer' as WireResourceType, fields: CUSTOMER_FIELDS };
      const ticket = a.role === 'support_agent' ? ticketId(rng) : undefined;
      for (let i = 0; i < n; i++) {
        events.push({
          ...common(inc.startMs + (span * i) / n + rng.range(0, 5000), how.channel, ip),
          action: 'read',
          resource_type: how.resource,
          records: [freshCustomer()],
          fields: how.fields,
          outcome: 'success',
          ticket_id: ticket,
        });
      }
      const lp = localParts(inc.startMs, a.timezone);
      description = `${a.role} reads ${n} records at ${String(lp.hour).padStart(2, '0')}:${String(lp.minute).padStart(2, '0')} local from ${ip} (unknown network)`;
      break;
    }
  }
  events.sort((x, y) => x.ts - y.ts);
  return { events, description };
}
