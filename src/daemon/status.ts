/** The SIGQUIT status dump (SPEC §5.5), in the original's words where it had them. */
import type { EpochSeconds } from '../clock.js';
import { formatLocalTime, formatTimedelta } from './format.js';
import type { SchedulerStatus } from './types.js';

/** Log lines for a status snapshot taken at `now`. */
export function statusLines(status: SchedulerStatus, now: EpochSeconds): string[] {
  const lines: string[] = [];
  lines.push(`Status: ${status.running.length} running, ${status.pending.length} pending`);
  for (const r of status.running) {
    const pid = r.pid === null ? 'PID ?' : `PID ${r.pid}`;
    lines.push(`[${r.job} ${r.runId}] ${pid} running since ${formatLocalTime(r.startTime)} (${formatTimedelta(now - r.startTime)})`);
    if (r.concurrencyGroup !== null) {
      const g = status.groups.find((x) => x.name === r.concurrencyGroup);
      if (g !== undefined) lines.push(`[${r.job} ${r.runId}] Concurrency group: ${g.name} (${g.used} out of ${g.max})`);
    }
  }
  for (const g of status.groups) lines.push(`Concurrency group ${g.name}: ${g.used} out of ${g.max} in use`);
  for (const p of status.pending) {
    const delta = p.scheduleTime < now ? `-${formatTimedelta(now - p.scheduleTime)}` : formatTimedelta(p.scheduleTime - now);
    const waiting = p.paused === true ? ', waiting: paused' : p.waiting ? ', waiting for a free slot' : '';
    lines.push(`[${p.job} ${p.runId}] Next run (${p.triggerType}): ${formatLocalTime(p.scheduleTime)} (${delta})${waiting}`);
  }
  for (const p of status.paused ?? []) {
    const what = p.job === '*' ? 'Scheduler paused (every job)' : `[${p.job}] Paused`;
    lines.push(`${what} since ${formatLocalTime(p.since)} by ${p.by}${p.reason ? `: ${p.reason}` : ''}`);
  }
  for (const s of status.skipped ?? []) lines.push(`[${s.job}] Scheduled fires skipped since start: ${s.count}`);
  return lines;
}
