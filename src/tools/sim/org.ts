/**
 * The simulated organisation: who works at the shop, in which role, time zone
 * and employment status, and the personal parameters of their normal work.
 * The directory snapshot written to actors.csv is valid for the whole
 * simulated period (the CSV has no effective dates), so traffic is generated to
 * be consistent with it: `terminated` and `leave` actors produce no normal
 * traffic, new hires start producing traffic on their hire day, `notice`
 * actors keep working normally.
 */
import { Rng, deriveSeed } from './rng.js';

export const ROLES = [
  'support_agent',
  'support_lead',
  'marketing_analyst',
  'data_analyst',
  'finance_clerk',
  'engineer',
  'security_analyst',
  'service_batch',
  'service_api',
] as const;
export type Role = (typeof ROLES)[number];

export const DEPARTMENTS: Record<Role, string> = {
  support_agent: 'customer_service',
  support_lead: 'customer_service',
  marketing_analyst: 'marketing',
  data_analyst: 'analytics',
  finance_clerk: 'finance',
  engineer: 'engineering',
  security_analyst: 'security',
  service_batch: 'platform',
  service_api: 'platform',
};

export type SimEmploymentStatus = 'active' | 'notice' | 'leave' | 'terminated';

/** Share of the organisation and minimum head count per role. */
const ROLE_MIX: readonly { role: Role; share: number; min: number; max?: number }[] = [
  { role: 'support_agent', share: 0.42, min: 8 },
  { role: 'support_lead', share: 0.05, min: 1 },
  { role: 'marketing_analyst', share: 0.08, min: 2 },
  { role: 'data_analyst', share: 0.07, min: 2 },
  { role: 'finance_clerk', share: 0.08, min: 2 },
  { role: 'engineer', share: 0.12, min: 2 },
  { role: 'security_analyst', share: 0.03, min: 1 },
  { role: 'service_batch', share: 0.025, min: 4, max: 10 },
  { role: 'service_api', share: 0.025, min: 3, max: 10 },
];

export const MIN_ACTORS = ROLE_MIX.reduce((s, r) => s + r.min, 0) + 4;

/** Batch jobs run by service_batch accounts. Times are UTC. */
export interface BatchJobKind {
  readonly name: string;
  /** What the account does every night (small), plus optional weekly / monthly big runs. */
  readonly nightly: { readonly hourUtc: number; readonly records: number; readonly page: number; readonly ids: 'full' | 'truncated' | 'none' } | null;
  readonly weekly: { readonly weekday: number; readonly hourUtc: number; readonly records: number; readonly page: number } | null;
  readonly monthly: { readonly dayOfMonth: number; readonly hourUtc: number; readonly page: number } | null;
  readonly resource: 'customer' | 'order';
  readonly action: 'read' | 'export' | 'delete';
  readonly fields: readonly string[];
  readonly userAgent: string;
}

export const BATCH_JOBS: readonly BatchJobKind[] = [
  {
    name: 'svc-monthly-statements',
    nightly: { hourUtc: 6, records: 250, page: 250, ids: 'full' },
    weekly: null,
    monthly: { dayOfMonth: 1, hourUtc: 1, page: 1000 },
    resource: 'customer',
    action: 'read',
    fields: ['name', 'email', 'address', 'order_total'],
    userAgent: 'statement-runner/2.3.1',
  },
  {
    name: 'svc-crm-sync',
    nightly: { hourUtc: 2, records: 3000, page: 500, ids: 'full' },
    weekly: null,
    monthly: null,
    resource: 'customer',
    action: 'read',
    fields: ['name', 'email', 'phone', 'address'],
    userAgent: 'crm-sync/5.0.4',
  },
  {
    name: 'svc-search-reindex',
    nightly: { hourUtc: 3, records: 800, page: 400, ids: 'full' },
    weekly: { weekday: 7, hourUtc: 3, records: 60_000, page: 2000 },
    monthly: null,
    resource: 'customer',
    action: 'read',
    fields: ['name', 'email', 'address'],
    userAgent: 'search-indexer/1.18.0',
  },
  {
    name: 'svc-dwh-loader',
    nightly: { hourUtc: 1, records: 8000, page: 1000, ids: 'none' },
    weekly: null,
    monthly: null,
    resource: 'order',
    action: 'read',
    fields: ['order_total', 'order_status', 'order_id'],
    userAgent: 'dwh-loader/0.9.12',
  },
];

export interface ApiServiceKind {
  readonly name: string;
  /** Mean events per day at scale 1. */
  readonly perDay: number;
  readonly resources: readonly (readonly ['customer' | 'order' | 'address' | 'payment_method', readonly string[], number])[];
  readonly userAgent: string;
  /** Account deletions (GDPR requests) per day, executed through this API. */
  readonly deletesPerDay?: number;
}

export const API_SERVICES: readonly ApiServiceKind[] = [
  {
    name: 'svc-order-api',
    perDay: 1600,
    resources: [
      ['order', ['order_total', 'order_status', 'order_id'], 0.8],
      ['address', ['address'], 0.2],
    ],
    userAgent: 'order-service/4.12.0',
  },
  {
    name: 'svc-customer-profile',
    perDay: 1200,
    resources: [['customer', ['name', 'email', 'phone', 'address'], 1]],
    userAgent: 'profile-service/2.7.3',
    deletesPerDay: 3,
  },
  {
    name: 'svc-checkout',
    perDay: 900,
    resources: [
      ['payment_method', ['card_last4'], 0.6],
      ['address', ['address'], 0.4],
    ],
    userAgent: 'checkout/9.1.0',
  },
  {
    name: 'svc-notifications',
    perDay: 700,
    resources: [['customer', ['email', 'phone', 'name'], 1]],
    userAgent: 'notifier/3.3.2',
  },
  {
    name: 'svc-fraud-scoring',
    perDay: 800,
    resources: [
      ['order', ['order_total', 'order_id'], 0.7],
      ['payment_method', ['card_last4'], 0.3],
    ],
    userAgent: 'fraud-scorer/1.4.0',
  },
];

export interface SimActor {
  /** Position in the organisation (stable for a seed and size). */
  readonly index: number;
  readonly actor_id: string;
  readonly role: Role;
  readonly department: string;
  employment_status: SimEmploymentStatus;
  readonly timezone: string;
  readonly kind: 'human' | 'service';
  readonly allowed_zones: readonly string[];
  /** Personal volume multiplier (log-normal around 1). */
  readonly scale: number;
  /** Usual local start of the working day (fractional hour). */
  readonly shiftStart: number;
  /** Works a Saturday shift (some support agents). */
  readonly weekendShift: boolean;
  /** Probability that a working day is remote (VPN) rather than office. */
  readonly vpnShare: number;
  readonly officeIp: string;
  readonly userAgent: string;
  /** First day (0-based) with traffic: > 0 for new hires, Infinity for silent actors. */
  activeFromDay: number;
  /** Workdays over which a new hire ramps from ~30 % to full volume. */
  rampWorkdays: number;
  /** Vacation (no traffic), inclusive day range, or null. */
  vacation: { from: number; to: number } | null;
  /** Day of the week (1-7) of this person's recurring big report / campaign export. */
  readonly reportWeekday: number;
  /** Size of the recurring weekly report (data / marketing analysts). */
  readonly weeklyReportSize: number;
  /** Batch job or API service definition for service accounts. */
  readonly batchJob: BatchJobKind | null;
  readonly apiService: ApiServiceKind | null;
  /** Engineers on call now and then (rare night-time reads over VPN). */
  readonly onCall: boolean;
  /** Days the actor must work (incident / look-alike days); overrides absence draws. */
  readonly forceWork: Set<number>;
  /** Free-form life-cycle notes (e.g. `new_hire`), for debugging scenarios. */
  readonly notes: string[];
}

const HUMAN_TZ_SUPPORT: readonly (readonly [string, number])[] = [
  ['Europe/Berlin', 0.4],
  ['Europe/London', 0.2],
  ['America/New_York', 0.2],
  ['Asia/Manila', 0.2],
];
const HUMAN_TZ_OFFICE: readonly (readonly [string, number])[] = [
  ['Europe/Berlin', 0.6],
  ['Europe/London', 0.25],
  ['America/New_York', 0.15],
];

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Safari/537.36',
];
const SQL_CLIENTS = ['DBeaver/24.1.0', 'psql/16.2', 'DataGrip/2024.1', 'metabase/0.49.6'];

function roleCounts(n: number): Map<Role, number> {
  if (n < MIN_ACTORS) throw new Error(`actors must be at least ${MIN_ACTORS}, got ${n}`);
  const counts = new Map<Role, number>();
  let total = 0;
  for (const r of ROLE_MIX) {
    let c = Math.max(r.min, Math.round(r.share * n));
    if (r.max !== undefined) c = Math.min(c, r.max);
    counts.set(r.role, c);
    total += c;
  }
  // Support agents absorb the rounding.
  counts.set('support_agent', (counts.get('support_agent') ?? 0) + (n - total));
  if ((counts.get('support_agent') ?? 0) < 8) throw new Error(`actors must be at least ${MIN_ACTORS}, got ${n}`);
  return counts;
}

/** Builds the organisation for a seed: roles, zones, personal parameters, statuses. */
export function buildOrganisation(seed: number, n: number, days: number): SimActor[] {
  const rng = new Rng(deriveSeed(seed, 'org'));
  const counts = roleCounts(n);
  const actors: SimActor[] = [];
  const usedIds = new Set<string>();
  let batchI = 0;
  let apiI = 0;
  for (const { role } of ROLE_MIX) {
    const c = counts.get(role) ?? 0;
    for (let k = 0; k < c; k++) {
      const index = actors.length;
      const isService = role === 'service_batch' || role === 'service_api';
      let actorId: string;
      let batchJob: BatchJobKind | null = null;
      let apiService: ApiServiceKind | null = null;
      if (role === 'service_batch') {
        batchJob = BATCH_JOBS[batchI % BATCH_JOBS.length] as BatchJobKind;
        const round = Math.floor(batchI / BATCH_JOBS.length);
        actorId = round === 0 ? batchJob.name : `${batchJob.name}-${round + 1}`;
        batchI++;
      } else if (role === 'service_api') {
        apiService = API_SERVICES[apiI % API_SERVICES.length] as ApiServiceKind;
        const round = Math.floor(apiI / API_SERVICES.length);
        actorId = round === 0 ? apiService.name : `${apiService.name}-${round + 1}`;
        apiI++;
      } else {
        do actorId = `emp-${rng.int(10000, 99999)}`;
        while (usedIds.has(actorId));
      }
      usedIds.add(actorId);
      const support = role === 'support_agent' || role === 'support_lead';
      const timezone = isService ? 'UTC' : rng.weighted(support ? HUMAN_TZ_SUPPORT : HUMAN_TZ_OFFICE);
      const usesSql = role === 'data_analyst' || role === 'engineer' || role === 'security_analyst';
      // Zones: services only the datacenter; people the office and (except finance) the VPN.
      // The directory narrows some people to the office; others leave the column empty
      // ("whatever the role allows").
      const officeOnly = role === 'finance_clerk' || rng.bool(0.1);
      const zoneStyle = rng.float();
      const allowed: string[] = isService
        ? ['datacenter']
        : zoneStyle < 0.15
          ? []
          : officeOnly
            ? ['office']
            : ['office', 'vpn'];
      actors.push({
        index,
        actor_id: actorId,
        role,
        department: DEPARTMENTS[role],
        employment_status: 'active',
        timezone,
        kind: isService ? 'service' : 'human',
        allowed_zones: allowed,
        scale: isService ? rng.lognormal(1, 0.2) : rng.lognormal(1, 0.25),
        shiftStart: rng.range(8.05, 10),
        weekendShift: role === 'support_agent' && rng.bool(0.12),
        vpnShare: officeOnly || isService ? 0 : rng.range(0.05, 0.5),
        officeIp: `10.10.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`,
        userAgent: isService
          ? (batchJob?.userAgent ?? apiService?.userAgent ?? 'service/1.0')
          : usesSql && rng.bool(0.5)
            ? rng.pick(SQL_CLIENTS)
            : rng.pick(BROWSERS),
        activeFromDay: 0,
        rampWorkdays: 0,
        vacation: null,
        reportWeekday: rng.int(1, 5),
        weeklyReportSize: Math.round(rng.lognormal(role === 'data_analyst' ? 40_000 : 8_000, 0.3)),
        batchJob,
        apiService,
        // On call = VPN access at night, so only engineers who may use the VPN.
        onCall: role === 'engineer' && rng.bool(0.4) && !officeOnly,
        forceWork: new Set<number>(),
        notes: [],
      });
    }
  }
  assignLifecycle(rng, actors, days);
  return actors;
}

/**
 * Statuses and life-cycle events among humans: a few terminated (left before the
 * simulated period, no traffic) and on long leave (no traffic), some on notice
 * (working normally), some new hires (traffic from their hire day, ramping up)
 * and vacations of active staff (a week or two without traffic).
 */
function assignLifecycle(rng: Rng, actors: SimActor[], days: number): void {
  const humans = actors.filter((a) => a.kind === 'human');
  const pool = rng.shuffle([...humans]);
  const take = (k: number): SimActor[] => pool.splice(0, Math.min(k, pool.length));
  const frac = (f: number, min: number): number => Math.max(min, Math.round(humans.length * f));
  for (const a of take(frac(0.03, 1))) {
    a.employment_status = 'terminated';
    a.activeFromDay = Number.POSITIVE_INFINITY;
  }
  for (const a of take(frac(0.02, 1))) {
    a.employment_status = 'leave';
    a.activeFromDay = Number.POSITIVE_INFINITY;
  }
  for (const a of take(frac(0.03, 1))) a.employment_status = 'notice';
  // Background new hires (the labeled look-alike new hires are added by the scenario).
  if (days >= 10) {
    for (const a of take(frac(0.02, 1))) {
      a.activeFromDay = rng.int(2, Math.max(3, Math.floor(days * 0.6)));
      a.rampWorkdays = rng.int(8, 12);
      a.notes.push('new_hire');
    }
  }
  for (const a of pool) {
    if (a.employment_status === 'active' && days >= 12 && rng.bool(0.2)) {
      const len = rng.int(5, 10);
      const from = rng.int(0, Math.max(0, days - len));
      a.vacation = { from, to: from + len - 1 };
    }
  }
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const DIRECTORY_HEADER = 'actor_id,role,department,employment_status,timezone,kind,allowed_zones';

/** The actor directory as CSV text (header + one line per actor, `\n` line ends). */
export function directoryCsv(actors: readonly SimActor[]): string {
  const lines = [DIRECTORY_HEADER];
  for (const a of actors) {
    lines.push(
      [a.actor_id, a.role, a.department, a.employment_status, a.timezone, a.kind, a.allowed_zones.join(';')]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
