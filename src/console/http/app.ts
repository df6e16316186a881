/**
 * The console's HTTP server (fastify): sessions in encrypted, HttpOnly,
 * SameSite=Strict cookies (@fastify/secure-session), CSRF tokens on every
 * change (@fastify/csrf-protection), rate-limited sign-in
 * (@fastify/rate-limit), security headers and a strict content security
 * policy (@fastify/helmet), static files served from the package
 * (@fastify/static), pages rendered from Eta templates with escaping on.
 *
 * Who the user is comes from the session (users_file mode) or, per request,
 * from the trusted reverse proxy's headers (proxy mode); what they may do
 * from their role (auth/roles.ts), checked on the server for every route.
 */
import type { PseudonymKeyring } from '../../privacy/keyring.js';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySecureSession from '@fastify/secure-session';
import fastifyStatic from '@fastify/static';
import { Eta } from 'eta';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../observability/log.js';
import type { RuleSet } from '../../runtime/engine/index.js';
import { PUBLIC_DIR, UPLOT_DIR, VIEWS_DIR } from '../assets.js';
import { writeAudit, type AuditEntry } from '../audit.js';
import type { ConsoleClickHouse } from '../clickhouse.js';
import { can, type Permission, type Role } from '../auth/roles.js';
import { verifyPassword } from '../auth/passwords.js';
import { proxyIdentity, type TrustedProxies } from '../auth/proxy.js';
import type { UserDirectory } from '../auth/users-file.js';
import { registerRoutes } from './routes.js';

export interface ConsoleAppOptions {
  readonly db: ConsoleClickHouse;
  readonly users: UserDirectory;
  readonly auth: 'users_file' | 'proxy';
  readonly trustedProxies: TrustedProxies;
  /** 32 bytes. */
  readonly sessionKey: Buffer;
  readonly sessionHours: number;
  readonly cookieSecure: boolean;
  readonly loginAttemptsPerMinute: number;
  readonly maxExceptionDays: number;
  /** Subject reports search under every active key (privacy/keyring.ts). */
  readonly keyring: PseudonymKeyring;
  readonly rulesDir: string;
  /** The rules as loaded at start (chart parameters, bands); exceptions are validated against the folder as it is now. */
  readonly rules: RuleSet;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface ConsoleUserContext {
  readonly username: string;
  readonly role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser: ConsoleUserContext | null;
  }
  interface FastifyContextConfig {
    /** Routes without it are public (sign-in, static files, health). */
    permission?: Permission;
  }
}

declare module '@fastify/secure-session' {
  interface SessionData {
    user: { username: string; signedInAt: number };
    flash: { kind: 'ok' | 'error'; text: string };
  }
}

/** Compared against when a user name is unknown, so a sign-in takes as long either way. */
const DUMMY_HASH = 'scrypt$131072$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export interface RenderOptions {
  readonly title: string;
  readonly nav?: string;
  readonly chart?: boolean;
  readonly status?: number;
}

export interface ConsoleContext {
  readonly o: ConsoleAppOptions;
  readonly now: () => number;
  render(req: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, opts: RenderOptions): Promise<FastifyReply>;
  audit(req: FastifyRequest, entry: Omit<AuditEntry, 'username' | 'role' | 'clientIp'>): Promise<void>;
  flash(req: FastifyRequest, kind: 'ok' | 'error', text: string): void;
  fail(req: FastifyRequest, reply: FastifyReply, status: number, heading: string, message: string): Promise<FastifyReply>;
}

/**
 * What a failed sign-in leaves in the audit, which every role may read: the
 * user name when it is a user's (a wrong password for a real account), never a
 * name no user has. People type their password into the name field; it would
 * be stored and shown to every viewer. The client address is recorded anyway,
 * so a run of guesses still shows.
 */
export function failedLoginAudit(username: string, known: boolean): { target: string; detail?: string } {
  return known ? { target: username } : { target: '(unknown user name)', detail: `${username.length} characters` };
}

export const timeText = (ms: number): string => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '');

export async function buildConsoleApp(o: ConsoleAppOptions): Promise<FastifyInstance> {
  const now = o.now ?? (() => Date.now());
  const app = Fastify({
    // Request lines are not logged: the audit says who did what; URLs hold no customer id
    // (subject reports are POSTed) but need not fill the log either.
    loggerInstance: o.logger.child({ component: 'console' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    trustProxy: false,
  });
  const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // Served over http://localhost in the demo: do not pin HTTPS for the host.
    strictTransportSecurity: o.cookieSecure ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(fastifyFormbody, { bodyLimit: 256 * 1024 });
  await app.register(fastifySecureSession, {
    key: o.sessionKey,
    cookieName: 'custos_console',
    expiry: o.sessionHours * 3600,
    cookie: { path: '/', httpOnly: true, secure: o.cookieSecure, sameSite: 'strict', maxAge: o.sessionHours * 3600 },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/secure-session' });
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: 'Too Many Requests', message: `too many sign-in attempts; try again in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', index: false, maxAge: '1h' });
  await app.register(fastifyStatic, { root: UPLOT_DIR, prefix: '/static/vendor/uplot/', decorateReply: false, index: false, maxAge: '1h', allowedPath: (p) => /^\/uPlot\.(iife\.min\.js|min\.css)$/.test(p) });

  app.decorateRequest('consoleUser', null);

  // Who is asking: the session's user (users_file) or the trusted proxy's headers (proxy).
  app.addHook('onRequest', async (req) => {
    if (o.auth === 'proxy') {
      if (!o.trustedProxies(req.socket.remoteAddress)) return;
      const id = proxyIdentity(req.headers);
      const user = (id.user !== null ? o.users.byUsername(id.user) : undefined) ?? (id.email !== null ? o.users.byEmail(id.email) : undefined);
      if (user !== undefined) req.consoleUser = { username: user.username, role: user.role };
      return;
    }
    const s = req.session.get('user');
    if (s === undefined) return;
    // The role is read from the users file now: a changed or removed user loses rights at once.
    const user = o.users.byUsername(s.username);
    if (user !== undefined) req.consoleUser = { username: user.username, role: user.role };
  });

  const ctx: ConsoleContext = {
    o,
    now,
    async render(req, reply, template, data, opts) {
      const user = req.consoleUser;
      const csrf = reply.generateCsrf();
      const flash = req.session.get('flash');
      if (flash !== undefined) req.session.set('flash', undefined);
      const common = {
        title: opts.title,
        nav: opts.nav ?? '',
        chart: opts.chart === true,
        csrf,
        flash,
        time: timeText,
        user:
          user === null
            ? null
            : {
                ...user,
                canTriage: can(user.role, 'triage'),
                canSubjectReport: can(user.role, 'subject_report'),
                canSignOut: o.auth === 'users_file',
              },
      };
      const html = await eta.renderAsync(template, { ...common, ...data });
      return reply.code(opts.status ?? 200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    },
    async audit(req, entry) {
      const user = req.consoleUser;
      try {
        await writeAudit(o.db, { username: user?.username ?? '', role: user?.role ?? '', clientIp: req.socket.remoteAddress ?? '', ...entry }, now());
      } catch (err) {
        req.log.error({ err: { message: (err as Error).message } }, 'console audit row could not be written');
        throw err;
      }
    },
    flash(req, kind, text) {
      req.session.set('flash', { kind, text });
    },
    fail(req, reply, status, heading, message) {
      return ctx.render(req, reply, 'error', { heading, message }, { title: heading, status });
    },
  };

  // Every route with a permission needs a user who has it; refusals are audited.
  app.addHook('preHandler', async (req, reply) => {
    const permission = req.routeOptions.config.permission;
    if (permission === undefined) return;
    const user = req.consoleUser;
    if (user === null) {
      if (o.auth === 'proxy') {
        const why = o.trustedProxies(req.socket.remoteAddress) ? 'the proxy passed no user the users file lists' : 'requests must come through the trusted proxy';
        return ctx.fail(req, reply, 403, 'Not allowed', why);
      }
      if (req.method === 'GET') return reply.redirect('/login', 303);
      return ctx.fail(req, reply, 401, 'Signed out', 'Your session ended: sign in again.');
    }
    if (!can(user.role, permission)) {
      await ctx.audit(req, { action: 'refused', outcome: 'denied', target: req.url.slice(0, 200), detail: `${req.method} needs ${permission}` }).catch(() => undefined);
      return ctx.fail(req, reply, 403, 'Not allowed', `Your role (${user.role}) may not do this: it needs the ${permission} right.`);
    }
  });
  // Every change carries the session's CSRF token (forms post it as _csrf).
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD') return done();
    app.csrfProtection(req, reply, done);
  });

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 429) return reply.code(429).type('text/plain').send(err.message);
    if (typeof err.code === 'string' && err.code.startsWith('FST_CSRF')) return ctx.fail(req, reply, 403, 'Refused', 'The form is out of date (missing or invalid CSRF token): reload the page and try again.');
    if (status >= 500) req.log.error({ err: { message: err.message, name: err.name } }, 'console request failed');
    return ctx.fail(req, reply, status, status >= 500 ? 'Something failed' : 'Refused', status >= 500 ? 'The request could not be completed; it was logged.' : err.message);
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/', async (_req, reply) => reply.redirect('/queue', 303));

  app.get('/login', async (req, reply) => {
    if (o.auth === 'proxy') return reply.redirect('/queue', 303);
    return ctx.render(req, reply, 'login', {}, { title: 'Sign in' });
  });
  app.post<{ Body: { username?: string; password?: string } }>(
    '/login',
    { config: { rateLimit: { max: o.loginAttemptsPerMinute, timeWindow: 60_000 } } },
    async (req, reply) => {
      if (o.auth === 'proxy') return reply.redirect('/queue', 303);
      const username = String(req.body?.username ?? '').slice(0, 128);
      const password = String(req.body?.password ?? '');
      const user = o.users.byUsername(username);
      const ok = (await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)) && user !== undefined;
      if (!ok || user === undefined) {
        await ctx.audit(req, { action: 'login', outcome: 'failed', ...failedLoginAudit(username, user !== undefined) });
        ctx.flash(req, 'error', 'Unknown user name or wrong password.');
        return reply.redirect('/login', 303);
      }
      // A new session (and CSRF secret) at sign-in: nothing from before carries over.
      req.session.regenerate();
      req.session.set('user', { username: user.username, signedInAt: now() });
      req.consoleUser = { username: user.username, role: user.role };
      await ctx.audit(req, { action: 'login', outcome: 'ok', target: user.username });
      return reply.redirect('/queue', 303);
    },
  );
  app.post('/logout', { config: { permission: 'read' } }, async (req, reply) => {
    await ctx.audit(req, { action: 'logout', outcome: 'ok' });
    req.session.delete();
    return reply.redirect('/login', 303);
  });

  registerRoutes(app, ctx);
  return app;
}
