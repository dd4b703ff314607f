/**
 * The figures people ask of a simulation: per job its fires, runs, skipped and queued fires and
 * longest wait; per concurrency group its peak use, time spent full and longest queue; and
 * warnings in plain words. All read from the timeline the driver wrote, in one pass.
 */
import type { EpochSeconds } from '../clock.js';
import { humanDuration } from '../report/humanize.js';
import type { DriverOutput } from './driver.js';
import type { JobDuration } from './durations.js';
import { EventKind, RunEnd, SKIP_REASONS, TRIGGERS } from './timeline.js';
import { formatWhen } from './time-text.js';

/** A wait at least this long is worth a warning. */
export const LONG_WAIT_SECONDS = 60;
/** A group full for at least this share of the window is worth a warning. */
const BUSY_GROUP_SHARE = 0.5;

export interface JobStats {
  readonly name: string;
  /** Fire times of its schedule in the window: those that became runs plus those skipped. */
  readonly fires: number;
  /** Runs started in the window. */
  readonly runs: number;
  /** Fire times passed over without a run of their own (the sum of `skippedFor`). */
  readonly skipped: number;
  /** Skipped fires by reason: `late` (passed while a run waited), `running` (overlap: skip), `paused`. */
  readonly skippedFor: { readonly late: number; readonly running: number; readonly paused: number };
  /** Runs started as retries of failed runs. */
  readonly retries: number;
  /** Runs started by a dependency (`after`, `on_success`, `on_failure`). */
  readonly dependencyRuns: number;
  /** Runs ended by `overlap: replace`. */
  readonly replaced: number;
  /** Runs that did not start at their schedule time (they waited). */
  readonly queued: number;
  /** Runs still waiting when the window ended. */
  readonly waitingAtEnd: number;
  /** Runs that failed (drawn from the job's failure rate) or ran into max_execution. */
  readonly failed: number;
  /** The longest wait from schedule time to start (or to the end of the window), seconds. */
  readonly longestWait: number;
  /** The schedule time of the run that waited longest, null when none waited. */
  readonly longestWaitAt: EpochSeconds | null;
  /** What that run waited for: `group` (the job's groups were full), `previous` (its own previous run), `paused` or `other`. */
  readonly longestWaitFor: 'group' | 'previous' | 'paused' | 'other' | null;
  readonly duration: JobDuration | null;
}

export interface GroupStats {
  readonly name: string;
  readonly max: number;
  /** The most slots in use at once. */
  readonly peak: number;
  /** Seconds of the window during which every slot was in use. */
  readonly timeFull: number;
  /** The most runs waiting for a slot at once. */
  readonly longestQueue: number;
  /** When the queue was longest, null when nothing waited. */
  readonly longestQueueAt: EpochSeconds | null;
}

export interface Summary {
  readonly jobs: readonly JobStats[];
  readonly groups: readonly GroupStats[];
  readonly warnings: readonly string[];
}

export interface SummaryContext {
  readonly from: EpochSeconds;
  readonly until: EpochSeconds;
  readonly zone: string;
  readonly durations: ReadonlyMap<string, JobDuration>;
  /** Warnings from reading the store (catch-up, dependencies), added as they are. */
  readonly notes?: readonly string[];
}

/** Counts and warnings for a finished simulation. */
export function summarize(out: DriverOutput, ctx: SummaryContext): Summary {
  const tl = out.timeline;
  const nJobs = out.jobs.length;
  const nGroups = out.groups.length;
  const groupIx = new Map(out.groups.map((g, i) => [g.name, i]));
  const jobGroups = out.jobs.map((j) => j.concurrencyGroups.map((g) => groupIx.get(g) ?? -1).filter((g) => g >= 0));
  const fires = new Float64Array(nJobs);
  const runs = new Float64Array(nJobs);
  const skipped = SKIP_REASONS.map(() => new Float64Array(nJobs));
  const retries = new Float64Array(nJobs);
  const dependencyRuns = new Float64Array(nJobs);
  const replaced = new Float64Array(nJobs);
  const RETRY = TRIGGERS.indexOf('retry');
  const FIRED = new Set([TRIGGERS.indexOf('schedule'), TRIGGERS.indexOf('catchup')]);
  const DEPENDENCY = new Set([TRIGGERS.indexOf('after'), TRIGGERS.indexOf('upstream')]);
  const queued = new Float64Array(nJobs);
  const failed = new Float64Array(nJobs);
  const longest = new Float64Array(nJobs);
  const longestAt: Array<number | null> = new Array<number | null>(nJobs).fill(null);
  const longestFor: Array<JobStats['longestWaitFor']> = new Array<JobStats['longestWaitFor']>(nJobs).fill(null);
  /** Per run that waited: what it waited for last. */
  const waitedFor = new Map<number, JobStats['longestWaitFor']>();
  const use = new Int32Array(nGroups);
  const fullSince = new Float64Array(nGroups).fill(NaN);
  const timeFull = new Float64Array(nGroups);
  const peak = new Int32Array(nGroups);
  const queue = new Int32Array(nGroups);
  const longestQueue = new Int32Array(nGroups);
  const longestQueueAt: Array<number | null> = new Array<number | null>(nGroups).fill(null);
  const inQueue = new Set<number>();
  const noteWait = (j: number, i: number, wait: number, why: JobStats['longestWaitFor']): void => {
    if (wait > (longest[j] as number)) {
      longest[j] = wait;
      longestAt[j] = tl.runSchedule.get(i);
      longestFor[j] = why;
    }
  };

  for (let e = 0; e < tl.eventCount; e++) {
    const kind = tl.eventKind.get(e);
    const t = tl.eventTime.get(e);
    const i = tl.eventRef.get(e);
    if (kind === EventKind.skip) {
      const j = tl.skipJob.get(i);
      const by = skipped[tl.skipReason.get(i)] as Float64Array;
      by[j] = (by[j] as number) + tl.skipCount.get(i);
      continue;
    }
    const j = tl.runJob.get(i);
    const g = tl.runGroup.get(i);
    switch (kind) {
      case EventKind.fire:
        if (FIRED.has(tl.runTrigger.get(i))) fires[j] = (fires[j] as number) + 1;
        break;
      case EventKind.waitPaused:
        waitedFor.set(i, 'paused');
        break;
      case EventKind.waitPrevious:
        waitedFor.set(i, 'previous');
        break;
      case EventKind.waitOther:
        waitedFor.set(i, 'other');
        break;
      case EventKind.waitGroup:
        waitedFor.set(i, 'group');
        inQueue.add(i);
        for (const q of jobGroups[j] as number[]) {
          queue[q] = (queue[q] as number) + 1;
          if ((queue[q] as number) > (longestQueue[q] as number)) {
            longestQueue[q] = queue[q] as number;
            longestQueueAt[q] = t;
          }
        }
        break;
      case EventKind.start: {
        runs[j] = (runs[j] as number) + 1;
        const how = tl.runFailed.get(i);
        if (how === RunEnd.failed || how === RunEnd.timedOut) failed[j] = (failed[j] as number) + 1;
        if (how === RunEnd.replaced) replaced[j] = (replaced[j] as number) + 1;
        const trigger = tl.runTrigger.get(i);
        if (trigger === RETRY) retries[j] = (retries[j] as number) + 1;
        if (DEPENDENCY.has(trigger)) dependencyRuns[j] = (dependencyRuns[j] as number) + 1;
        const wait = t - tl.runSchedule.get(i);
        if (wait > 0) {
          queued[j] = (queued[j] as number) + 1;
          noteWait(j, i, wait, waitedFor.get(i) ?? 'other');
        }
        waitedFor.delete(i);
        if (inQueue.delete(i)) for (const q of jobGroups[j] as number[]) queue[q] = (queue[q] as number) - 1;
        if (g >= 0) {
          use[g] = (use[g] as number) + 1;
          peak[g] = Math.max(peak[g] as number, use[g] as number);
          if ((use[g] as number) >= (out.groups[g]?.max ?? 1) && Number.isNaN(fullSince[g])) fullSince[g] = t;
        }
        break;
      }
      case EventKind.end:
        if (g >= 0) {
          if (!Number.isNaN(fullSince[g] as number)) {
            timeFull[g] = (timeFull[g] as number) + Math.max(0, Math.min(t, ctx.until) - (fullSince[g] as number));
            fullSince[g] = NaN;
          }
          use[g] = (use[g] as number) - 1;
        }
        break;
      default:
        break;
    }
  }
  // Runs still waiting at the end of the window: their wait so far counts.
  for (const [i, why] of waitedFor) {
    const j = tl.runJob.get(i);
    queued[j] = (queued[j] as number) + 1;
    noteWait(j, i, ctx.until - tl.runSchedule.get(i), why);
  }
  const waitingAtEnd = new Float64Array(nJobs);
  for (const i of waitedFor.keys()) waitingAtEnd[tl.runJob.get(i)] = (waitingAtEnd[tl.runJob.get(i)] as number) + 1;

  const [late, busy, paused] = skipped as [Float64Array, Float64Array, Float64Array];
  const jobs: JobStats[] = out.jobs.map((job, j) => ({
    name: job.name,
    // A fire skipped by the core (running, paused) was a due run first: its fire event counted.
    fires: (fires[j] as number) + (late[j] as number),
    runs: runs[j] as number,
    skipped: (late[j] as number) + (busy[j] as number) + (paused[j] as number),
    skippedFor: { late: late[j] as number, running: busy[j] as number, paused: paused[j] as number },
    retries: retries[j] as number,
    dependencyRuns: dependencyRuns[j] as number,
    replaced: replaced[j] as number,
    queued: queued[j] as number,
    waitingAtEnd: waitingAtEnd[j] as number,
    failed: failed[j] as number,
    longestWait: longest[j] as number,
    longestWaitAt: longestAt[j] ?? null,
    longestWaitFor: longestFor[j] ?? null,
    duration: ctx.durations.get(job.name) ?? null,
  }));
  const groups: GroupStats[] = out.groups.map((group, g) => ({
    name: group.name,
    max: group.max,
    peak: peak[g] as number,
    timeFull: timeFull[g] as number,
    longestQueue: longestQueue[g] as number,
    longestQueueAt: longestQueueAt[g] ?? null,
  }));
  return { jobs, groups, warnings: warningsFor(out, jobs, groups, ctx) };
}

/**
 * The warnings, most telling first: schedules that cannot run, full groups, then the longest
 * waits, then skipped fires, retries and runs left waiting (each kind by size), then guesses.
 */
function warningsFor(out: DriverOutput, jobs: readonly JobStats[], groups: readonly GroupStats[], ctx: SummaryContext): string[] {
  const byName = new Map(out.jobs.map((j) => [j.name, j]));
  const ranked = (items: Array<[number, string]>): string[] => items.sort((a, b) => b[0] - a[0]).map(([, text]) => text);
  const waits: Array<[number, string]> = [];
  const skips: Array<[number, string]> = [];
  const others: Array<[number, string]> = [];
  for (const s of jobs) {
    const job = byName.get(s.name);
    if (s.longestWait >= LONG_WAIT_SECONDS && s.longestWaitAt !== null) {
      const what =
        s.longestWaitFor === 'group' ? ` for ${plural(job?.concurrencyGroups.length ?? 1, 'group')} ${(job?.concurrencyGroups ?? []).map((g) => `\`${g}\``).join(', ')}`
        : s.longestWaitFor === 'previous' ? ' for its previous run to end'
        : s.longestWaitFor === 'paused' ? ' while paused'
        : '';
      const total = s.runs + s.waitingAtEnd;
      const many = s.queued > 1 ? `; ${s.queued === total ? `all ${total}` : `${s.queued} of its ${total}`} runs waited` : '';
      waits.push([s.longestWait, `\`${s.name}\` waited ${humanDuration(s.longestWait)}${what} (its run of ${formatWhen(s.longestWaitAt, ctx.zone)})${many}`]);
    }
    const { late, running, paused } = s.skippedFor;
    if (late > 0) skips.push([late, `\`${s.name}\` skipped ${late} of ${s.fires} fire times: its runs started late, so the times in between got no run`]);
    if (running > 0) skips.push([running, `\`${s.name}\` skipped ${running} of ${s.fires} fire times because it was still running (overlap: skip)`]);
    if (paused > 0) skips.push([paused, `\`${s.name}\` skipped ${paused} of ${s.fires} fire times because it is paused`]);
    if (s.retries > 0) others.push([s.retries, `\`${s.name}\` was retried ${s.retries} ${plural(s.retries, 'time')} (failures drawn from its history: ${Math.round((s.duration?.failureRate ?? 0) * 100)}% of its runs failed)`]);
    if (s.waitingAtEnd > 0) others.push([s.waitingAtEnd, `\`${s.name}\`: ${s.waitingAtEnd} ${plural(s.waitingAtEnd, 'run')} still waiting when the window ended`]);
  }
  const window = ctx.until - ctx.from;
  const full: Array<[number, string]> = [];
  for (const g of groups) {
    const share = window > 0 ? g.timeFull / window : 0;
    if (share >= BUSY_GROUP_SHARE) full.push([share, `group \`${g.name}\` (${g.max} ${plural(g.max, 'slot')}) was full ${Math.round(share * 100)}% of the window`]);
  }
  const warnings = out.scheduleErrors.map((e) => `\`${e.job}\`: its schedule cannot be computed, so it never ran: ${e.error}`);
  warnings.push(...ranked(full), ...ranked(waits), ...ranked(skips), ...ranked(others), ...(ctx.notes ?? []));
  const guessed = jobs.filter((s) => s.duration?.source === 'default' && s.runs > 0).map((s) => s.name);
  if (guessed.length > 0) {
    const list = guessed.slice(0, 5).map((n) => `\`${n}\``).join(', ') + (guessed.length > 5 ? ` and ${guessed.length - 5} more` : '');
    const seconds = jobs.find((s) => s.duration?.source === 'default')?.duration?.seconds ?? 1;
    warnings.push(`${guessed.length} ${plural(guessed.length, 'job')} without finished runs in the store ran ${humanDuration(seconds)} each (a guess): ${list}`);
  }
  return warnings;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
