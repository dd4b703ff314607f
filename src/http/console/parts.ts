/** Small pieces the console pages share: times, status dots, sparklines, run tables, the error page. */
import type { EpochSeconds } from '../../clock.js';
import { absoluteTime, humanDuration, relativeTime } from '../../report/humanize.js';
import type { Identity } from '../auth.js';
import type { JobHistory } from '../job-history.js';
import { iso, runStatus, type RunJson } from '../model.js';
import { html, raw, seg, type Html } from './html.js';
import { page } from './layout.js';

/** A time shown relative to now, absolute in its tooltip; the script keeps the words current. */
export function when(t: EpochSeconds | null | undefined, now: EpochSeconds): Html {
  if (t === null || t === undefined) return html`<span class="muted">–</span>`;
  return html`<time datetime="${iso(t) ?? ''}" title="${absoluteTime(t)}" data-rel="1">${relativeTime(t, now)}</time>`;
}

/** Elapsed time since `since`, ticking in the browser. */
export function elapsed(since: EpochSeconds, now: EpochSeconds): Html {
  return html`<span class="elapsed" data-since="${String(since)}">${humanDuration(now - since)}</span>`;
}

export type DotState = 'running' | 'ok' | 'failed' | 'paused' | 'none' | 'pending';

export function dot(state: DotState, label?: string): Html {
  return html`<span class="dot dot-${state}" role="img" aria-label="${label ?? state}" title="${label ?? state}"></span>`;
}

/** The outcome of a run as a dot and a word. */
export function statusBadge(status: string): Html {
  const state: DotState = status === 'running' ? 'running' : status === 'succeeded' ? 'ok' : status === 'pending' ? 'pending' : 'failed';
  return html`<span class="status status-${state}">${dot(state, status)} ${status}</span>`;
}

/** Bars of the latest durations, coloured by outcome (inline SVG, numbers only). */
export function sparkline(h: JobHistory | undefined): Html {
  if (h === undefined || h.durations.length === 0) return html``;
  const max = Math.max(...h.durations, 0.001);
  const w = 4;
  const bars = h.durations
    .map((d, i) => {
      const bh = Math.max(1, Math.round((d / max) * 16));
      return `<rect x="${i * w}" y="${16 - bh}" width="${w - 1}" height="${bh}" class="${(h.exitCodes[i] ?? 0) === 0 ? 'ok' : 'fail'}"/>`;
    })
    .join('');
  return raw(`<svg class="spark" width="${h.durations.length * w}" height="16" viewBox="0 0 ${h.durations.length * w} 16" aria-hidden="true">${bars}</svg>`);
}

/** A bar chart of run durations (oldest left), each bar linking to its run. */
export function durationChart(runs: readonly RunJson[]): Html {
  const done = runs.filter((r) => r.duration !== null).slice(0, 60).reverse();
  if (done.length === 0) return html``;
  const max = Math.max(...done.map((r) => r.duration ?? 0), 0.001);
  const W = 600;
  const H = 120;
  const slot = W / Math.max(done.length, 30);
  const bars = done.map((r, i) => {
    const bh = Math.max(1, ((r.duration ?? 0) / max) * (H - 14));
    return html`<a href="/runs/${seg(r.run_id)}"><rect x="${(i * slot).toFixed(1)}" y="${(H - bh).toFixed(1)}" width="${Math.max(1, slot * 0.8).toFixed(1)}" height="${bh.toFixed(1)}" class="${r.exit_code === 0 ? 'ok' : 'fail'}"><title>${r.run_id}: ${humanDuration(r.duration)}, exit ${String(r.exit_code)}</title></rect></a>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Durations of the latest ${done.length} runs"><text x="2" y="10" class="axis">${humanDuration(max)}</text>${bars}</svg>`;
}

/** A table of runs (a job's history, or runs across jobs). */
export function runTable(runs: readonly RunJson[], now: EpochSeconds, showJob: boolean): Html {
  if (runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  const rows = runs.map((r) => {
    const start = r.start_time === null ? null : Date.parse(r.start_time) / 1000;
    return html`<tr data-run="${r.run_id}">
<td>${statusBadge(runStatus(r.exit_code, r.running, r.status === 'succeeded' || r.status === 'failed' || r.status === 'running' ? null : r.status))}</td>
${showJob ? html`<td><a href="/jobs/${seg(r.job_name)}">${r.job_name}</a></td>` : ''}
<td><a class="mono" href="/runs/${seg(r.run_id)}">${r.run_id.slice(0, 8)}</a></td>
<td>${when(start, now)}</td>
<td>${r.running && start !== null ? elapsed(start, now) : humanDuration(r.duration)}</td>
<td class="num">${r.exit_code === null ? '' : String(r.exit_code)}</td>
<td>${r.trigger_type}</td></tr>`;
  });
  return html`<div class="scroll"><table class="runs"><thead><tr><th>Status</th>${showJob ? html`<th>Job</th>` : ''}<th>Run</th><th>Started</th><th>Duration</th><th>Exit</th><th>Trigger</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** The page shown for an error on a console route. */
export function renderErrorPage(status: number, message: string, identity: Identity | undefined): string {
  const id: Identity = identity ?? { principal: { name: 'anonymous', role: 'none', via: 'anonymous' }, csrf: null, sessionId: null };
  return page({ title: `Error ${status}`, identity: id, body: html`<h1>Error ${String(status)}</h1><p class="error">${message}</p><p><a href="/">Back to the overview</a></p>` });
}
