/**
 * The job page's chart: duration and outcome of the job's latest runs over time, as inline SVG
 * (no script, no external fetch). One bar per run, oldest left; height = duration, colour =
 * outcome; each bar links to its run page and has a tooltip.
 */
import { escapeHtml } from './ansi.js';
import { absoluteTime, humanDuration } from './humanize.js';
import type { RunView } from './model.js';

/** At most this many (latest) runs are drawn, so that bars stay wide enough to see and click. */
export const CHART_MAX_RUNS = 120;

const WIDTH = 800;
const HEIGHT = 240;
const LEFT = 78;
const RIGHT = 8;
const TOP = 24;
const BOTTOM = 42;

// Axis maxima that read well as durations (seconds): 1 s … 30 s, 1 min … 30 min, 1 h … 1 d …
const NICE_STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 4, 10, 20, 30, 60, 120, 240, 600, 1200, 1800,
  3600, 7200, 14_400, 21_600, 43_200, 86_400,
];

/** An axis maximum ≥ v whose half is also a round duration. */
export function niceCeiling(v: number): number {
  if (!(v > 0)) return 1;
  for (const step of NICE_STEPS) if (step >= v) return step;
  const days = Math.ceil(v / 86_400);
  return (days % 2 === 0 ? days : days + 1) * 86_400;
}

/**
 * SVG markup (already escaped) for `runs` given newest first, as the job page lists them.
 * Empty string when there is nothing to draw.
 */
export function durationChartSvg(runs: readonly RunView[], jobUrlPrefix = ''): string {
  const finished = runs.filter((r) => r.duration_seconds !== null).slice(0, CHART_MAX_RUNS).reverse();
  if (finished.length === 0) return '';
  const max = niceCeiling(Math.max(...finished.map((r) => r.duration_seconds ?? 0)));
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / finished.length;
  const barW = Math.max(1, slot * 0.8);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="chart-title">Duration and outcome of the latest ${finished.length} runs</title>`,
  );
  // Grid and y axis labels at 0, 1/2 and full scale.
  for (const frac of [0, 0.5, 1]) {
    const y = TOP + plotH - frac * plotH;
    parts.push(
      `<line class="grid" x1="${LEFT}" y1="${y.toFixed(1)}" x2="${WIDTH - RIGHT}" y2="${y.toFixed(1)}"/>`,
      `<text class="axis" x="${LEFT - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${escapeHtml(frac === 0 ? '0' : humanDuration(max * frac))}</text>`,
    );
  }
  finished.forEach((run, i) => {
    const d = run.duration_seconds ?? 0;
    const h = Math.max(1.5, (d / max) * plotH);
    const x = LEFT + i * slot + (slot - barW) / 2;
    const y = TOP + plotH - h;
    const outcome = run.failed ? 'fail' : 'ok';
    const tip = `${absoluteTime(run.start_time.epoch)} · ${humanDuration(d)} · exit ${run.exit_code ?? '?'}`;
    parts.push(
      `<a href="${escapeHtml(jobUrlPrefix + encodeURIComponent(run.id))}/"><rect class="bar ${outcome}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(tip)}</title></rect></a>`,
    );
  });
  const first = finished[0];
  const last = finished[finished.length - 1];
  if (first !== undefined && last !== undefined) {
    parts.push(
      `<text class="axis" x="${LEFT}" y="${HEIGHT - 10}" text-anchor="start">${escapeHtml(absoluteTime(first.start_time.epoch))}</text>`,
    );
    if (finished.length > 1) {
      parts.push(
        `<text class="axis" x="${WIDTH - RIGHT}" y="${HEIGHT - 10}" text-anchor="end">${escapeHtml(absoluteTime(last.start_time.epoch))}</text>`,
      );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}
