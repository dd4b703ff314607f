/**
 * A run's page (SPEC-BEYOND §13.2): times, trigger, group, retry links, return data, the output
 * with ANSI colours, live follow while it runs (the script), Cancel, and the raw download.
 */
import { notificationsJson } from '../model.js';
import { runDirOf } from '../../daemon/paths.js';
import { ansiToHtml } from '../../report/ansi.js';
import { absoluteTime, humanDuration } from '../../report/humanize.js';
import { findOutputFile } from '../../report/output.js';
import { open } from 'node:fs/promises';
import { decodedTail } from '../output-slice.js';
import type { Identity } from '../auth.js';
import type { HttpContext } from '../context.js';
import type { RunJson } from '../model.js';
import { html, raw, seg } from './html.js';
import { canOperate, csrfField, page } from './layout.js';
import { elapsed, statusBadge, when } from './parts.js';

/** The page shows at most the last this many bytes of output (the raw download has it all). */
export const PAGE_OUTPUT_BYTES = 256 * 1024;

async function outputTail(dir: string): Promise<{ text: string; cut: boolean }> {
  const file = await findOutputFile(dir);
  if (file === null) return { text: '', cut: false };
  if (file.compression !== 'none') {
    const tail = await decodedTail(file, PAGE_OUTPUT_BYTES);
    return { text: tail.bytes.toString('utf8'), cut: tail.total > tail.bytes.length };
  }
  const fh = await open(file.path, 'r');
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(0, size - PAGE_OUTPUT_BYTES);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    return { text: buf.toString('utf8'), cut: start > 0 };
  } finally {
    await fh.close();
  }
}

export async function runPageHtml(ctx: HttpContext, identity: Identity, run: RunJson, notice: string | undefined): Promise<string> {
  const now = ctx.control.clock.now();
  const id = seg(run.run_id);
  const start = run.start_time === null ? null : Date.parse(run.start_time) / 1000;
  const stop = run.stop_time === null ? null : Date.parse(run.stop_time) / 1000;
  const sched = run.schedule_time === null ? null : Date.parse(run.schedule_time) / 1000;
  const out = run.status === 'pending' ? { text: '', cut: false } : await outputTail(runDirOf(ctx.control.dataDir, run.job_name, run.run_id));
  const live = run.running || run.status === 'pending';
  const cancel =
    live && canOperate(identity)
      ? html`<form method="post" action="/runs/${id}/cancel" class="inline-form" id="cancel-form">${csrfField(identity)}<button type="submit" class="danger">Cancel</button></form>`
      : '';
  const env = run.trigger_data['environment'];
  const returnData = run.run_data['return_data'];
  const notes = run.status === 'pending' ? [] : await notificationsJson(ctx, run.run_id);
  const body = html`<h1><a href="/jobs/${seg(run.job_name)}">${run.job_name}</a> <span class="mono small">${run.run_id}</span></h1>
${notice === undefined ? '' : html`<p class="banner notice" id="notice">${notice}</p>`}
<div class="grid"><section class="card"><dl>
<dt>Status</dt><dd id="run-status">${statusBadge(run.status)}</dd>
<dt>Exit code</dt><dd id="exit-code" class="num">${run.exit_code === null ? '–' : String(run.exit_code)}</dd>
<dt>Scheduled</dt><dd>${absoluteTime(sched)}</dd>
<dt>Started</dt><dd>${start === null ? '–' : html`${absoluteTime(start)} (${when(start, now)})`}</dd>
<dt>Duration</dt><dd id="duration">${run.running && start !== null ? elapsed(start, now) : humanDuration(run.duration)}</dd>
<dt>Stopped</dt><dd>${stop === null ? '–' : absoluteTime(stop)}</dd>
<dt>Trigger</dt><dd>${run.trigger_type}${typeof run.trigger_data['description'] === 'string' ? html` — ${run.trigger_data['description']}` : ''}</dd>
${typeof env === 'object' && env !== null ? html`<dt>Environment</dt><dd><ul class="env">${Object.entries(env as Record<string, string>).map(([k, v]) => html`<li><code>${k}=${v}</code></li>`)}</ul></dd>` : ''}
<dt>Node</dt><dd>${run.node ?? '–'}</dd>
<dt>Concurrency group</dt><dd>${run.concurrency_group ?? '–'}</dd>
${run.retry_of === null ? '' : html`<dt>Retry of</dt><dd><a class="mono" href="/runs/${seg(run.retry_of)}">${run.retry_of}</a> (attempt ${String(run.retry_attempt ?? '?')})</dd>`}
${run.previous_attempt === null || run.previous_attempt === run.retry_of ? '' : html`<dt>Previous attempt</dt><dd><a class="mono" href="/runs/${seg(run.previous_attempt)}">${run.previous_attempt}</a></dd>`}
${run.retried_by === null ? '' : html`<dt>Retried by</dt><dd><a class="mono" href="/runs/${seg(run.retried_by)}">${run.retried_by}</a></dd>`}
</dl>${cancel}</section>
${returnData === undefined ? '' : html`<section class="card"><h2>Return data</h2><pre>${JSON.stringify(returnData, null, 2)}</pre></section>`}
${notes.length === 0 ? '' : html`<section class="card" id="notifications"><h2>Notifications</h2><ul>${notes.map((n) => html`<li><strong>${n.event}</strong> by ${n.notifier}: ${n.state}${n.attempts > 1 ? ` after ${String(n.attempts)} attempts` : ''}${n.last_error === null ? '' : html` <span class="muted">(${n.last_error})</span>`}</li>`)}</ul></section>`}</div>
<section><h2>Output <a class="small" href="/api/v1/runs/${id}/output?download=1">download</a></h2>
${out.cut ? html`<p class="muted">Only the last ${String(PAGE_OUTPUT_BYTES / 1024)} KB are shown here; the download has everything.</p>` : ''}
<pre id="output" class="output" data-follow="${live ? `/api/v1/runs/${id}/output?follow=1` : ''}" data-pending="${run.status === 'pending' ? '1' : ''}">${raw(ansiToHtml(out.text))}</pre>
<p id="follow-state" class="muted">${live ? 'Following the output…' : `Finished with exit code ${String(run.exit_code)} (${run.status}).`}</p></section>`;
  return page({ title: `${run.job_name} ${run.run_id.slice(0, 8)}`, identity, body });
}
