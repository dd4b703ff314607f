/**
 * `GET /api/v1/runs`, `/api/v1/runs/{run_id}` and its output: plain text with `Range`, or
 * server-sent events with `?follow=1` (SPEC-BEYOND §13.1).
 */
import { createReadStream } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { runDirOf } from '../daemon/paths.js';
import { findOutputFile, openOutputFile } from '../report/output.js';
import { decodedRange, decodedTail } from './output-slice.js';
import type { RunRecord, RunQuery } from '../store/types.js';
import type { HttpContext } from './context.js';
import { HttpError, notFound } from './errors.js';
import { followRun } from './follow.js';
import { runPage } from './routes-jobs.js';
import { iso, notificationsJson, runJson } from './model.js';
import type { Routes } from './routes.js';
import { AUTH_ERRORS, errorResponse, json, NotificationsSchema, OutputQuery, RunPageSchema, RunParams, RunSchema, RunsQuery } from './schemas.js';

/** The run named in the path: recorded (running or finished). @throws HttpError 404 */
export async function recordOf(ctx: HttpContext, req: FastifyRequest): Promise<RunRecord> {
  const id = (req.params as { run_id: string }).run_id;
  const run = await ctx.control.store.getRun(id);
  if (run === null) throw notFound(`no run with id ${JSON.stringify(id)}`);
  return run;
}

/** A run that exists but has not started yet, as the API shows it. */
function pendingJson(ctx: HttpContext, id: string) {
  const p = ctx.control.pendingRuns().find((r) => r.runId === id);
  if (p === undefined) return null;
  return {
    run_id: p.runId, job_name: p.jobName, status: 'pending', running: false, exit_code: null,
    schedule_time: iso(p.scheduleTime), start_time: null, stop_time: null, duration: null,
    trigger_type: p.triggerType, trigger_data: p.triggerData, run_data: {}, node: null, concurrency_group: null, retry_of: null, retry_attempt: null,
  };
}

/** Parses a single `bytes=a-b` range against a size; null: no (usable) Range header. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

async function sendOutput(ctx: HttpContext, req: FastifyRequest, reply: FastifyReply, run: RunRecord): Promise<unknown> {
  const dir = runDirOf(ctx.control.dataDir, run.jobName, run.runId);
  const file = await findOutputFile(dir);
  reply.header('Content-Type', 'text/plain; charset=utf-8').header('X-Content-Type-Options', 'nosniff').header('Accept-Ranges', 'bytes').header('Cache-Control', 'no-store');
  const disposition = (req.query as Record<string, unknown>)['download'] === '1' ? 'attachment' : 'inline';
  reply.header('Content-Disposition', `${disposition}; filename="${run.runId}.txt"`);
  if (file === null) return reply.code(200).send('');
  const rangeHeader = req.headers.range;
  if (file.compression === 'none') {
    const range = parseRange(rangeHeader, file.size);
    if (range === 'unsatisfiable') return reply.code(416).header('Content-Range', `bytes */${file.size}`).send('');
    if (range === null) return reply.code(200).header('Content-Length', file.size).send(createReadStream(file.path, { end: Math.max(0, file.size - 1) }));
    return reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`)
      .header('Content-Length', range.end - range.start + 1)
      .send(createReadStream(file.path, { start: range.start, end: range.end }));
  }
  // .gz/.xz: streamed decoded as a whole; a range (of the decoded text, as a client sees it) is
  // cut from the decoded stream, keeping only its bytes (at most MAX_SLICE_BYTES).
  const m = rangeHeader === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return reply.code(200).send(openOutputFile(file));
  const part = m[1] === '' ? await decodedTail(file, Number(m[2])) : await decodedRange(file, Number(m[1]), m[2] === '' ? null : Number(m[2]));
  const start = m[1] === '' ? part.total - part.bytes.length : Number(m[1]);
  if (part.bytes.length === 0) return reply.code(416).header('Content-Range', `bytes */${part.total}`).send('');
  return reply.code(206).header('Content-Range', `bytes ${start}-${start + part.bytes.length - 1}/${part.total}`).send(part.bytes);
}

export function runRoutes(routes: Routes, ctx: HttpContext): void {
  routes.add({
    method: 'GET',
    url: '/api/v1/runs',
    role: 'read',
    operationId: 'listRuns',
    summary: 'Runs across jobs, newest first',
    description: 'Filtered by `status` and `job`; cursor-paged like a job\'s runs.',
    tags: ['runs'],
    schema: { querystring: RunsQuery },
    responses: { '200': json('a page of runs', RunPageSchema), '400': errorResponse('a bad filter, limit or cursor'), ...AUTH_ERRORS },
    handler: async (req) => {
      const q = req.query as Record<string, unknown>;
      const base: RunQuery = {
        ...(typeof q['job'] === 'string' ? { jobNames: [q['job']] } : {}),
        ...(q['status'] === 'running' ? { includeFinished: false } : {}),
        ...(q['status'] === 'failed' ? { failedOnly: true } : {}),
        ...(q['status'] === 'succeeded' ? { succeededOnly: true } : {}),
      };
      return runPage(ctx, q, base);
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/runs/:run_id',
    role: 'read',
    operationId: 'getRun',
    summary: 'One run',
    description: 'Running, finished, or pending (triggered, not started yet: status "pending"), with `run_data`, node, concurrency group and retry links.',
    tags: ['runs'],
    schema: { params: RunParams },
    responses: { '200': json('the run', RunSchema), '400': errorResponse('not a run id'), ...AUTH_ERRORS, '404': errorResponse('no such run') },
    handler: async (req) => {
      const id = (req.params as { run_id: string }).run_id;
      const run = await ctx.control.store.getRun(id);
      if (run !== null) return runJson(run);
      const pending = pendingJson(ctx, id);
      if (pending === null) throw notFound(`no run with id ${JSON.stringify(id)}`);
      return pending;
    },
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/runs/:run_id/notifications',
    role: 'read',
    operationId: 'getRunNotifications',
    summary: 'A run\'s notifications',
    description: 'What the notifiers were told about the run (SPEC-BEYOND §12.6) and how it went: event, notifier (label, no secret), state (pending, delivered, failed, dropped), attempts, last error.',
    tags: ['runs'],
    schema: { params: RunParams },
    responses: { '200': json('the notifications, oldest first', NotificationsSchema), '400': errorResponse('not a run id'), ...AUTH_ERRORS },
    handler: async (req) => ({ notifications: await notificationsJson(ctx, (req.params as { run_id: string }).run_id) }),
  });

  routes.add({
    method: 'GET',
    url: '/api/v1/runs/:run_id/output',
    role: 'read',
    operationId: 'getRunOutput',
    summary: 'A run\'s output',
    description:
      'The bytes as written, as `text/plain; charset=utf-8` (`.gz`/`.xz` decoded), `Range` honoured. With `follow=1`: `text/event-stream` with ' +
      '`output` events (data: the chunk as a JSON string; id: the byte offset after it, for Last-Event-ID), then one `end` event ' +
      '(data: `{"exit_code": N, "status": "…"}`); a finished run gets all of it and the end at once.',
    tags: ['runs'],
    schema: { params: RunParams, querystring: { ...OutputQuery, properties: { ...(OutputQuery['properties'] as object), download: { type: 'string', enum: ['0', '1'], description: '1: as an attachment' } } } },
    responses: {
      '200': { description: 'the output', content: { 'text/plain': { schema: { type: 'string' } }, 'text/event-stream': { schema: { type: 'string' } } } },
      '206': { description: 'the requested range', content: { 'text/plain': { schema: { type: 'string' } } } },
      '400': errorResponse('not a run id'),
      ...AUTH_ERRORS,
      '404': errorResponse('no such run (or not started yet)'),
      '416': { description: 'the range is outside the output' },
    },
    handler: async (req, reply) => {
      const run = await recordOf(ctx, req);
      const follow = (req.query as Record<string, unknown>)['follow'];
      if (follow === '1' || follow === 'true') {
        const last = req.headers['last-event-id'];
        const from = typeof last === 'string' && /^\d{1,15}$/.test(last) && run.running ? Number(last) : 0;
        reply.hijack();
        await followRun(reply.raw, ctx.control, run, from, ctx.log);
        return reply;
      }
      if (req.method === 'HEAD') return reply.code(200).header('Content-Type', 'text/plain; charset=utf-8').send('');
      return sendOutput(ctx, req, reply, run).catch((err: unknown) => {
        throw new HttpError(500, 'output_unreadable', `cannot read the output of run ${run.runId}`, {}, { cause: err });
      });
    },
  });
}
