/**
 * The console's routes: pages (read), forms that operate (operate, with the session's CSRF
 * token), login and logout, and the two assets. Forms answer with a redirect (303) back to a
 * page, so they work without script.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { jobOf } from '../routes-jobs.js';
import { runJson } from '../model.js';
import type { Routes } from '../routes.js';
import { JobParams, RunParams } from '../schemas.js';
import { findToken } from '../tokens.js';
import { LOGIN_COOKIE, parseCookies, randomId, sameSecret, SESSION_COOKIE, SESSION_IDLE_MS } from '../auth.js';
import { ASSET_VERSION, CONSOLE_CSS, CONSOLE_JS, ICON_SVG } from './assets.js';
import { jobPage, triggerBodyFromForm } from './job.js';
import { groupsPage, loginPage, schedulePage } from './misc.js';
import { simulateNextDay } from '../simulate-worker.js';
import { DsariError, errorMessage } from '../../errors.js';
import { overviewPage } from './overview.js';
import { runPageHtml } from './run.js';

const HTML = 'text/html; charset=utf-8';
const FORM = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** Only a local path may be a redirect target (never `//host` or a scheme). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

function cookie(name: string, value: string, maxAgeS: number, secure: boolean): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

export function consoleRoutes(routes: Routes, ctx: HttpContext): void {
  const secure = (): boolean => ctx.http().publicUrl?.startsWith('https:') ?? false;
  const sendPage = (reply: FastifyReply, text: string): FastifyReply => reply.type(HTML).header('Cache-Control', 'no-store').send(text);
  const base = { console: true, tags: ['console'] } as const;

  routes.add({ ...base, method: 'GET', url: '/', role: 'read', operationId: 'consoleOverview', summary: 'Overview page', schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 200 }, page: { type: 'integer', minimum: 1, maximum: 100000 } } } },
    handler: async (req, reply) => {
      const q = req.query as { q?: string; page?: number };
      return sendPage(reply, await overviewPage(ctx, req.identity, q.q ?? '', q.page ?? 1));
    } });

  routes.add({ ...base, method: 'GET', url: '/jobs/:job', role: 'read', operationId: 'consoleJob', summary: 'Job page', schema: { params: JobParams, querystring: { type: 'object', properties: { before: { type: 'string', maxLength: 400 }, triggered: { type: 'string', maxLength: 200 }, notice: { type: 'string', enum: ['paused', 'resumed'] } } } },
    handler: async (req, reply) => {
      const job = jobOf(ctx, req);
      const q = req.query as { before?: string; triggered?: string; notice?: string };
      const notice = q.notice === 'paused' ? 'The job is paused.' : q.notice === 'resumed' ? 'The job is resumed.' : undefined;
      return sendPage(reply, await jobPage(ctx, req.identity, job, { ...(q.before === undefined ? {} : { before: q.before }), ...(q.triggered === undefined ? {} : { triggered: q.triggered }), ...(notice === undefined ? {} : { notice }) }));
    } });

  routes.add({ ...base, method: 'GET', url: '/runs/:run_id', role: 'read', operationId: 'consoleRun', summary: 'Run page', schema: { params: RunParams, querystring: { type: 'object', properties: { notice: { type: 'string', enum: ['cancelled', 'dropped'] } } } },
    handler: async (req, reply) => {
      const id = (req.params as { run_id: string }).run_id;
      const rec = await ctx.control.store.getRun(id);
      let run = rec === null ? null : runJson(rec);
      if (run === null) {
        const p = ctx.control.pendingRuns().find((r) => r.runId === id);
        if (p === undefined) throw notFound(`There is no run ${id}.`);
        run = { ...runJson({ jobName: p.jobName, runId: p.runId, scheduleTime: p.scheduleTime, startTime: p.scheduleTime, stopTime: null, exitCode: null, running: false, triggerType: p.triggerType, triggerData: p.triggerData, runData: {} }), status: 'pending', start_time: null };
      }
      const n = (req.query as { notice?: string }).notice;
      return sendPage(reply, await runPageHtml(ctx, req.identity, run, n === 'cancelled' ? 'Cancel requested: the run is being stopped.' : n === 'dropped' ? 'The pending run was dropped.' : undefined));
    } });

  routes.add({ ...base, method: 'GET', url: '/groups', role: 'read', operationId: 'consoleGroups', summary: 'Groups page', handler: async (req, reply) => sendPage(reply, groupsPage(ctx, req.identity)) });

  // The simulator's page for the next 24 h (SPEC-BEYOND §15): self-contained, with its own inline
  // style and script, so it gets its own Content-Security-Policy (nothing from elsewhere either).
  routes.add({ ...base, method: 'GET', url: '/groups/simulate', role: 'read', operationId: 'consoleSimulate', summary: 'Simulation of the next 24 hours',
    handler: async (_req, reply) => {
      let text: string;
      try {
        text = await simulateNextDay(ctx.control.config(), ctx.control.clock.now());
      } catch (err) {
        throw new HttpError(err instanceof DsariError && err.code === 'E_BUSY' ? 409 : 500, 'simulation_failed', errorMessage(err));
      }
      return reply
        .header('Content-Security-Policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
        .type(HTML)
        .header('Cache-Control', 'no-store')
        .send(text);
    } });

  routes.add({ ...base, method: 'GET', url: '/schedule', role: 'read', operationId: 'consoleSchedule', summary: 'Schedule playground', schema: { querystring: { type: 'object', properties: { expression: { type: 'string', maxLength: 1000 }, job: { type: 'string', maxLength: 255 }, timezone: { type: 'string', maxLength: 100 } } } },
    handler: async (req, reply) => sendPage(reply, schedulePage(ctx, req.identity, req.query as Record<string, string>)) });

  routes.add({ ...base, method: 'POST', url: '/jobs/:job/trigger', role: 'operate', operationId: 'consoleTrigger', summary: 'Trigger form', schema: { params: JobParams, body: FORM },
    handler: async (req, reply) => {
      const job = jobOf(ctx, req);
      const body = triggerBodyFromForm(req.body as Record<string, string>);
      if (typeof body === 'string') throw new HttpError(400, 'bad_trigger', body);
      const out = await ctx.intake.submit(job.name, body, null, req.identity.principal.name);
      return reply.redirect(`/jobs/${encodeURIComponent(job.name)}?triggered=${encodeURIComponent(out.runId)}`, 303);
    } });

  for (const action of ['pause', 'resume'] as const) {
    routes.add({ ...base, method: 'POST', url: `/jobs/:job/${action}`, role: 'operate', operationId: `console${action}`, summary: `${action} form`, schema: { params: JobParams, body: FORM },
      handler: async (req, reply) => {
        const job = jobOf(ctx, req);
        const reason = ((req.body as Record<string, string>)['reason'] ?? '').trim();
        if (action === 'pause') await ctx.control.pause(job.name, req.identity.principal.name, reason === '' ? null : reason);
        else await ctx.control.resume(job.name, req.identity.principal.name);
        return reply.redirect(`/jobs/${encodeURIComponent(job.name)}?notice=${action === 'pause' ? 'paused' : 'resumed'}`, 303);
      } });
  }

  routes.add({ ...base, method: 'POST', url: '/runs/:run_id/cancel', role: 'operate', operationId: 'consoleCancel', summary: 'Cancel form', schema: { params: RunParams, body: FORM },
    handler: async (req, reply) => {
      const id = (req.params as { run_id: string }).run_id;
      const outcome = await ctx.control.cancelRun(id, req.identity.principal.name);
      if (outcome === 'unknown') throw notFound(`There is no running or pending run ${id}.`);
      if (outcome === 'ended') throw new HttpError(409, 'already_ended', `Run ${id} has already ended.`);
      ctx.log.info(`HTTP: run ${id} ${outcome} by ${req.identity.principal.name}`);
      return reply.redirect(`/runs/${encodeURIComponent(id)}?notice=${outcome}`, 303);
    } });

  routes.add({ ...base, method: 'GET', url: '/login', role: null, operationId: 'consoleLogin', summary: 'Login form', schema: { querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 1000 } } } },
    handler: async (req, reply) => {
      const token = randomId();
      reply.header('Set-Cookie', cookie(LOGIN_COOKIE, token, 3600, secure()));
      return sendPage(reply, loginPage(req.identity, token, safeNext((req.query as { next?: string }).next), null));
    } });

  routes.add({ ...base, method: 'POST', url: '/login', role: null, operationId: 'consoleLoginPost', summary: 'Log in with a token', schema: { body: FORM },
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const form = req.body as Record<string, string>;
      const expected = parseCookies(req.headers.cookie).get(LOGIN_COOKIE);
      // The form's token must match its cookie: another site cannot log a browser in.
      if (expected === undefined || form['_login'] === undefined || !sameSecret(expected, form['_login'])) throw new HttpError(403, 'csrf', 'The login form expired or did not come from this site: load it again.');
      const token = findToken(ctx.http().tokens, form['token'] ?? '');
      const next = safeNext(form['next']);
      if (token === null) {
        ctx.log.warning(`HTTP: failed console login from ${req.ip}`);
        const fresh = randomId();
        reply.header('Set-Cookie', cookie(LOGIN_COOKIE, fresh, 3600, secure()));
        return sendPage(reply.code(401), loginPage(req.identity, fresh, next, 'Unknown token.'));
      }
      const session = ctx.sessions.create(token);
      ctx.log.info(`HTTP: console login as ${token.name} (${token.role})`);
      reply.header('Set-Cookie', [cookie(SESSION_COOKIE, session.id, SESSION_IDLE_MS / 1000, secure()), cookie(LOGIN_COOKIE, '', 0, secure())]);
      return reply.redirect(next, 303);
    } });

  routes.add({ ...base, method: 'POST', url: '/logout', role: null, operationId: 'consoleLogout', summary: 'Log out', schema: { body: FORM },
    handler: async (req, reply) => {
      if (req.identity.sessionId !== null) ctx.sessions.delete(req.identity.sessionId);
      reply.header('Set-Cookie', cookie(SESSION_COOKIE, '', 0, secure()));
      return reply.redirect('/', 303);
    } });

  const asset = (url: string, type: string, body: string): void =>
    routes.add({ ...base, method: 'GET', url, role: null, operationId: `asset${url}`, summary: 'asset',
      handler: async (req, reply) => {
        const versioned = (req.query as Record<string, unknown>)['v'] === ASSET_VERSION;
        return reply.type(type).header('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache').send(body);
      } });
  asset('/favicon.ico', 'image/svg+xml', ICON_SVG);
  asset('/assets/console.css', 'text/css; charset=utf-8', CONSOLE_CSS);
  asset('/assets/console.js', 'text/javascript; charset=utf-8', CONSOLE_JS);
}
