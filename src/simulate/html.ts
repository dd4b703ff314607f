/**
 * The `html` report: one self-contained page (no files, no network) with the summary tables
 * and a Gantt chart — a row per job with a bar per run and its wait hatched before it, a row
 * per concurrency group shaded by how many slots are in use — that zooms and pans in time with
 * the mouse wheel, a drag, a pinch-free pair of buttons, and reads on a phone.
 */
import { humanDuration } from '../report/humanize.js';
import { formatIso } from '../schedule/time.js';
import type { SimulationResult } from './index.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { durationSource } from './text.js';
import { EventKind } from './timeline.js';
import { formatWhen } from './time-text.js';

/** The data the page's script draws, times in seconds after `from`. */
export interface ChartData {
  readonly span: number;
  readonly from: number;
  readonly zone: string;
  /** Per job: name, group indexes and per run [schedule, start, end, failed] flattened (start −1: still waiting). */
  readonly jobs: ReadonlyArray<{ n: string; r: number[] }>;
  /** Per group: name, slots and [from, to, use] segments of constant use. */
  readonly groups: ReadonlyArray<{ n: string; max: number; u: number[] }>;
}

/** The page as one string. */
export function renderHtml(result: SimulationResult): string {
  const data = chartData(result);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const { summary, zone } = result;
  const jobRows = summary.jobs
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${s.duration === null ? '' : `${esc(humanDuration(s.duration.seconds))} <small>${esc(durationSource(s.duration))}</small>`}</td><td>${s.fires}</td><td>${s.runs}</td><td>${s.skipped}</td><td>${s.queued}</td><td>${s.failed}</td><td>${s.longestWait > 0 ? esc(humanDuration(s.longestWait)) : '-'}</td></tr>`)
    .join('\n');
  const window = result.until - result.from;
  const groupRows = summary.groups
    .map((g) => `<tr><td>${esc(g.name)}</td><td>${g.max}</td><td>${g.peak}</td><td>${g.timeFull > 0 ? `${esc(humanDuration(g.timeFull))} (${Math.round((g.timeFull / window) * 100)}%)` : '-'}</td><td>${g.longestQueue}</td></tr>`)
    .join('\n');
  const warnings = summary.warnings.length === 0 ? '<p>No warnings.</p>' : `<ul class="warnings">${summary.warnings.map((w) => `<li>${code(w)}</li>`).join('')}</ul>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dsari simulation ${esc(formatIso(result.from, zone, 0))} – ${esc(formatIso(result.until, zone, 0))}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>Simulation</h1><p>${esc(formatWhen(result.from, zone))} to ${esc(formatWhen(result.until, zone))} (${esc(humanDuration(window))}), times in ${esc(zone)}, seed ${result.seed}</p></header>
<section id="chart-section">
<div class="controls"><button id="zoom-in" type="button" aria-label="zoom in">+</button><button id="zoom-out" type="button" aria-label="zoom out">−</button><button id="zoom-reset" type="button">whole window</button><span id="range"></span></div>
<div id="chart" role="img" aria-label="Gantt chart: a row per job, a bar per run"></div>
<p id="detail">Tap or hover a bar for details. Hatched: waiting to start. Shaded group rows: slots in use (darkest: full).</p>
</section>
<section><h2>Jobs</h2><div class="scroll"><table><thead><tr><th>Job</th><th>Duration</th><th>Fires</th><th>Runs</th><th>Skipped</th><th>Queued</th><th>Failed</th><th>Longest wait</th></tr></thead><tbody>
${jobRows}
</tbody></table></div></section>
${summary.groups.length > 0 ? `<section><h2>Concurrency groups</h2><div class="scroll"><table><thead><tr><th>Group</th><th>Slots</th><th>Peak</th><th>Time full</th><th>Longest queue</th></tr></thead><tbody>\n${groupRows}\n</tbody></table></div></section>` : ''}
<section><h2>Warnings</h2>${warnings}</section>
<script id="data" type="application/json">${json}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Runs per job and group use over time, compact for embedding. */
export function chartData(result: SimulationResult): ChartData {
  const tl = result.timeline;
  const rel = (t: number): number => Math.round((t - result.from) * 1000) / 1000;
  const jobs = result.jobs.map((j) => ({ n: j.name, r: [] as number[] }));
  const groups = result.groups.map((g) => ({ n: g.name, max: g.max, u: [] as number[], use: 0, since: 0 }));
  const change = (g: number, t: number, delta: number): void => {
    const group = groups[g];
    if (group === undefined) return;
    if (group.use > 0 && t > group.since) group.u.push(rel(group.since), rel(t), group.use);
    group.use += delta;
    group.since = t;
  };
  for (let e = 0; e < tl.eventCount; e++) {
    const kind = tl.eventKind.get(e);
    if (kind !== EventKind.start && kind !== EventKind.end) continue;
    const i = tl.eventRef.get(e);
    const g = tl.runGroup.get(i);
    if (g >= 0) change(g, tl.eventTime.get(e), kind === EventKind.start ? 1 : -1);
    if (kind === EventKind.start) jobs[tl.runJob.get(i)]?.r.push(rel(tl.runSchedule.get(i)), rel(tl.runStart.get(i)), rel(tl.runEnd.get(i)), tl.runFailed.get(i));
  }
  // Runs that never started: a wait to the end of the window, no bar.
  for (let i = 0; i < tl.runCount; i++) {
    const s = tl.runSchedule.get(i);
    if (Number.isNaN(tl.runStart.get(i)) && s <= result.until && tl.runJob.get(i) >= 0) jobs[tl.runJob.get(i)]?.r.push(rel(s), -1, -1, 0);
  }
  return { span: rel(result.until), from: result.from, zone: result.zone, jobs, groups: groups.map((g) => ({ n: g.n, max: g.max, u: g.u })) };
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A warning with its `names` as code. */
function code(text: string): string {
  return esc(text).replace(/`([^`]*)`/g, '<code>$1</code>');
}
