/**
 * The daemon as a whole: status, schedule preview, the OpenAPI document, health and readiness,
 * metrics, and the live event stream the console listens to.
 */
import type { ServerResponse } from 'node:http';
import { errorMessage } from '../errors.js';
import { EXPOSITION_CONTENT_TYPE } from '../metrics/exposition.js';
import { compileSchedule, isValidZone, localZone } from '../schedule/index.js';
import type { HttpContext } from './context.js';
import { badRequest, HttpError } from './errors.js';
import { ExporterMetrics } from './metrics-worker.js';
import { followers } from './follow.js';
import { iso } from './model.js';
import { openapiDocument } from './openapi.js';
import type { Routes } from './routes.js';
import { AUTH_ERRORS, errorResponse, json, ScheduleQuery } from './schemas.js';

/** Open live event streams of the console, closed at shutdown. */
export const eventStreams = new Set<ServerResponse>();

export function systemRoutes(routes: Routes, ctx: HttpContext): ExporterMetrics {
  const started = Date.now() / 1000;
  const exporter = new ExporterMetrics(ctx.control.config().database, ctx.control.dataDir, ctx.log);
  ctx.control.events.on('reloaded', () => exporter.invalidate());

  routes.add({
    method: 'GET',
    url: '/api/v1/status',
    role: 'read',
    operationId: 'getStatus',
    summary: 'The daemon\'s status (what SIGQUIT logs)',
    tags: ['system'],
    responses: { '200': json('running and pending runs, groups, pauses', { type: 'object', additionalProperties: true }), ...AUTH_ERRORS },
    handler: async () => {
      const s = ctx.control.status();
      const pauses = await ctx.control.pauses();
      return {
        scheduling: ctx.control.scheduling(),
        running: s.running.map((r) => ({ job_name: r.job, run_id: r.runId, pid: r.pid, start_time: iso(r.startTime), concurrency_group: r.concurrencyGroup })),
        pending: s.pending.map((p) => ({ job_name: p.job, run_id: p.runId, trigger_type: p.triggerType, schedule_time: iso(p.scheduleTime), waiting: p.waiting })),
        groups: s.groups.map((g) => ({ name: g.name, used: g.used, max: g.max })),
        paused: pauses.map((p) => ({ job_name: p.job, by: p.by, reason: p.reason, since: iso(p.since) })),
      };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/schedule',
    role: 'read',
    operationId: 'previewSchedule',
    summary: 'Next fire times of an expression (the `dsari schedule` engine)',
    description: 'Give `expression`, or `job` alone for that job\'s schedule.',
    tags: ['system'],
    schema: { querystring: ScheduleQuery },
    responses: { '200': json('the fire times', { type: 'object', properties: { expression: { type: 'string' }, timezone: { type: 'string' }, times: { type: 'array', items: { type: 'string' } } } }), '400': errorResponse('a bad expression (the field is named) or zone'), ...AUTH_ERRORS },
    handler: async (req) => {
      const q = req.query as { expression?: string; job?: string; timezone?: string; n?: number };
      const job = q.job === undefined ? undefined : ctx.control.config().jobs.get(q.job);
      const expression = q.expression ?? job?.schedule ?? undefined;
      if (expression === undefined) throw badRequest(q.job !== undefined && job === undefined ? `querystring/job: no job named ${JSON.stringify(q.job)} (give an expression)` : 'querystring/expression is required (or a job with a schedule)');
      const zone = q.timezone ?? job?.scheduleTimezone ?? localZone();
      if (!isValidZone(zone)) throw badRequest(`querystring/timezone: unknown time zone ${JSON.stringify(zone)}`);
      let schedule;
      try {
        schedule = compileSchedule(expression, { jobName: q.job ?? '', timezone: zone });
      } catch (err) {
        throw badRequest(`querystring/expression: ${errorMessage(err)}`);
      }
      const times: string[] = [];
      let t: number | null = ctx.control.clock.now();
      while (times.length < (q.n ?? 10)) {
        t = schedule.next(t);
        if (t === null) break;
        times.push(iso(t) as string);
      }
      return { expression, timezone: zone, times };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/openapi.json',
    role: null,
    operationId: 'getOpenapi',
    summary: 'This document',
    tags: ['system'],
    responses: { '200': json('the OpenAPI 3.1 document', { type: 'object' }) },
    handler: async () => openapiDocument(routes.defs, ctx.http().publicUrl),
  });

  routes.add({
    method: 'GET',
    url: '/healthz',
    role: null,
    operationId: 'healthz',
    summary: 'Liveness: the daemon answers',
    tags: ['system'],
    responses: { '200': json('alive', { type: 'object', properties: { ok: { const: true } } }) },
    handler: async () => ({ ok: true }),
  });

  routes.add({
    method: 'GET',
    url: '/readyz',
    role: null,
    operationId: 'readyz',
    summary: 'Readiness: the scheduler runs and the store answers',
    tags: ['system'],
    responses: { '200': json('ready', { type: 'object' }), '503': errorResponse('not ready (says why)') },
    handler: async (_req, reply) => {
      if (!ctx.control.scheduling()) return reply.code(503).send({ error: { code: 'not_ready', message: 'the scheduler is not running (starting or shutting down)' } });
      try {
        await ctx.control.store.getRun('readyz');
      } catch (err) {
        return reply.code(503).send({ error: { code: 'store_unavailable', message: `the run store does not answer: ${errorMessage(err)}` } });
      }
      return { ok: true };
    },
  });

  routes.add({
    method: 'GET',
    url: '/metrics',
    role: 'read',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    description: 'The exporter\'s metrics (SPEC §10, the original\'s names) and the daemon\'s own (scheduler lag, pending/waiting/running, triggers, HTTP requests).',
    tags: ['system'],
    responses: { '200': { description: 'the exposition text', content: { 'text/plain': { schema: { type: 'string' } } } }, ...AUTH_ERRORS },
    handler: async (_req, reply) => {
      const text = await exporter.render([...ctx.control.config().jobs.keys()]).catch((err: unknown) => {
        throw new HttpError(503, 'metrics_unavailable', `collecting the run metrics failed: ${errorMessage(err)}`);
      });
      const own = ctx.metrics.render(ctx.control.status(), ctx.control.runningRuns().length, started, followers.size + eventStreams.size);
      return reply.header('Content-Type', EXPOSITION_CONTENT_TYPE).send(text + own);
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/events',
    role: 'read',
    operationId: 'events',
    summary: 'Live scheduler events (text/event-stream)',
    description: 'Events `run_started`, `run_finished`, `trigger_accepted`, `reloaded`, `paused`, each with a JSON object; the console listens to refresh itself.',
    tags: ['system'],
    responses: { '200': { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...AUTH_ERRORS },
    handler: async (_req, reply) => {
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
      raw.write(': connected\n\n');
      eventStreams.add(raw);
      const send = (event: string, data: unknown): void => {
        if (!raw.destroyed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const ev = ctx.control.events;
      const offs = [
        ev.on('runStarted', (e) => send('run_started', { job_name: e.jobName, run_id: e.runId, start_time: iso(e.startTime) })),
        ev.on('runFinished', (e) => send('run_finished', { job_name: e.jobName, run_id: e.runId, exit_code: e.exitCode })),
        ev.on('triggerAccepted', (e) => send('trigger_accepted', { job_name: e.jobName, run_id: e.runId })),
        ev.on('reloaded', (e) => send('reloaded', e)),
        ev.on('paused', (e) => send('paused', { job_name: e.jobName, by: e.by })),
        ev.on('resumed', (e) => send('resumed', { job_name: e.jobName })),
        ev.on('runCancelled', (e) => send('run_cancelled', { job_name: e.jobName, run_id: e.runId })),
      ];
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
      raw.on('close', () => {
        clearInterval(heartbeat);
        for (const off of offs) off();
        eventStreams.delete(raw);
      });
      return reply;
    },
  });
  return exporter;
}
