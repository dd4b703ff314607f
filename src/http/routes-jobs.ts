/** `GET /api/v1/jobs`, `/api/v1/jobs/{job}`, `/api/v1/jobs/{job}/runs` (SPEC-BEYOND §13.1). */
import type { FastifyRequest } from 'fastify';
import type { JobConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { JobListCache } from './job-list.js';
import type { HttpContext } from './context.js';
import { badRequest, notFound } from './errors.js';
import { decodeCursor, encodeCursor, iso, jobConfigJson, jobJson, runJson } from './model.js';
import type { Routes } from './routes.js';
import { AUTH_ERRORS, errorResponse, JobDetailSchema, JobParams, JobRunsQuery, JobSchema, json, RunPageSchema } from './schemas.js';

/** The job named in the path. @throws HttpError 404 */
export function jobOf(ctx: HttpContext, req: FastifyRequest): JobConfig {
  const name = (req.params as { job: string }).job;
  const job = ctx.control.config().jobs.get(name);
  if (job === undefined) throw notFound(`no job named ${JSON.stringify(name)}`);
  return job;
}

/** The next `n` fire times of a job, or why they cannot be computed. */
export function nextFireTimes(ctx: HttpContext, job: JobConfig, n: number): { times: number[]; error: string | null } {
  const times: number[] = [];
  if (job.schedule === null) return { times, error: null };
  try {
    let t: number | null = ctx.control.clock.now();
    while (times.length < n) {
      t = ctx.control.nextFireTime(job, t);
      if (t === null) break;
      times.push(t);
    }
    return { times, error: null };
  } catch (err) {
    return { times, error: errorMessage(err) };
  }
}

/** A page of runs from a query plus `limit` and `before`. */
export async function runPage(ctx: HttpContext, query: Record<string, unknown>, base: Parameters<HttpContext['control']['store']['listRuns']>[0] & object) {
  const limit = (query['limit'] as number | undefined) ?? 50;
  const before = query['before'] as string | undefined;
  let after;
  if (before !== undefined) {
    after = decodeCursor(before);
    if (after === null) throw badRequest('querystring/before is not a cursor this server gave');
  }
  const rows = await ctx.control.store.listRuns({ ...base, orderBy: 'start_time', order: 'desc', limit: limit + 1, ...(after ? { after } : {}) });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { runs: page.map(runJson), next: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
}

export function jobRoutes(routes: Routes, ctx: HttpContext): JobListCache {
  const list = new JobListCache(ctx);
  routes.add({
    method: 'GET',
    url: '/api/v1/jobs',
    role: 'read',
    operationId: 'listJobs',
    summary: 'Every job',
    description: 'Name, schedule, zone, next fire time, pause, running and pending counts, last run, last success and failure, policies. (`recent_durations` and `recent_exit_codes` are only in a job\'s own answer.)',
    tags: ['jobs'],
    responses: { '200': json('the jobs, sorted by name', { type: 'object', properties: { jobs: { type: 'array', items: JobSchema } } }), ...AUTH_ERRORS },
    handler: async (_req, reply) => reply.type('application/json; charset=utf-8').send(await list.body()),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/jobs/:job',
    role: 'read',
    operationId: 'getJob',
    summary: 'One job',
    description: 'As in the list, plus its configuration (secret-looking environment values REDACTED) and its next 10 fire times.',
    tags: ['jobs'],
    schema: { params: JobParams },
    responses: { '200': json('the job', JobDetailSchema), ...AUTH_ERRORS, '404': errorResponse('no such job') },
    handler: async (req) => {
      const job = jobOf(ctx, req);
      const idx = await ctx.index.get();
      const next = nextFireTimes(ctx, job, 10);
      return { ...jobJson(job, idx, await ctx.histories.load(job.name)), configuration: jobConfigJson(job), next_fire_times: next.times.map(iso), schedule_error: next.error };
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/jobs/:job/runs',
    role: 'read',
    operationId: 'listJobRuns',
    summary: 'A job\'s runs, newest first',
    description: 'Cursor-paged: pass the answer\'s `next` as `before` for the next page.',
    tags: ['jobs', 'runs'],
    schema: { params: JobParams, querystring: JobRunsQuery },
    responses: { '200': json('a page of runs', RunPageSchema), '400': errorResponse('a bad limit or cursor'), ...AUTH_ERRORS, '404': errorResponse('no such job') },
    handler: async (req) => {
      const job = jobOf(ctx, req);
      return runPage(ctx, req.query as Record<string, unknown>, { jobNames: [job.name] });
    },
  });
  return list;
}
