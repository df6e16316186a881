/**
 * Normal work, per role, for one actor and one simulated day. Each actor-day
 * draws from its own seeded stream, so days can be generated lazily and in any
 * order with identical results.
 *
 * Benign traffic follows the need-to-know intent of the shipped policy:
 * support staff read/search customers, orders and addresses in the support
 * console with a ticket and never export; marketing never touches
 * payment_method; data analysts run large reports over SQL; finance clerks work
 * on orders and payment methods; service accounts use api/batch from the
 * datacenter; terminated and on-leave people have no traffic.
 */
import { CustomerPool } from './customers.js';
import type { SimActor } from './org.js';
import { Rng } from './rng.js';
import { DAY, HOUR, type CalendarDate, calendarDate, isoWeekday, localParts, localTime } from './time.js';
import type { SimEvent } from './types.js';
import type { WireAction, WireChannel, WireOutcome, WireResourceType } from './wire.js';

export interface DayContext {
  readonly seed: number;
  readonly startMs: number;
  readonly customers: CustomerPool;
  /** Look-alike id that covers this actor-day, if any (factor: its volume factor, see allowed-lookalikes.ts). */
  lookalike(actorIndex: number, day: number): { id: string; type: string; factor?: number } | undefined;
  /** Daily growth of a batch account's nightly job (batch_growth look-alike); 0 for the others. */
  batchGrowth?(actorIndex: number): number;
}

/** Look-alikes whose whole actor-day is tagged (their events are the day's normal work). */
const WHOLE_DAY_LOOKALIKES: ReadonlySet<string> = new Set(['new_hire_ramp', 'busy_day', 'vacation_return']);

/** Mean events per ticket: the numbers below give ≈2 distinct customers per ticket. */
export const SUPPORT_TICKETS_PER_SHIFT = { support_agent: 22, support_lead: 7 } as const;
export const FINANCE_CASES_PER_DAY = 16;
const SHIFT_HOURS = 8;

/**
 * The actor's mean distinct customers per working hour in normal work (used to
 * scale incidents relative to the actor's own baseline).
 */
export function meanHourlyDistinct(a: SimActor): number {
  switch (a.role) {
    case 'support_agent':
    case 'support_lead':
      return (SUPPORT_TICKETS_PER_SHIFT[a.role] * a.scale * 2.0) / SHIFT_HOURS;
    case 'finance_clerk':
      return (FINANCE_CASES_PER_DAY * a.scale) / 9;
    case 'engineer':
    case 'security_analyst':
      return 1;
    default:
      return 5;
  }
}

/** Ramp factor of a new hire on a given day (1 for everybody else). */
export function rampFactor(a: SimActor, day: number): number {
  if (a.rampWorkdays <= 0 || a.activeFromDay <= 0) return 1;
  const since = day - a.activeFromDay;
  const span = a.rampWorkdays * 1.4; // calendar days
  return Math.min(1, 0.3 + (0.7 * since) / span);
}

/** Day on which a new hire's ramp-up is over. */
export function rampEndDay(a: SimActor): number {
  return a.activeFromDay + Math.ceil(a.rampWorkdays * 1.4);
}

interface HumanDay {
  readonly kind: 'weekday' | 'weekend';
  readonly date: CalendarDate;
  readonly ip: string;
  readonly zone: 'office' | 'vpn';
  readonly session: string;
  readonly volume: number;
  readonly shiftStart: number;
  readonly tag: string | undefined;
  /** The scenario requires the actor at work that day. */
  readonly forced: boolean;
  /** Look-alike planned for this actor-day. */
  readonly special: { id: string; type: string; factor?: number } | undefined;
}

function vpnIp(rng: Rng): string {
  return `10.20.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

function outcome(rng: Rng, pDenied = 0.003, pError = 0.004): WireOutcome {
  const x = rng.float();
  return x < pDenied ? 'denied' : x < pDenied + pError ? 'error' : 'success';
}

/** Does the person work that day, and how? Draws are made unconditionally so streams stay aligned. */
function humanDay(ctx: DayContext, a: SimActor, day: number, rng: Rng): HumanDay | null {
  const present = rng.bool(0.93);
  const remote = rng.bool(a.vpnShare);
  const ip = remote ? vpnIp(rng) : a.officeIp;
  const session = `sess-${rng.hex(16)}`;
  const startJitter = rng.normal(0, 0.2);
  if (day < a.activeFromDay) return null;
  const date = calendarDate(ctx.startMs, day);
  const wd = isoWeekday(date);
  const forced = a.forceWork.has(day);
  const onVacation = a.vacation !== null && day >= a.vacation.from && day <= a.vacation.to;
  let kind: 'weekday' | 'weekend' | null = null;
  if (wd <= 5) kind = forced || (present && !onVacation) ? 'weekday' : null;
  else if (wd === 6 && a.weekendShift) kind = forced || (present && !onVacation) ? 'weekend' : null;
  else if (forced) kind = 'weekend';
  if (!kind) return null;
  const la = ctx.lookalike(a.index, day);
  let volume = rampFactor(a, day) * (a.employment_status === 'notice' ? 0.85 : 1);
  if (kind === 'weekend') volume *= 0.7;
  if (la?.type === 'busy_day') volume *= la.factor ?? 1;
  return {
    kind,
    date,
    ip,
    zone: remote ? 'vpn' : 'office',
    session,
    volume,
    shiftStart: Math.max(BUSINESS_START, a.shiftStart + startJitter),
    // Whole-day tags only for new hires; other look-alikes tag their own events.
    tag: la !== undefined && WHOLE_DAY_LOOKALIKES.has(la.type) ? la.id : undefined,
    special: la,
    forced,
  };
}

/** Generates one actor's normal events for one day (sorted by ts). */
export function generateActorDay(ctx: DayContext, a: SimActor, day: number): SimEvent[] {
  const rng = Rng.derive(ctx.seed, 'day', a.index, day);
  let out: SimEvent[];
  switch (a.role) {
    case 'service_api':
      out = apiServiceDay(ctx, a, day, rng);
      break;
    case 'service_batch':
      out = batchServiceDay(ctx, a, day, rng);
      break;
    default: {
      const hd = humanDay(ctx, a, day, rng);
      out = hd ? humanWork(ctx, a, day, hd, rng) : [];
      if (a.role === 'engineer' && a.onCall && day >= a.activeFromDay) out.push(...onCallNight(ctx, a, day, rng));
    }
  }
  out.sort((x, y) => x.ts - y.ts);
  return out;
}

function humanWork(ctx: DayContext, a: SimActor, day: number, hd: HumanDay, rng: Rng): SimEvent[] {
  switch (a.role) {
    case 'support_agent':
    case 'support_lead':
      return supportDay(ctx, a, day, hd, rng);
    case 'finance_clerk':
      return financeDay(ctx, a, hd, rng);
    case 'marketing_analyst':
      return marketingDay(ctx, a, hd, rng);
    case 'data_analyst':
      return analystDay(ctx, a, hd, rng);
    case 'engineer':
      return engineerDay(ctx, a, hd, rng);
    case 'security_analyst':
      return securityDay(ctx, a, hd, rng);
    default:
      return [];
  }
}

function base(a: SimActor, hd: HumanDay, channel: WireChannel, ts: number): Omit<SimEvent, 'action' | 'resource_type' | 'fields' | 'outcome'> {
  return {
    ts,
    actor_id: a.actor_id,
    channel,
    source_ip: hd.ip,
    session_id: hd.session,
    user_agent: a.userAgent,
    tsStyle: channel === 'support_console' ? 'offset' : 'iso',
    tz: a.timezone,
    tag: hd.tag,
  };
}

const CUSTOMER_FIELDS = ['name', 'email', 'phone', 'address'];
const ORDER_FIELDS = ['order_total', 'order_status', 'order_id'];

export function ticketId(rng: Rng): string {
  return `CS-${rng.int(1_000_000, 9_999_999)}`;
}

/** One support ticket handled at local hour `h`: search, read, maybe orders / address / update. */
function supportTicket(
  ctx: DayContext,
  a: SimActor,
  hd: HumanDay,
  h: number,
  rng: Rng,
  out: SimEvent[],
): void {
  const target = ctx.customers.contact(rng);
  const ticket = ticketId(rng);
  let t = localTime(a.timezone, hd.date, h);
  const ev = (
    action: WireAction,
    resource: WireResourceType,
    records: number[],
    fields: string[],
    recordCount?: number,
  ): void => {
    out.push({
      ts: t,
      actor_id: a.actor_id,
      action,
      resource_type: resource,
      records,
      record_count: recordCount,
      fields,
      outcome: action === 'update' ? outcome(rng, 0.01, 0.005) : outcome(rng),
      channel: 'support_console',
      source_ip: hd.ip,
      session_id: hd.session,
      user_agent: a.userAgent,
      ticket_id: ticket,
      tsStyle: 'offset',
      tz: a.timezone,
      tag: hd.tag,
    });
    t += Math.round(rng.range(15, 110) * 1000);
  };
  // Find the customer: usually by email / order number (1 hit), sometimes by name (several hits).
  const hits = rng.bool(0.6) ? 1 : rng.int(2, 5);
  const found = [target];
  for (let i = 1; i < hits; i++) found.push(ctx.customers.uniform(rng));
  ev('search', 'customer', found, ['name', 'email'], hits);
  ev('read', 'customer', [target], CUSTOMER_FIELDS);
  if (rng.bool(0.55)) ev('read', 'order', [target], ORDER_FIELDS);
  if (rng.bool(0.2)) ev('read', 'order', [target], ORDER_FIELDS);
  if (rng.bool(0.25)) ev('read', 'address', [target], ['address']);
  if (rng.bool(0.12)) ev('update', rng.bool(0.5) ? 'address' : 'customer', [target], rng.bool(0.5) ? ['address'] : ['email', 'phone']);
  if (rng.bool(0.08)) {
    // Customer calls back later on the same ticket.
    t += Math.round(rng.range(10, 60) * 60_000);
    ev('read', 'customer', [target], CUSTOMER_FIELDS);
  }
}

function supportDay(ctx: DayContext, a: SimActor, day: number, hd: HumanDay, rng: Rng): SimEvent[] {
  const out: SimEvent[] = [];
  const role = a.role === 'support_lead' ? 'support_lead' : 'support_agent';
  const length = hd.kind === 'weekend' ? 6 : rng.range(7.5, 8.5);
  const n = rng.poisson(SUPPORT_TICKETS_PER_SHIFT[role] * a.scale * hd.volume);
  for (let i = 0; i < n; i++) {
    const h = lunchAware(hd, length, rng);
    supportTicket(ctx, a, hd, h, rng, out);
  }
  const la = ctx.lookalike(a.index, day);
  if (la?.type === 'ticketed_support_read') complexTicket(ctx, a, hd, rng, out, la.id);
  return out;
}

/**
 * Look-alike: a difficult ticket — the agent reads one customer's profile,
 * orders and addresses 25–40 times within 1–1.5 hours. Many events, one customer.
 */
function complexTicket(ctx: DayContext, a: SimActor, hd: HumanDay, rng: Rng, out: SimEvent[], tag: string): void {
  const target = ctx.customers.contact(rng);
  const ticket = `CS-9${rng.int(100_000, 999_999)}`;
  const h = hd.shiftStart + rng.range(1, 3);
  let t = localTime(a.timezone, hd.date, h);
  const n = rng.int(25, 40);
  const span = rng.range(60, 90) * 60_000;
  for (let i = 0; i < n; i++) {
    const r = rng.float();
    const [resource, fields]: [WireResourceType, string[]] =
      r < 0.5 ? ['customer', CUSTOMER_FIELDS] : r < 0.85 ? ['order', ORDER_FIELDS] : ['address', ['address']];
    out.push({
      ...base(a, hd, 'support_console', Math.round(t)),
      action: i === n - 1 && rng.bool(0.5) ? 'update' : 'read',
      resource_type: resource,
      records: [target],
      fields,
      outcome: 'success',
      ticket_id: ticket,
      tag,
    });
    t += span / n;
  }
}

/**
 * A working-time instant: shift start + a fraction of the shift, skipping the
 * lunch break, and kept inside business hours (people leave by 19:00; a case
 * opened late still ends before then).
 */
function lunchAware(hd: HumanDay, length: number, rng: Rng): number {
  let h = hd.shiftStart + rng.float() * length;
  const lunch = hd.shiftStart + 4;
  if (h >= lunch && h < lunch + 0.75) h += 0.75;
  return Math.max(BUSINESS_START, Math.min(h, LAST_CASE_START));
}

/** Local business hours of the shipped calendar (Mon–Fri 08:00–19:00). */
const BUSINESS_START = 8.0;
const LAST_CASE_START = 18.6;

function financeDay(ctx: DayContext, a: SimActor, hd: HumanDay, rng: Rng): SimEvent[] {
  const out: SimEvent[] = [];
  const n = rng.poisson(FINANCE_CASES_PER_DAY * a.scale * hd.volume);
  for (let i = 0; i < n; i++) {
    const c = ctx.customers.contact(rng);
    const ticket = rng.bool(0.4) ? `FIN-${rng.int(10_000, 99_999)}` : undefined;
    let t = localTime(a.timezone, hd.date, lunchAware(hd, 8.5, rng));
    const push = (action: WireAction, resource: WireResourceType, fields: string[]): void => {
      out.push({
        ...base(a, hd, 'web', t),
        action,
        resource_type: resource,
        records: [c],
        fields,
        outcome: outcome(rng),
        ticket_id: ticket,
      });
      t += Math.round(rng.range(20, 150) * 1000);
    };
    push('read', 'order', ['order_total', 'order_status']);
    push('read', 'payment_method', rng.bool(0.3) ? ['card_last4', 'iban'] : ['card_last4']);
    if (rng.bool(0.25)) push('update', 'payment_method', ['iban']);
  }
  // Friday reconciliation: the week's exception list (failed refunds, chargebacks), a few
  // pages of up to 50 payment methods worked through over an hour or so.
  if (isoWeekday(hd.date) === 5 && rng.bool(0.8)) {
    const pages = rng.int(1, 3);
    let h = hd.shiftStart + rng.range(5, 6.5);
    for (let p = 0; p < pages; p++) {
      const k = rng.int(15, 50);
      out.push({
        ...base(a, hd, 'web', localTime(a.timezone, hd.date, Math.min(h, LAST_CASE_START))),
        action: 'search',
        resource_type: 'payment_method',
        records: ctx.customers.sample(rng, k),
        record_count: k,
        fields: ['card_last4', 'order_total'],
        outcome: 'success',
      });
      h += rng.range(0.25, 0.5);
    }
  }
  return out;
}

/** Ids as a large query logs them: full when small, else truncated or absent. */
function reportRecords(ctx: DayContext, rng: Rng, count: number, truncateTo: number): { records?: number[]; record_count: number } {
  if (count <= truncateTo) return { records: ctx.customers.sample(rng, count), record_count: count };
  if (rng.bool(0.5)) return { records: ctx.customers.sample(rng, truncateTo), record_count: count };
  return { record_count: count };
}

/** Marketing works on contact data only (public + contact fields), ≤ 5 000 rows per request. */
function marketingDay(ctx: DayContext, a: SimActor, hd: HumanDay, rng: Rng): SimEvent[] {
  const out: SimEvent[] = [];
  if (rng.bool(0.8)) {
    const n = 1 + rng.poisson(0.8);
    for (let i = 0; i < n; i++) {
      const count = Math.round(Math.max(100, Math.min(MARKETING_PAGE, rng.lognormal(1500 * a.scale, 0.7) * hd.volume)));
      out.push({
        ...base(a, hd, 'web', localTime(a.timezone, hd.date, lunchAware(hd, 8, rng))),
        action: 'search',
        resource_type: 'customer',
        ...reportRecords(ctx, rng, count, 100),
        fields: ['email', 'country'],
        outcome: outcome(rng),
      });
    }
  }
  // Weekly campaign list export, fetched in pages.
  const larger = hd.special?.type === 'larger_usual_report' ? hd.special : undefined;
  if (isoWeekday(hd.date) === a.reportWeekday && (larger !== undefined || rng.bool(0.9))) {
    const total = Math.round(a.weeklyReportSize * Math.max(0.5, rng.normal(1, 0.1)) * hd.volume * (larger?.factor ?? 1));
    pagedReport(ctx, a, hd, rng, out, {
      total,
      page: MARKETING_PAGE,
      startHour: hd.shiftStart + rng.range(1, 3),
      hoursBetweenPages: [0.01, 0.04],
      channel: 'web',
      action: 'export',
      fields: ['email', 'customer_id'],
      truncateTo: 100,
      tag: larger?.id ?? hd.tag,
    });
  }
  return out;
}

interface PagedReport {
  readonly total: number;
  readonly page: number;
  /** Local hour of the first page. */
  readonly startHour: number;
  readonly hoursBetweenPages: readonly [number, number];
  readonly channel: WireChannel;
  readonly action: WireAction;
  readonly fields: readonly string[];
  /** Ids listed in full up to this many rows (see reportRecords). */
  readonly truncateTo: number;
  readonly tag: string | undefined;
}

/** A report of `total` customer rows fetched in pages of ≤ `page` rows, one event per page. */
function pagedReport(ctx: DayContext, a: SimActor, hd: HumanDay, rng: Rng, out: SimEvent[], r: PagedReport): void {
  let h = r.startHour;
  for (let off = 0; off < r.total; off += r.page) {
    const count = Math.min(r.page, r.total - off);
    out.push({
      ...base(a, hd, r.channel, localTime(a.timezone, hd.date, h)),
      action: r.action,
      resource_type: 'customer',
      ...reportRecords(ctx, rng, count, r.truncateTo),
      fields: r.fields,
      outcome: 'success',
      tag: r.tag,
    });
    h += rng.range(r.hoursBetweenPages[0], r.hoursBetweenPages[1]);
  }
}

const MARKETING_PAGE = 5000;
const ANALYST_PAGE = 10_000;

/** Data analysts: ad-hoc SQL reports and a weekly report, fetched in pages of ≤ 10 000 rows. */
function analystDay(ctx: DayContext, a: SimActor, hd: HumanDay, rng: Rng): SimEvent[] {
  const out: SimEvent[] = [];
  const n = rng.bool(0.85) ? rng.poisson(1.8 * a.scale * hd.volume) : 0;
  for (let i = 0; i < n; i++) {
    const order = rng.bool(0.5);
    const count = Math.round(Math.max(200, Math.min(ANALYST_PAGE, rng.lognormal(3000, 0.8))));
    out.push({
      ...base(a, hd, 'sql', localTime(a.timezone, hd.date, lunchAware(hd, 8, rng))),
      action: 'read',
      resource_type: order ? 'order' : 'customer',
      ...reportRecords(ctx, rng, count, 200),
      fields: order ? ['order_total', 'order_status'] : ['name', 'email', 'address', 'birth_date'],
      outcome: outcome(rng, 0.002, 0.02),
    });
  }
  // The usual weekly report, on the same weekday every week, of a stable size.
  const special = hd.special?.type === 'analyst_usual_report' || hd.special?.type === 'larger_usual_report' ? hd.special : undefined;
  const la = special?.id;
  if (isoWeekday(hd.date) === a.reportWeekday && (la !== undefined || hd.forced || rng.bool(0.95))) {
    const total = Math.round(a.weeklyReportSize * Math.max(0.7, rng.normal(1, 0.05)) * (special?.factor ?? 1));
    pagedReport(ctx, a, hd, rng, out, {
      total,
      page: ANALYST_PAGE,
      startHour: hd.shiftStart + rng.range(0.5, 1.5),
      hoursBetweenPages: [0.01, 0.03],
      channel: 'sql',
      action: 'read',
      fields: ['name', 'email', 'address', 'order_total'],
      truncateTo: 200,
      tag: la,
    });
  }
  return out;
}

function engineerDay(ctx: DayContext, a: SimActor, hd: HumanDay, rng: Rng): SimEvent[] {
  const out: SimEvent[] = [];
  if (!rng.bool(0.5)) return out;
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const k = rng.int(1, 10);
    const order = rng.bool(0.5);
    const channel: WireChannel = rng.bool(0.6) ? 'sql' : 'api';
    out.push({
      ...base(a, hd, channel, localTime(a.timezone, hd.date, lunchAware(hd, 8.5, rng))),
      action: 'read',
      resource_type: order ? 'order' : 'customer',
      records: ctx.customers.sample(rng, k),
      fields: order ? ['order_total', 'order_status'] : ['email', 'name'],
      outcome: outcome(rng, 0.01, 0.03),
    });
  }
  return out;
}

/** Engineers on call: now and then a late-evening look at a customer's order over VPN. */
function onCallNight(ctx: DayContext, a: SimActor, day: number, rng: Rng): SimEvent[] {
  if (!rng.bool(0.05)) return [];
  if (a.vacation && day >= a.vacation.from && day <= a.vacation.to) return [];
  const date = calendarDate(ctx.startMs, day);
  const hd: HumanDay = {
    kind: 'weekday',
    date,
    ip: vpnIp(rng),
    zone: 'vpn',
    session: `sess-${rng.hex(16)}`,
    volume: 1,
    shiftStart: 0,
    tag: undefined,
    special: undefined,
    forced: false,
  };
  const n = rng.int(1, 3);
  const out: SimEvent[] = [];
  let h = rng.range(21, 23.5);
  for (let i = 0; i < n; i++) {
    out.push({
      ...base(a, hd, 'sql', localTime(a.timezone, date, h)),
      action: 'read',
      resource_type: 'order',
      records: ctx.customers.sample(rng, rng.int(1, 3)),
      fields: ['order_status', 'order_total'],
      outcome: 'success',
    });
    h = Math.min(23.95, h + rng.range(0.02, 0.15));
  }
  return out;
}

function securityDay(ctx: DayContext, a: SimActor, hd: HumanDay, rng: Rng): SimEvent[] {
  const out: SimEvent[] = [];
  if (!rng.bool(0.6)) return out;
  const n = rng.int(1, 6);
  for (let i = 0; i < n; i++) {
    const r = rng.float();
    const [resource, fields]: [WireResourceType, string[]] =
      r < 0.5 ? ['customer', ['name', 'email']] : r < 0.8 ? ['order', ORDER_FIELDS] : ['address', ['address']];
    out.push({
      ...base(a, hd, rng.bool(0.5) ? 'sql' : 'web', localTime(a.timezone, hd.date, lunchAware(hd, 8.5, rng))),
      action: 'read',
      resource_type: resource,
      records: ctx.customers.sample(rng, rng.int(1, 5)),
      fields,
      outcome: 'success',
    });
  }
  return out;
}

/** Relative shop traffic by hour of day (Europe/Berlin): quiet at night, peak in the evening. */
const SHOP_DIURNAL = [
  0.35, 0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.6, 0.85, 1.0, 1.05, 1.1, 1.2, 1.15, 1.1, 1.1, 1.15, 1.25, 1.4, 1.55, 1.6,
  1.45, 1.1, 0.65,
];
const SHOP_DIURNAL_SUM = SHOP_DIURNAL.reduce((s, x) => s + x, 0);

function apiServiceDay(ctx: DayContext, a: SimActor, day: number, rng: Rng): SimEvent[] {
  const svc = a.apiService;
  if (!svc || day < a.activeFromDay) return [];
  const date = calendarDate(ctx.startMs, day);
  const dayStart = ctx.startMs + day * DAY;
  const wd = isoWeekday(date);
  const weekFactor = wd >= 6 ? 1.2 : 1;
  const berlinShift = localParts(dayStart + 12 * HOUR, 'Europe/Berlin').hour - 12;
  const svcIdx = a.index % 200;
  const out: SimEvent[] = [];
  for (let h = 0; h < 24; h++) {
    const local = (((h + berlinShift) % 24) + 24) % 24;
    const lambda = (svc.perDay * a.scale * weekFactor * (SHOP_DIURNAL[local] ?? 1)) / SHOP_DIURNAL_SUM;
    const n = rng.poisson(lambda);
    for (let i = 0; i < n; i++) {
      const [resource, fields] = rng.weighted(svc.resources.map((r) => [[r[0], r[1]] as const, r[2]] as const));
      const k = rng.bool(0.9) ? 1 : rng.int(2, 4);
      out.push({
        ts: dayStart + h * HOUR + rng.int(0, HOUR - 1),
        actor_id: a.actor_id,
        action: 'read',
        resource_type: resource,
        records: ctx.customers.sample(rng, k),
        fields: [...fields],
        outcome: outcome(rng, 0, 0.003),
        channel: 'api',
        source_ip: `10.30.${10 + (svcIdx % 200)}.${rng.int(1, 4)}`,
        user_agent: a.userAgent,
        tsStyle: 'epoch',
        tz: 'UTC',
      });
    }
  }
  // Account deletions requested by customers (GDPR), spread over the day.
  const deletes = rng.poisson((svc.deletesPerDay ?? 0) * a.scale);
  for (let i = 0; i < deletes; i++) {
    out.push({
      ts: dayStart + rng.int(0, DAY - 1),
      actor_id: a.actor_id,
      action: 'delete',
      resource_type: 'customer',
      records: [ctx.customers.uniform(rng)],
      fields: ['name', 'email', 'phone', 'address'],
      outcome: 'success',
      channel: 'api',
      source_ip: `10.30.${10 + (svcIdx % 200)}.${rng.int(1, 4)}`,
      user_agent: a.userAgent,
      tsStyle: 'epoch',
      tz: 'UTC',
    });
  }
  return out;
}

function batchServiceDay(ctx: DayContext, a: SimActor, day: number, rng: Rng): SimEvent[] {
  const job = a.batchJob;
  if (!job || day < a.activeFromDay) return [];
  const date = calendarDate(ctx.startMs, day);
  const dayStart = ctx.startMs + day * DAY;
  const ip = `10.30.1.${10 + (a.index % 240)}`;
  const la = ctx.lookalike(a.index, day);
  const out: SimEvent[] = [];
  const run = (
    startMs: number,
    total: number,
    page: number,
    ids: 'full' | 'truncated' | 'none',
    pageSeconds: readonly [number, number],
    records: ((offset: number, n: number) => number[]) | null,
    tag: string | undefined,
  ): void => {
    const session = `run-${rng.hex(12)}`;
    let t = startMs;
    for (let off = 0; off < total; off += page) {
      const n = Math.min(page, total - off);
      const all = records ? records(off, n) : null;
      const listed = all === null || ids === 'none' ? undefined : ids === 'truncated' ? all.slice(0, 50) : all;
      out.push({
        ts: Math.round(t),
        actor_id: a.actor_id,
        action: job.action,
        resource_type: job.resource,
        records: listed,
        record_count: listed && listed.length === n && ids === 'full' && rng.bool(0.5) ? undefined : n,
        fields: [...job.fields],
        outcome: outcome(rng, 0, 0.002),
        channel: 'batch',
        source_ip: ip,
        session_id: session,
        user_agent: a.userAgent,
        tsStyle: 'epoch',
        tz: 'UTC',
        tag,
      });
      t += rng.range(pageSeconds[0], pageSeconds[1]) * 1000;
    }
  };
  if (job.nightly) {
    const n = job.nightly;
    const growth = (1 + (ctx.batchGrowth?.(a.index) ?? 0)) ** day;
    const total = Math.max(Math.ceil(n.page / 2), Math.round(n.records * a.scale * Math.max(0.6, rng.normal(1, 0.1)) * growth));
    const sample = n.ids === 'none' ? null : ctx.customers.sample(rng, total);
    run(
      dayStart + n.hourUtc * HOUR + rng.range(0, 0.2) * HOUR,
      total,
      n.page,
      n.ids,
      [5, 20],
      sample ? (off, k) => sample.slice(off, off + k) : null,
      la?.type === 'batch_growth' ? la.id : undefined,
    );
  }
  if (job.weekly && isoWeekday(date) === job.weekly.weekday) {
    const w = job.weekly;
    const total = Math.round(Math.min(ctx.customers.size, w.records * Math.max(0.9, rng.normal(1, 0.02))));
    run(dayStart + w.hourUtc * HOUR + rng.range(0.2, 0.4) * HOUR, total, w.page, 'none', [10, 25], null, undefined);
  }
  if (job.monthly && date.day === job.monthly.dayOfMonth) {
    const m = job.monthly;
    const active = ctx.customers.active();
    run(
      dayStart + m.hourUtc * HOUR + rng.range(0, 0.1) * HOUR,
      active.length,
      m.page,
      'truncated',
      [20, 40],
      (off, k) => Array.from(active.subarray(off, off + k)),
      la?.type === 'monthly_batch_job' ? la.id : undefined,
    );
  }
  return out;
}
