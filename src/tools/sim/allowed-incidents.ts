/**
 * Policy-allowed incidents: every event is one the actor's role may make under
 * the shipped need-to-know policy (granted action, resource, channel and field
 * classes; an allowed zone; a ticket where the support console needs one;
 * within the per-request limit and the daily budget; no financial fields off
 * hours). Only volume, timing, history and peers tell them from normal work.
 *
 * The access table below mirrors rules/roles/need-to-know.yaml so that the
 * generator can stay within it; it is not the judge. The simulator's policy
 * audit (policy-audit.ts) evaluates every event of these incidents with the
 * engine's compiled rules and fails the run when one breaks a clause.
 *
 * Every kind draws its shape (role, size, duration, hour, time zone through
 * the actor) from the seed, so a rule tuned to one shape does not pass.
 */
import { FINANCE_CASES_PER_DAY, SUPPORT_TICKETS_PER_SHIFT, meanHourlyDistinct, ticketId } from './behaviour.js';
import type { CustomerPool } from './customers.js';
import type { Role, SimActor } from './org.js';
import { Rng } from './rng.js';
import { DAY, HOUR, MINUTE, calendarDate, isoWeekday, localParts, localTime } from './time.js';
import type { AllowedIncidentType, SimEvent } from './types.js';
import type { WireAction, WireChannel, WireResourceType } from './wire.js';

/** How a role reads customer data within its grants (rules/roles/need-to-know.yaml). */
interface Access {
  readonly channel: WireChannel;
  readonly resource: WireResourceType;
  readonly fields: readonly string[];
  /** max_records_per_request of the role. */
  readonly perRequest: number;
  /** daily_distinct_customers of the role. */
  readonly budget: number;
  /** Support-console customer reads carry a ticket (purpose binding). */
  readonly ticket: boolean;
  /** The role's zones (the directory may narrow them further). */
  readonly zones: readonly ('office' | 'vpn' | 'datacenter')[];
}

const CUSTOMER_FIELDS = ['name', 'email', 'phone', 'address'] as const;

const ACCESS: Partial<Record<Role, Access>> = {
  support_agent: { channel: 'support_console', resource: 'customer', fields: CUSTOMER_FIELDS, perRequest: 50, budget: 250, ticket: true, zones: ['office', 'vpn'] },
  support_lead: { channel: 'support_console', resource: 'customer', fields: CUSTOMER_FIELDS, perRequest: 200, budget: 1500, ticket: true, zones: ['office', 'vpn'] },
  finance_clerk: { channel: 'web', resource: 'payment_method', fields: ['card_last4', 'order_total'], perRequest: 100, budget: 800, ticket: false, zones: ['office'] },
  // Marketing may see public and contact fields only (name is identity).
  marketing_analyst: { channel: 'web', resource: 'customer', fields: ['email', 'country'], perRequest: 5000, budget: 50_000, ticket: false, zones: ['office', 'vpn'] },
  data_analyst: { channel: 'sql', resource: 'customer', fields: ['name', 'email', 'address'], perRequest: 10_000, budget: 100_000, ticket: false, zones: ['office', 'vpn'] },
  engineer: { channel: 'sql', resource: 'customer', fields: ['email', 'name'], perRequest: 100, budget: 500, ticket: false, zones: ['office', 'vpn', 'datacenter'] },
  security_analyst: { channel: 'web', resource: 'customer', fields: ['name', 'email'], perRequest: 1000, budget: 5000, ticket: false, zones: ['office', 'vpn'] },
};

export const ALLOWED_ELIGIBLE_ROLES: Record<AllowedIncidentType, readonly Role[]> = {
  moderate_burst: ['support_agent', 'finance_clerk', 'marketing_analyst', 'data_analyst'],
  multi_day_scrape: ['support_agent', 'support_lead'],
  offhours_allowed_network: ['support_agent', 'marketing_analyst', 'data_analyst', 'engineer', 'security_analyst'],
  weekend_allowed_channel: ['engineer', 'data_analyst', 'support_agent', 'marketing_analyst', 'security_analyst'],
  dormant_wakeup: ['support_agent', 'marketing_analyst', 'data_analyst', 'engineer', 'finance_clerk', 'security_analyst'],
  peer_relative_rise: ['support_agent', 'support_lead', 'finance_clerk'],
  first_seen_resource_volume: ['marketing_analyst', 'data_analyst', 'engineer', 'finance_clerk'],
  export_spree: ['data_analyst', 'support_lead'],
};

/**
 * The window within which each kind should be detected: the shortest horizon
 * that can see it (issue 9: a burst within its hour, a multi-day scrape within
 * 3 days, an off-hours pull within 1 hour; a rise within the 7-day horizon).
 */
export const ALLOWED_WINDOW_MS: Record<AllowedIncidentType, number> = {
  moderate_burst: HOUR,
  multi_day_scrape: 3 * DAY,
  offhours_allowed_network: HOUR,
  weekend_allowed_channel: HOUR,
  dormant_wakeup: HOUR,
  peer_relative_rise: 7 * DAY,
  first_seen_resource_volume: HOUR,
  export_spree: DAY,
};

/** Zones the actor may use: the role's, narrowed by the directory. */
function allowedZones(a: SimActor): string[] {
  const role = ACCESS[a.role]?.zones ?? ['office'];
  return a.allowed_zones.length === 0 ? [...role] : role.filter((z) => a.allowed_zones.includes(z));
}

/** Extra conditions on the actor beyond its role (checked when picking one). */
export function allowedActorFits(type: AllowedIncidentType, a: SimActor): boolean {
  const zones = allowedZones(a);
  if (zones.length === 0) return false;
  switch (type) {
    case 'offhours_allowed_network':
      // From an allowed remote network: the VPN (or the datacenter for engineers).
      return zones.includes('vpn');
    case 'weekend_allowed_channel':
      // Someone who does not work weekends (a Saturday shift would make it normal).
      return !a.weekendShift;
    default:
      return true;
  }
}

/**
 * Whether the actor's daily budget leaves room for the incident at all. An
 * analyst whose ordinary day and weekly report use it up could make one
 * export of one customer, which is no export spree. The planner draws again
 * when its pick has no room (rejection sampling: the pick stays uniform over
 * the actors that fit, and plans whose first pick fits are unchanged).
 */
export function allowedActorHasRoom(type: AllowedIncidentType, a: SimActor): boolean {
  const acc = ACCESS[a.role];
  if (type !== 'export_spree' || acc === undefined) return true;
  return budgetRoom(a, acc) >= SPREE_MIN_EXPORTS * spreeSizes(a)[0];
}

/** What planning decided: the start, and the local day indices the actor must be at work. */
export interface AllowedPlanDecision {
  readonly startMs: number;
  /** Days the actor must be at work (the real person keeps working beside the incident). */
  readonly workDays: readonly number[];
}

export interface AllowedPlanContext {
  readonly startMs: number;
  readonly days: number;
  readonly historyDays: number;
}

const weekdayOf = (ctx: AllowedPlanContext, d: number): number => isoWeekday(calendarDate(ctx.startMs, d));

/** The next `n` workdays from `from` (inclusive), within the simulated days. */
function workdaysFrom(ctx: AllowedPlanContext, from: number, n: number): number[] {
  const out: number[] = [];
  for (let d = from; d < ctx.days && out.length < n; d++) if (weekdayOf(ctx, d) <= 5) out.push(d);
  return out;
}

/** Days (evaluation period) an incident of this kind may start on. */
export function allowedStartDays(type: AllowedIncidentType, ctx: AllowedPlanContext): number[] {
  const last = ctx.days - 3;
  const out: number[] = [];
  for (let d = ctx.historyDays; d <= last; d++) {
    const wd = weekdayOf(ctx, d);
    if (type === 'weekend_allowed_channel' ? wd >= 6 : wd <= 5) out.push(d);
  }
  // Multi-day kinds start early enough to run several workdays.
  if (type === 'multi_day_scrape' || type === 'peer_relative_rise') {
    const early = out.filter((d) => workdaysFrom(ctx, d, 10).length >= (type === 'multi_day_scrape' ? 5 : 7));
    return early.slice(0, Math.max(1, Math.ceil(early.length / 3)));
  }
  return out;
}

/** Chooses when the incident runs and prepares the actor (forced workdays, an absence for a dormant account). */
export function planAllowedIncident(
  type: AllowedIncidentType,
  a: SimActor,
  day: number,
  ctx: AllowedPlanContext,
  rng: Rng,
): AllowedPlanDecision {
  const d = calendarDate(ctx.startMs, day);
  const at = (h: number): number => localTime(a.timezone, d, h);
  switch (type) {
    case 'moderate_burst':
    case 'first_seen_resource_volume':
      return { startMs: at(a.shiftStart + rng.range(1.5, 5.5)), workDays: [day] };
    case 'export_spree':
      return { startMs: at(a.shiftStart + rng.range(0.5, 1.5)), workDays: [day] };
    case 'multi_day_scrape': {
      const ds = workdaysFrom(ctx, day, rng.int(4, 7));
      return { startMs: at(a.shiftStart + rng.range(0.2, 1)), workDays: ds };
    }
    case 'peer_relative_rise': {
      const ds = workdaysFrom(ctx, day, rng.int(6, 10));
      return { startMs: at(a.shiftStart + rng.range(0.2, 1)), workDays: ds };
    }
    case 'offhours_allowed_network':
      return { startMs: at(rng.bool(0.7) ? rng.range(0.5, 4.5) : rng.range(22, 23)), workDays: [] };
    case 'weekend_allowed_channel':
      return { startMs: at(rng.range(10, 16)), workDays: [] };
    case 'dormant_wakeup': {
      // The person is away (no traffic) for 8-12 days before, and the day after; the account wakes up.
      a.vacation = { from: day - rng.int(8, 12), to: day + 1 };
      return { startMs: at(rng.range(9, 15)), workDays: [] };
    }
  }
}

// ---------------------------------------------------------------------------
// Events

export interface AllowedIncident {
  readonly id: string;
  readonly type: AllowedIncidentType;
  readonly actor: SimActor;
  readonly startMs: number;
  readonly intensity: number;
  /** Simulated days (0-based, the actor's local dates) a multi-day incident works on; the first is the start's. */
  readonly workDays: readonly number[];
}

/** The role's daily budget of distinct customers (rules/roles; unlimited for roles outside this table). */
export function dayBudget(a: SimActor): number {
  return ACCESS[a.role]?.budget ?? Number.POSITIVE_INFINITY;
}

/** A normal working day's distinct customers for the actor (what the incident sizes itself against). */
export function normalDay(a: SimActor): number {
  switch (a.role) {
    case 'support_agent':
    case 'support_lead':
      return SUPPORT_TICKETS_PER_SHIFT[a.role] * a.scale * 2;
    case 'finance_clerk':
      return FINANCE_CASES_PER_DAY * a.scale;
    // Analysts' ad-hoc requests (the weekly report comes on top, once a week: withinBudget).
    case 'marketing_analyst':
      return 1.8 * 1500 * a.scale;
    case 'data_analyst':
      return 1.8 * 3000 * a.scale;
    default:
      return 10;
  }
}

class Gen {
  readonly events: SimEvent[] = [];
  private readonly distinct = new Set<number>();
  readonly session: string;
  constructor(
    readonly rng: Rng,
    readonly customers: CustomerPool,
    readonly a: SimActor,
    readonly tag: string,
  ) {
    this.session = `sess-${rng.hex(16)}`;
  }

  fresh(): number {
    let c = this.customers.uniform(this.rng);
    while (this.distinct.has(c)) c = this.customers.uniform(this.rng);
    this.distinct.add(c);
    return c;
  }

  /** An address of a zone the actor may use; remote (VPN) when asked and allowed. */
  ip(remote: boolean): string {
    const zones = allowedZones(this.a);
    const vpn = `10.20.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
    if (remote && zones.includes('vpn')) return vpn;
    if (zones.includes('office')) return this.a.officeIp;
    return zones.includes('vpn') ? vpn : `10.30.200.${this.rng.int(1, 254)}`;
  }

  push(ts: number, ip: string, x: { action: WireAction; resource: WireResourceType; fields: readonly string[]; channel: WireChannel; records?: number[]; count?: number; ticket?: string }): void {
    this.events.push({
      ts: Math.round(ts),
      actor_id: this.a.actor_id,
      action: x.action,
      resource_type: x.resource,
      records: x.records,
      record_count: x.count,
      fields: x.fields,
      outcome: 'success',
      channel: x.channel,
      source_ip: ip,
      session_id: this.session,
      user_agent: this.a.userAgent,
      ticket_id: x.ticket,
      tsStyle: x.channel === 'support_console' ? 'offset' : 'iso',
      tz: this.a.timezone,
      tag: this.tag,
    });
  }

  /**
   * `customers` new customers read within [from, from + spanMs), the way the
   * role works: one ticket per customer (a search, then the read) in the
   * support console; requests of a few records for small-limit roles; pages
   * up to the per-request limit for analysts. Returns the number read.
   */
  pull(
    from: number,
    spanMs: number,
    customers: number,
    ip: string,
    o: { access: Access; action?: WireAction; resource?: WireResourceType; fields?: readonly string[] } = { access: ACCESS.support_agent as Access },
  ): number {
    const acc = o.access;
    const action = o.action ?? 'read';
    const resource = o.resource ?? acc.resource;
    const fields = o.fields ?? acc.fields;
    const n = Math.max(1, Math.round(customers));
    if (acc.ticket) {
      for (let i = 0; i < n; i++) {
        const t = from + (spanMs * (i + this.rng.float())) / n;
        const c = this.fresh();
        const ticket = ticketId(this.rng);
        this.push(t, ip, { action: 'search', resource, fields: ['name', 'email'], channel: acc.channel, records: [c], ticket });
        this.push(t + this.rng.range(15, 60) * 1000, ip, { action, resource, fields, channel: acc.channel, records: [c], ticket });
      }
      return n;
    }
    // Request sizes: single records for small limits, pages of half to all of the limit for bulk roles.
    const sizes: number[] = [];
    for (let left = n; left > 0; ) {
      const k = acc.perRequest <= 100 ? Math.min(left, this.rng.int(1, Math.min(20, acc.perRequest))) : Math.min(left, this.rng.int(Math.ceil(acc.perRequest / 2), acc.perRequest));
      sizes.push(k);
      left -= k;
    }
    sizes.forEach((k, i) => {
      const t = from + (spanMs * (i + this.rng.float())) / sizes.length;
      if (k <= 200) {
        const records: number[] = [];
        for (let j = 0; j < k; j++) records.push(this.fresh());
        this.push(t, ip, { action, resource, fields, channel: acc.channel, records });
      } else {
        // Large results are logged as a count (the ids of a big query are not listed).
        this.push(t, ip, { action, resource, fields, channel: acc.channel, count: k });
      }
    });
    return n;
  }
}

/** What the role's daily budget leaves one incident day: 80 % of it, less a busy normal day (and the weekly report). */
function budgetRoom(a: SimActor, acc: Access): number {
  // The incident may fall on the weekly report's day: that report counts against the same budget.
  const weekly = a.role === 'marketing_analyst' || a.role === 'data_analyst' ? 1.1 * a.weeklyReportSize : 0;
  return 0.8 * acc.budget - 1.6 * normalDay(a) - weekly;
}

/** At most budgetRoom customers for one incident day. */
function withinBudget(a: SimActor, acc: Access, wanted: number): number {
  return Math.max(1, Math.round(Math.min(wanted, budgetRoom(a, acc))));
}

/** The fewest exports of an export spree, and the smallest of them (support leads export orders). */
const SPREE_MIN_EXPORTS = 20;
const spreeSizes = (a: SimActor): readonly [number, number] => (a.role === 'support_lead' ? [20, 150] : [100, 1000]);

export interface AllowedIncidentOutput {
  readonly events: SimEvent[];
  readonly description: string;
}

export function generateAllowedIncident(seed: number, customers: CustomerPool, inc: AllowedIncident, startMsOfSim: number): AllowedIncidentOutput {
  const rng = Rng.derive(seed, 'incident', inc.id);
  const a = inc.actor;
  const acc = ACCESS[a.role];
  if (acc === undefined) throw new Error(`incident ${inc.id}: no access profile for role ${a.role}`);
  const g = new Gen(rng, customers, a, inc.id);
  const k = inc.intensity;
  const local = (ms: number): string => {
    const p = localParts(ms, a.timezone);
    return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')} ${a.timezone}`;
  };
  let description: string;
  switch (inc.type) {
    case 'moderate_burst': {
      const bulk = acc.perRequest > 1000;
      const own = bulk ? normalDay(a) / 8 : meanHourlyDistinct(a);
      const factor = rng.range(4, 9);
      const n = withinBudget(a, acc, Math.max(bulk ? 3000 : 30, factor * own) * k);
      const span = rng.range(30, 60) * MINUTE;
      const read = g.pull(inc.startMs, span, n, g.ip(rng.bool(0.3)), { access: acc });
      description = `${a.role} reads ${read} customers in ${Math.round(span / MINUTE)} min at ${local(inc.startMs)} (≈${(read / own).toFixed(1)}× the own mean hour of ≈${own.toFixed(0)}), within every policy limit`;
      break;
    }
    case 'multi_day_scrape': {
      const ip = g.ip(true);
      let total = 0;
      const perDay: number[] = [];
      for (const d of inc.workDays) {
        const dayStart = inc.startMs + (d - (inc.workDays[0] as number)) * DAY;
        const extra = withinBudget(a, acc, rng.range(1, 2) * normalDay(a) * k);
        const n = g.pull(dayStart, rng.range(6.5, 7.5) * HOUR, extra, ip, { access: acc });
        perDay.push(n);
        total += n;
      }
      description = `account reads ${perDay.join('/')} extra customers a day (own normal day ≈${normalDay(a).toFixed(0)}) over ${perDay.length} workdays with tickets, ${total} in all`;
      break;
    }
    case 'offhours_allowed_network': {
      const sizes: Partial<Record<Role, [number, number]>> = {
        support_agent: [25, 80],
        engineer: [60, 300],
        marketing_analyst: [2000, 15_000],
        data_analyst: [3000, 25_000],
        security_analyst: [50, 400],
      };
      const [lo, hi] = sizes[a.role] ?? [30, 100];
      const n = withinBudget(a, acc, rng.range(lo, hi) * k);
      const span = rng.range(20, 60) * MINUTE;
      const read = g.pull(inc.startMs, span, n, g.ip(true), { access: acc });
      description = `${a.role} reads ${read} customers at ${local(inc.startMs)} over the VPN in ${Math.round(span / MINUTE)} min`;
      break;
    }
    case 'weekend_allowed_channel': {
      const sizes: Partial<Record<Role, [number, number]>> = {
        support_agent: [60, 140],
        engineer: [150, 360],
        marketing_analyst: [5000, 25_000],
        data_analyst: [8000, 40_000],
        security_analyst: [300, 2000],
      };
      const [lo, hi] = sizes[a.role] ?? [50, 150];
      const n = withinBudget(a, acc, rng.range(lo, hi) * k);
      const span = rng.range(1, 3) * HOUR;
      const read = g.pull(inc.startMs, span, n, g.ip(rng.bool(0.8)), { access: acc });
      description = `${a.role} reads ${read} customers on a ${['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][localParts(inc.startMs, a.timezone).weekday]} from ${local(inc.startMs)} over ${(span / HOUR).toFixed(1)} h via ${acc.channel}`;
      break;
    }
    case 'dormant_wakeup': {
      const n = withinBudget(a, acc, rng.range(1, 2) * Math.max(20, normalDay(a)) * k);
      const span = rng.range(1, 2) * HOUR;
      const read = g.pull(inc.startMs, span, n, g.ip(rng.bool(0.6)), { access: acc });
      const v = a.vacation;
      description = `account silent for ${v ? Math.round((inc.startMs - startMsOfSim) / DAY - v.from) : '?'} days reads ${read} customers in ${(span / HOUR).toFixed(1)} h at ${local(inc.startMs)}`;
      break;
    }
    case 'peer_relative_rise': {
      const ratio = rng.range(2, 3) * k;
      const growth = ratio ** (1 / inc.workDays.length) - 1;
      const ip = g.ip(rng.bool(0.5));
      const perDay: number[] = [];
      for (const [j, d] of inc.workDays.entries()) {
        const i = j + 1;
        const dayStart = inc.startMs + (d - (inc.workDays[0] as number)) * DAY;
        const extra = withinBudget(a, acc, normalDay(a) * ((1 + growth) ** i - 1));
        perDay.push(g.pull(dayStart, rng.range(6.5, 7.5) * HOUR, extra, ip, { access: acc }));
      }
      description = `${a.role}'s days rise ${(growth * 100).toFixed(0)} % a day for ${perDay.length} workdays to ≈${ratio.toFixed(1)}× their own normal day of ≈${normalDay(a).toFixed(0)} (extra ${perDay.join('/')})`;
      break;
    }
    case 'first_seen_resource_volume': {
      // A resource type the actor's normal work never touches, allowed by the role's grants.
      const how: Partial<Record<Role, { resource: WireResourceType; fields: readonly string[]; size: [number, number] }>> = {
        marketing_analyst: { resource: 'order', fields: ['order_total', 'order_status'], size: [2000, 12_000] },
        data_analyst: { resource: 'address', fields: ['address'], size: [3000, 20_000] },
        engineer: { resource: 'address', fields: ['address'], size: [50, 300] },
        finance_clerk: { resource: 'customer', fields: ['name', 'email'], size: [40, 120] },
      };
      const h = how[a.role] ?? { resource: 'order' as WireResourceType, fields: ['order_status'], size: [50, 100] };
      const n = withinBudget(a, acc, rng.range(h.size[0], h.size[1]) * k);
      const span = rng.range(20, 60) * MINUTE;
      const read = g.pull(inc.startMs, span, n, g.ip(rng.bool(0.3)), { access: acc, resource: h.resource, fields: h.fields });
      description = `${a.role} reads ${read} ${h.resource} records (a resource type new to them) in ${Math.round(span / MINUTE)} min`;
      break;
    }
    case 'export_spree': {
      const lead = a.role === 'support_lead';
      // Many small exports in a day by someone whose work never exports.
      const exports = rng.int(SPREE_MIN_EXPORTS, 50);
      const [smallest, largest] = spreeSizes(a);
      const total = withinBudget(a, acc, exports * rng.range(smallest, largest) * k);
      const span = rng.range(5, 8) * HOUR;
      const ip = g.ip(rng.bool(0.4));
      const channel: WireChannel = lead ? 'web' : rng.bool(0.5) ? 'web' : 'sql';
      const per = Math.max(1, Math.round(total / exports));
      let done = 0;
      let made = 0;
      for (let i = 0; i < exports && done < total; i++, made++) {
        const t = inc.startMs + (span * (i + rng.float())) / exports;
        const n = Math.min(per, total - done, acc.perRequest);
        const records: number[] = [];
        for (let j = 0; j < Math.min(n, 200); j++) records.push(g.fresh());
        g.push(t, ip, {
          action: 'export',
          resource: lead ? 'order' : 'customer',
          fields: lead ? ['order_id', 'order_status', 'email'] : ['name', 'email'],
          channel,
          records,
          count: n,
        });
        done += n;
      }
      description = `${a.role} makes ${made} exports of ≈${per} ${lead ? 'orders' : 'customers'} (${done} in all) over ${(span / HOUR).toFixed(1)} h via ${channel}`;
      break;
    }
  }
  g.events.sort((x, y) => x.ts - y.ts);
  return { events: g.events, description };
}
