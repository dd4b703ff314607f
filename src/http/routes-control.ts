/**
 * What changes the scheduler over HTTP (SPEC-BEYOND §13.1): trigger, pause and resume (a job or
 * all), cancel, reload. Triggering, pausing and cancelling need the operate role; reloading
 * needs admin.
 */
import { DsariError } from '../errors.js';
import type { HttpContext } from './context.js';
import { HttpError, notFound } from './errors.js';
import { jobOf } from './routes-jobs.js';
import type { Routes } from './routes.js';
import { AUTH_ERRORS, errorResponse, json, JobParams, PauseBody, RunParams, TriggerBody, TriggerHeaders } from './schemas.js';

const changedSchema = { type: 'object', properties: { changed: { type: 'boolean', description: 'false when it already was so' } } } as const;

/** Pause/resume failures from the daemon (an unknown job) as HTTP errors. */
function controlError(err: unknown): never {
  if (err instanceof HttpError) throw err;
  if (err instanceof DsariError && /unknown|no job/i.test(err.message)) throw notFound(err.message);
  throw err;
}

export function controlRoutes(routes: Routes, ctx: HttpContext): void {
  routes.add({
    method: 'POST',
    url: '/api/v1/jobs/:job/trigger',
    role: 'operate',
    operationId: 'triggerJob',
    summary: 'Start a run of a job',
    description:
      'The body is validated as a trigger file (SPEC §5.2). The answer comes once the trigger is durable (it survives a daemon restart). ' +
      'With an `Idempotency-Key` header a repeated request (same key, same body, within 24 h) answers the same run id and starts nothing.',
    tags: ['control'],
    schema: { params: JobParams, body: TriggerBody, headers: TriggerHeaders },
    responses: {
      '202': json('accepted: the run exists (pending) and will start', { type: 'object', properties: { run_id: { type: 'string' }, replayed: { type: 'boolean', description: 'true when an earlier request with this Idempotency-Key made the run' } } }),
      '400': errorResponse('not a valid trigger (the field is named)'),
      ...AUTH_ERRORS,
      '404': errorResponse('no such job'),
      '409': errorResponse('the Idempotency-Key was used for a different request'),
      '413': errorResponse('the body is over 64 KB'),
      '415': errorResponse('the body is not JSON'),
    },
    handler: async (req, reply) => {
      const job = jobOf(ctx, req);
      const key = req.headers['idempotency-key'];
      const body = (req.body ?? {}) as Record<string, unknown>;
      const out = await ctx.intake.submit(job.name, body, typeof key === 'string' ? key : null, req.identity.principal.name);
      return reply.code(202).send({ run_id: out.runId, replayed: out.replayed });
    },
  });

  for (const action of ['pause', 'resume'] as const) {
    routes.add({
      method: 'POST',
      url: `/api/v1/jobs/:job/${action}`,
      role: 'operate',
      operationId: `${action}Job`,
      summary: action === 'pause' ? 'Pause a job' : 'Resume a paused job',
      description: action === 'pause' ? 'Scheduled fires are skipped while paused; triggered runs wait. Body: `{"reason": "…"}` (optional).' : 'Runs that waited start.',
      tags: ['control'],
      schema: { params: JobParams, ...(action === 'pause' ? { body: PauseBody } : {}) },
      responses: { '200': json('done', changedSchema), ...AUTH_ERRORS, '404': errorResponse('no such job') },
      handler: async (req) => {
        const job = jobOf(ctx, req);
        const by = req.identity.principal.name;
        const reason = ((req.body ?? {}) as { reason?: string | null }).reason ?? null;
        const out = await (action === 'pause' ? ctx.control.pause(job.name, by, reason) : ctx.control.resume(job.name, by)).catch(controlError);
        return { changed: out.changed };
      },
    });
    routes.add({
      method: 'POST',
      url: `/api/v1/${action}`,
      role: 'operate',
      operationId: `${action}All`,
      summary: action === 'pause' ? 'Pause the whole scheduler' : 'Resume the whole scheduler',
      description: 'Like pausing (resuming) every job, as `dsari pause --all`.',
      tags: ['control'],
      ...(action === 'pause' ? { schema: { body: PauseBody } } : {}),
      responses: { '200': json('done', changedSchema), ...AUTH_ERRORS },
      handler: async (req) => {
        const by = req.identity.principal.name;
        const reason = ((req.body ?? {}) as { reason?: string | null }).reason ?? null;
        const out = await (action === 'pause' ? ctx.control.pause(null, by, reason) : ctx.control.resume(null, by));
        return { changed: out.changed };
      },
    });
  }

  routes.add({
    method: 'POST',
    url: '/api/v1/runs/:run_id/cancel',
    role: 'operate',
    operationId: 'cancelRun',
    summary: 'Cancel a run',
    description: 'A running run gets SIGTERM, then SIGKILL, on its process group and is recorded with `dsari_status: "cancelled"`; a pending run is dropped.',
    tags: ['control'],
    schema: { params: RunParams },
    responses: {
      '202': json('cancelled (the record follows once the process is gone) or dropped', { type: 'object', properties: { outcome: { type: 'string', enum: ['cancelled', 'dropped'] } } }),
      ...AUTH_ERRORS,
      '404': errorResponse('no such run'),
      '409': errorResponse('the run has already ended'),
    },
    handler: async (req, reply) => {
      const id = (req.params as { run_id: string }).run_id;
      const outcome = await ctx.control.cancelRun(id, req.identity.principal.name);
      if (outcome === 'unknown') {
        const rec = await ctx.control.store.getRun(id);
        if (rec === null) throw notFound(`no run with id ${JSON.stringify(id)}`);
        throw new HttpError(409, 'already_ended', `run ${id} has already ended`);
      }
      if (outcome === 'ended') throw new HttpError(409, 'already_ended', `run ${id} has already ended`);
      ctx.log.info(`HTTP: run ${id} ${outcome} by ${req.identity.principal.name}`);
      return reply.code(202).send({ outcome });
    },
  });

  routes.add({
    method: 'POST',
    url: '/api/v1/reload',
    role: 'admin',
    operationId: 'reload',
    summary: 'Reload the configuration (as SIGHUP)',
    description: 'A refused configuration leaves the previous one running; the answer says why (422).',
    tags: ['control'],
    responses: {
      '200': json('reloaded', { type: 'object', properties: { reloaded: { const: true }, jobs: { type: 'integer' } } }),
      ...AUTH_ERRORS,
      '422': errorResponse('the configuration was refused; the previous one stays'),
    },
    handler: async (req) => {
      ctx.log.info(`HTTP: reload requested by ${req.identity.principal.name}`);
      const out = ctx.control.reload();
      if (!out.ok) throw new HttpError(422, 'config_refused', out.error);
      return { reloaded: true, jobs: out.jobs };
    },
  });
}
