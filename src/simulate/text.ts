/** The `text` report of a simulation: a table per job and per concurrency group, then warnings. */
import { humanDuration } from '../report/humanize.js';
import type { JobDuration } from './durations.js';
import type { SimulationResult } from './index.js';
import { formatWhen } from './time-text.js';

/** Where a duration came from, in a few words. */
export function durationSource(d: JobDuration | null): string {
  if (d === null) return '';
  switch (d.source) {
    case 'median':
      return `median of ${d.samples}`;
    case 'p95':
      return `p95 of ${d.samples}`;
    case 'fixed':
      return 'fixed';
    case 'job':
      return 'given';
    default:
      return 'no history';
  }
}

/** The report as lines of text (each ending in a newline). */
export function renderText(result: SimulationResult): string {
  const { summary, zone } = result;
  const lines: string[] = [];
  lines.push(`Simulation from ${formatWhen(result.from, zone)} to ${formatWhen(result.until, zone)} (${humanDuration(result.until - result.from)}), ${result.jobs.length} job${result.jobs.length === 1 ? '' : 's'}, seed ${result.seed}`);
  lines.push(`Times in ${zone}. ${result.timeline.runCount > 0 ? `${countStarted(result)} runs, ${result.timeline.eventCount} events.` : 'Nothing was scheduled in the window.'}`);
  lines.push('');
  const jobRows = summary.jobs.map((s) => [
    s.name,
    s.duration === null ? '' : `${humanDuration(s.duration.seconds)} (${durationSource(s.duration)})`,
    String(s.fires),
    String(s.runs),
    String(s.skipped),
    String(s.queued),
    String(s.retries),
    String(s.failed),
    s.longestWait > 0 ? `${humanDuration(s.longestWait)}${s.longestWaitFor === null ? '' : ` (${s.longestWaitFor === 'previous' ? 'previous run' : s.longestWaitFor})`}` : '-',
  ]);
  lines.push(...table(['Job', 'Duration', 'Fires', 'Runs', 'Skipped', 'Queued', 'Retries', 'Failed', 'Longest wait'], jobRows, [false, false, true, true, true, true, true, true, false]));
  if (summary.groups.length > 0) {
    lines.push('');
    const window = result.until - result.from;
    const groupRows = summary.groups.map((g) => [
      g.name,
      String(g.max),
      String(g.peak),
      g.timeFull > 0 ? `${humanDuration(g.timeFull)} (${percent(g.timeFull / window)})` : '-',
      g.longestQueue > 0 && g.longestQueueAt !== null ? `${g.longestQueue} at ${formatWhen(g.longestQueueAt, zone)}` : '-',
    ]);
    lines.push(...table(['Concurrency group', 'Slots', 'Peak', 'Time full', 'Longest queue'], groupRows, [false, true, true, false, false]));
  }
  lines.push('');
  if (summary.warnings.length === 0) lines.push('No warnings.');
  else {
    lines.push('Warnings:');
    for (const w of summary.warnings) lines.push(`  - ${w}`);
  }
  return lines.map((l) => `${l.trimEnd()}\n`).join('');
}

function countStarted(result: SimulationResult): number {
  return result.summary.jobs.reduce((n, s) => n + s.runs, 0);
}

function percent(share: number): string {
  const p = share * 100;
  return p > 0 && p < 1 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

function table(head: readonly string[], rows: readonly string[][], right: readonly boolean[]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (right[c] === true ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ');
  return [line(head), ...rows.map(line)];
}
