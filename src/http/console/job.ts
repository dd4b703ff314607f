/**
 * A job's page (SPEC-BEYOND §13.2): schedule and next fire times, policies, the duration chart,
 * history (paged), Trigger (environment and an optional time), Pause/Resume, and the
 * configuration with secret-looking values redacted.
 */
import type { JobConfig } from '../../config/types.js';
import { absoluteTime } from '../../report/humanize.js';
import type { Identity } from '../auth.js';
import type { HttpContext } from '../context.js';
import { jobConfigJson, policiesJson } from '../model.js';
import { nextFireTimes, runPage } from '../routes-jobs.js';
import { html, seg } from './html.js';
import { canOperate, csrfField, page } from './layout.js';
import { dot, durationChart, runTable, when } from './parts.js';
import { scheduleInWords } from './schedule-words.js';

export interface JobPageQuery {
  readonly before?: string;
  /** The run a trigger from this page just made (shown as a notice). */
  readonly triggered?: string;
  readonly notice?: string;
}

export async function jobPage(ctx: HttpContext, identity: Identity, job: JobConfig, query: JobPageQuery): Promise<string> {
  const now = ctx.control.clock.now();
  const idx = await ctx.index.get();
  const history = await ctx.histories.load(job.name);
  const runs = await runPage(ctx, { limit: 25, ...(query.before === undefined ? {} : { before: query.before }) }, { jobNames: [job.name] });
  const next = nextFireTimes(ctx, job, 10);
  const pause = idx.pauses.get(job.name);
  const allPause = idx.pauses.get(null);
  const nRunning = idx.running.get(job.name) ?? 0;
  const last = history.lastRun;
  const operate = canOperate(identity);
  const pol = policiesJson(job);
  const name = seg(job.name);

  const triggerForm = operate
    ? html`<form method="post" action="/jobs/${name}/trigger" class="card" id="trigger-form">${csrfField(identity)}
<h2>Trigger</h2>
<label for="env">Environment <span class="muted">(NAME=value, one per line)</span></label>
<textarea id="env" name="environment" rows="3" spellcheck="false" placeholder="GREETING=hello"></textarea>
<label for="at">Schedule time <span class="muted">(optional: ISO 8601 or epoch seconds)</span></label>
<input id="at" name="schedule_time" type="text" placeholder="now">
<label for="desc">Description <span class="muted">(optional)</span></label>
<input id="desc" name="description" type="text">
<button type="submit" class="primary">Trigger a run</button></form>`
    : html`<p class="muted"><a href="/login?next=/jobs/${name}">Log in</a> with an operate token to trigger, pause or resume.</p>`;
  const pauseForm = !operate
    ? ''
    : pause === undefined
      ? html`<form method="post" action="/jobs/${name}/pause" class="card inline-form" id="pause-form">${csrfField(identity)}<label for="reason">Reason</label> <input id="reason" name="reason" type="text"> <button type="submit">Pause</button></form>`
      : html`<form method="post" action="/jobs/${name}/resume" class="card inline-form" id="resume-form">${csrfField(identity)}<button type="submit">Resume</button></form>`;

  const state = nRunning > 0 ? 'running' : pause !== undefined || allPause !== undefined ? 'paused' : last === null ? 'none' : last.exitCode === 0 ? 'ok' : 'failed';
  const body = html`<h1>${dot(state)} ${job.name}</h1>
${query.triggered === undefined ? '' : html`<p class="banner notice" id="notice">Run <a class="mono" href="/runs/${seg(query.triggered)}">${query.triggered}</a> triggered.</p>`}
${query.notice === undefined ? '' : html`<p class="banner notice" id="notice">${query.notice}</p>`}
${pause === undefined ? '' : html`<p class="banner paused" id="paused">Paused by ${pause.by} ${when(pause.since, now)}${pause.reason === null ? '' : html`: ${pause.reason}`}</p>`}
${allPause === undefined ? '' : html`<p class="banner paused">The whole scheduler is paused by ${allPause.by}.</p>`}
<div class="grid">
<section class="card"><h2>Schedule</h2>
${job.schedule === null ? html`<p>Triggers only (no schedule).</p>` : html`<p class="words">${scheduleInWords(job.schedule) ?? 'A cron schedule'}, in ${job.scheduleTimezone ?? 'the daemon\'s zone'}</p><p><code>${job.schedule}</code></p>`}
${next.error === null ? '' : html`<p class="error">${next.error}</p>`}
${next.times.length === 0 ? '' : html`<ol class="times">${next.times.map((t) => html`<li>${absoluteTime(t)} <span class="muted">(${when(t, now)})</span></li>`)}</ol>`}
</section>
<section class="card"><h2>Policies</h2><dl>
<dt>Concurrent runs</dt><dd>${job.concurrentRuns ? 'allowed' : 'one at a time'}</dd>
<dt>Concurrency groups</dt><dd>${job.concurrencyGroups.length === 0 ? 'none' : job.concurrencyGroups.join(', ')}</dd>
<dt>Max execution</dt><dd>${job.maxExecution === null ? 'no limit' : `${job.maxExecution} s (grace ${job.maxExecutionGrace} s)`}</dd>
<dt>Overlap</dt><dd>${pol.overlap}</dd>
<dt>Catch-up</dt><dd>${pol.catchup}</dd>
<dt>Retry</dt><dd>${pol.retry === null ? 'none' : `${pol.retry.attempts} attempt(s), from ${pol.retry.delay} s ×${pol.retry.backoff}`}</dd>
${pol.after.length + pol.on_success.length + pol.on_failure.length === 0 ? '' : html`<dt>Dependencies</dt><dd>${pol.after.length === 0 ? '' : html`after ${pol.after.map((j) => html`<a href="/jobs/${seg(j)}">${j}</a> `)}`}${pol.on_success.length === 0 ? '' : html` on success → ${pol.on_success.map((j) => html`<a href="/jobs/${seg(j)}">${j}</a> `)}`}${pol.on_failure.length === 0 ? '' : html` on failure → ${pol.on_failure.map((j) => html`<a href="/jobs/${seg(j)}">${j}</a> `)}`}</dd>`}
<dt>Running / pending</dt><dd>${String(nRunning)} / ${String(idx.pending.get(job.name) ?? 0)}</dd>
</dl></section>
<section class="actions">${triggerForm}${pauseForm}</section>
</div>
<section id="history"><h2>History</h2>${durationChart(runs.runs)}${runTable(runs.runs, now, false)}
${runs.next === null ? '' : html`<p><a href="/jobs/${name}?before=${encodeURIComponent(runs.next)}">Older runs →</a></p>`}</section>
<section><h2>Configuration</h2><pre class="config">${JSON.stringify(jobConfigJson(job), null, 2)}</pre></section>`;
  return page({ title: job.name, identity, live: true, body });
}

/**
 * The trigger form's fields as a trigger body: `NAME=value` lines to an environment mapping.
 * @returns the body, or the line that is not NAME=value
 */
export function triggerBodyFromForm(form: Record<string, string>): Record<string, unknown> | string {
  const body: Record<string, unknown> = {};
  const env: Record<string, string> = {};
  for (const line of (form['environment'] ?? '').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const i = line.indexOf('=');
    if (i <= 0) return `environment: ${JSON.stringify(line)} is not NAME=value`;
    env[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  if (Object.keys(env).length > 0) body['environment'] = env;
  const at = (form['schedule_time'] ?? '').trim();
  if (at !== '') body['schedule_time'] = /^\d+(\.\d+)?$/.test(at) ? Number(at) : at;
  const desc = (form['description'] ?? '').trim();
  if (desc !== '') body['description'] = desc;
  return body;
}
