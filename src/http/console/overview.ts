/**
 * The overview (SPEC-BEYOND §13.2): runs running now with their elapsed time, jobs whose last run
 * failed, and every job with a status dot, next fire, last duration and a sparkline. A filter
 * box (with and without script); the page refreshes itself while open.
 */
import { humanDuration } from '../../report/humanize.js';
import type { Identity } from '../auth.js';
import type { HttpContext } from '../context.js';
import { html, seg } from './html.js';
import { page } from './layout.js';
import { dot, type DotState, elapsed, sparkline, when } from './parts.js';

/** Jobs per page of the overview. */
export const OVERVIEW_PAGE = 500;

export async function overviewPage(ctx: HttpContext, identity: Identity, q: string, pageNo: number): Promise<string> {
  const now = ctx.control.clock.now();
  const idx = await ctx.index.get();
  const running = [...ctx.control.runningRuns()].sort((a, b) => a.startTime - b.startTime);
  const filter = q.trim().toLowerCase();
  const jobs = [...ctx.control.config().jobs.values()].filter((j) => filter === '' || j.name.toLowerCase().includes(filter));
  const pages = Math.max(1, Math.ceil(jobs.length / OVERVIEW_PAGE));
  const p = Math.min(Math.max(1, pageNo), pages);
  const shown = jobs.slice((p - 1) * OVERVIEW_PAGE, p * OVERVIEW_PAGE);

  const failing = [];
  for (const job of ctx.control.config().jobs.values()) {
    const last = ctx.histories.get(job.name)?.lastRun;
    if (last !== undefined && last !== null && last.exitCode !== 0) failing.push({ job: job.name, last });
  }
  failing.sort((a, b) => b.last.stopTime - a.last.stopTime);

  const runningRows = running.map(
    (r) => html`<tr data-run="${r.runId}"><td>${dot('running')}</td><td><a href="/jobs/${seg(r.jobName)}">${r.jobName}</a></td><td><a class="mono" href="/runs/${seg(r.runId)}">${r.runId.slice(0, 8)}</a></td><td>${when(r.startTime, now)}</td><td>${elapsed(r.startTime, now)}</td></tr>`,
  );
  const failRows = failing.slice(0, 10).map(
    (f) => html`<tr><td>${dot('failed')}</td><td><a href="/jobs/${seg(f.job)}">${f.job}</a></td><td><a class="mono" href="/runs/${seg(f.last.runId)}">${f.last.runId.slice(0, 8)}</a></td><td>${when(f.last.stopTime, now)}</td><td class="num">${String(f.last.exitCode)}${f.last.status === null ? '' : ` (${f.last.status})`}</td></tr>`,
  );
  const jobRows = shown.map((job) => {
    const h = ctx.histories.get(job.name);
    const pause = idx.pauses.get(job.name) ?? idx.pauses.get(null);
    const nRunning = idx.running.get(job.name) ?? 0;
    const last = h?.lastRun ?? null;
    const state: DotState = nRunning > 0 ? 'running' : pause !== undefined ? 'paused' : last === null ? 'none' : last.exitCode === 0 ? 'ok' : 'failed';
    return html`<tr data-job="${job.name}"><td>${dot(state)}</td><td><a href="/jobs/${seg(job.name)}">${job.name}</a>${pause === undefined ? '' : html` <span class="tag paused" title="${pause.reason ?? ''}">paused</span>`}</td>
<td class="mono small">${job.schedule ?? html`<span class="muted">triggers only</span>`}</td><td>${when(idx.nextFire.get(job.name), now)}</td>
<td>${last === null ? '' : humanDuration(last.stopTime - last.startTime)}</td><td>${sparkline(h)}</td></tr>`;
  });
  const pager =
    pages > 1
      ? html`<nav class="pager">${p > 1 ? html`<a href="/?q=${encodeURIComponent(q)}&amp;page=${String(p - 1)}">← Previous</a>` : ''} page ${String(p)} of ${String(pages)} ${p < pages ? html`<a href="/?q=${encodeURIComponent(q)}&amp;page=${String(p + 1)}">Next →</a>` : ''}</nav>`
      : '';
  const allPaused = idx.pauses.get(null);
  const body = html`<h1>Overview</h1>
${allPaused === undefined ? '' : html`<p class="banner paused">The whole scheduler is paused by ${allPaused.by}${allPaused.reason === null ? '' : html`: ${allPaused.reason}`}.</p>`}
<section id="running"><h2>Running now <span class="count">${String(running.length)}</span></h2>
${running.length === 0 ? html`<p class="muted">Nothing is running.</p>` : html`<div class="scroll"><table><thead><tr><th></th><th>Job</th><th>Run</th><th>Started</th><th>Elapsed</th></tr></thead><tbody>${runningRows}</tbody></table></div>`}</section>
<section id="failures"><h2>Recent failures</h2>
${failRows.length === 0 ? html`<p class="muted">No job's last run failed.</p>` : html`<div class="scroll"><table><thead><tr><th></th><th>Job</th><th>Run</th><th>Ended</th><th>Exit</th></tr></thead><tbody>${failRows}</tbody></table></div>`}</section>
<section id="jobs"><h2>Jobs <span class="count">${String(jobs.length)}</span></h2>
<form method="get" action="/" class="filter" role="search"><label for="q">Filter</label> <input id="q" name="q" type="search" value="${q}" placeholder="job name" autocomplete="off" data-filter="#job-table"> <button type="submit">Filter</button></form>
<div class="scroll"><table id="job-table"><thead><tr><th></th><th>Job</th><th>Schedule</th><th>Next fire</th><th>Last duration</th><th>Recent runs</th></tr></thead><tbody>${jobRows}</tbody></table></div>
${pager}</section>`;
  return page({ title: 'Overview', identity, nav: 'overview', live: true, body });
}
