/**
 * The simulation loop: the daemon's own scheduler core ({@link SchedulerCore}) on a virtual
 * clock. The clock jumps from one moment something happens to the next: a pending run comes
 * due (the core's `nextWakeup`) or a running run ends (a queue of end times, each start plus
 * the job's duration). At each moment the driver does what the daemon does when a run ends or
 * its timer fires — `runFinished` for the runs that ended, then `decide(now)` — and carries the
 * decisions out on paper: starts, skipped fires, runs ended by `overlap: replace`, retries and
 * dependency runs the core created. No decision is made here; the driver only writes them down.
 */
import type { EpochSeconds } from '../clock.js';
import type { ConcurrencyGroupConfig, JobConfig } from '../config/types.js';
import { SchedulerCore } from '../daemon/core.js';
import type { PendingRun, RunResult, StartDecision } from '../daemon/types.js';
import { DsariError } from '../errors.js';
import { compileSchedule } from '../schedule/index.js';
import type { Schedule } from '../schedule/types.js';
import type { JobDuration } from './durations.js';
import { seededRandom } from './random.js';
import { EventKind, IndexHeap, RunEnd, type SkipReason, Timeline, TRIGGERS } from './timeline.js';

/** A simulation stops with an error once it has recorded this many events (it would not fit in memory much further). */
export const MAX_EVENTS = 2_000_000;
/** The exit status of a run ended by SIGTERM (max_execution, overlap: replace). */
const SIGTERM_STATUS = 143;

/** A simulation that cannot be run as asked (window, event bound). */
export class SimulationError extends DsariError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_SIMULATION', message, options);
  }
}

export interface DriverInput {
  readonly jobs: ReadonlyMap<string, JobConfig>;
  readonly concurrencyGroups: ReadonlyMap<string, ConcurrencyGroupConfig>;
  readonly from: EpochSeconds;
  readonly until: EpochSeconds;
  /** Every job's duration and failure rate. */
  readonly durations: ReadonlyMap<string, JobDuration>;
  readonly seed: number;
  /** The zone of schedules without `schedule_timezone` (the daemon's local zone). */
  readonly hostZone: string;
  /** @default MAX_EVENTS */
  readonly maxEvents?: number;
  /** Replaces the schedules (tests). */
  readonly nextFireTime?: (job: JobConfig, after: EpochSeconds) => EpochSeconds | null;
  /**
   * Called once the core has the configuration, before the clock moves: gives it what the
   * daemon reads from the store (pauses, catch-up, `after` state). Returns runs it created.
   */
  readonly prepare?: (core: SchedulerCore, now: EpochSeconds) => Promise<readonly PendingRun[]>;
}

/** What the driver saw. Job and group indexes point into `jobs` and `groups`. */
export interface DriverOutput {
  readonly timeline: Timeline;
  readonly jobs: readonly JobConfig[];
  readonly groups: readonly ConcurrencyGroupConfig[];
  /** Jobs whose schedule could not be computed, with the reason. */
  readonly scheduleErrors: ReadonlyArray<{ job: string; error: string }>;
}

/**
 * Next fire times as the daemon computes them (each job's expression in its zone, compiled once),
 * with the hashed `R` values drawn from the seed rather than at random.
 */
export function simulatedSchedules(hostZone: string, random: () => number): (job: JobConfig, after: EpochSeconds) => EpochSeconds | null {
  const cache = new Map<string, Schedule | null>();
  return (job, after) => {
    let schedule = cache.get(job.name);
    if (schedule === undefined) {
      schedule = job.schedule === null ? null : compileSchedule(job.schedule, { jobName: job.name, timezone: job.scheduleTimezone ?? hostZone, random });
      cache.set(job.name, schedule);
    }
    return schedule === null ? null : schedule.next(after);
  };
}

/**
 * Runs the core over [from, until]: runs start up to `until`; those still running then are let
 * finish (their ends are recorded), those still waiting are left waiting.
 * @throws SimulationError when more than `maxEvents` events would be recorded
 */
export async function drive(input: DriverInput): Promise<DriverOutput> {
  const jobs = [...input.jobs.values()];
  const groups = [...input.concurrencyGroups.values()];
  const jobIndex = new Map(jobs.map((j, i) => [j.name, i]));
  const groupIndex = new Map(groups.map((g, i) => [g.name, i]));
  const duration = jobs.map((j) => input.durations.get(j.name)?.seconds ?? 1);
  const failureRate = jobs.map((j) => input.durations.get(j.name)?.failureRate ?? 0);
  const maxEvents = input.maxEvents ?? MAX_EVENTS;
  const nextFireTime = input.nextFireTime ?? simulatedSchedules(input.hostZone, seededRandom(input.seed, 'schedule'));
  const failures = seededRandom(input.seed, 'failures');
  const tl = new Timeline();
  const scheduleErrors: Array<{ job: string; error: string }> = [];

  // Run ids the core creates are run indexes in the timeline; ids from elsewhere are mapped.
  const foreignIds = new Map<string, number>();
  const foreignById = new Map<number, string>();
  const indexOf = (runId: string): number => foreignIds.get(runId) ?? Number(runId);
  const idOf = (i: number): string => foreignById.get(i) ?? String(i);
  const core = new SchedulerCore({ nextFireTime, newRunId: () => String(tl.addRun(-1, NaN)), random: seededRandom(input.seed, 'groups') });
  const pending = new IndexHeap((i) => tl.runSchedule.get(i));
  const plannedEnd: number[] = [];
  const ending = new IndexHeap((i) => plannedEnd[i] as number);
  const running = new Int32Array(jobs.length);
  /** Per job, its runs that are due and have not started. */
  const waiting: number[][] = jobs.map(() => []);
  /** Their number over all jobs: with none, and none coming due, the core has nothing to decide. */
  let waitingCount = 0;

  const event = (kind: EventKind, time: number, ref: number): void => {
    if (tl.eventCount >= maxEvents) {
      throw new SimulationError(
        `the simulation stopped after ${maxEvents.toLocaleString('en-US')} events (at ${new Date(time * 1000).toISOString()}, ${tl.runCount.toLocaleString('en-US')} runs): simulate a shorter window or fewer jobs (--job)`,
      );
    }
    tl.addEvent(kind, time, ref);
  };
  const track = (run: PendingRun): void => {
    let i = Number(run.runId);
    if (!Number.isInteger(i) || i >= tl.runCount) {
      i = tl.addRun(-1, NaN);
      foreignIds.set(run.runId, i);
      foreignById.set(i, run.runId);
    }
    tl.runJob.set(i, jobIndex.get(run.jobName) ?? -1);
    tl.runSchedule.set(i, run.scheduleTime);
    tl.runTrigger.set(i, Math.max(0, TRIGGERS.indexOf(run.catchup === true ? 'catchup' : run.triggerType)));
    pending.push(i);
  };
  const skipped = (j: number, count: number, first: number, last: number, reason: SkipReason, now: number): void => {
    event(EventKind.skip, now, tl.addSkip(j, count, first, last, reason));
  };
  const groupsFull = (job: JobConfig): boolean =>
    job.concurrencyGroups.length > 0 && job.concurrencyGroups.every((g) => core.groupUsage(g) >= (input.concurrencyGroups.get(g)?.max ?? 1));
  const waitKind = (j: number): EventKind => {
    const job = jobs[j] as JobConfig;
    if (core.isPaused(job.name)) return EventKind.waitPaused;
    if (!job.concurrentRuns && (running[j] as number) > 0) return EventKind.waitPrevious;
    return groupsFull(job) ? EventKind.waitGroup : EventKind.waitOther;
  };
  const waitEvent = (i: number, now: number): void => {
    const kind = waitKind(tl.runJob.get(i));
    if (kind === EventKind.waitGroup || kind === EventKind.waitOther) tl.runGroupWait.set(i, now);
    event(kind, now, i);
  };

  const reloaded = core.reload({ jobs: input.jobs, concurrencyGroups: input.concurrencyGroups }, input.from);
  scheduleErrors.push(...reloaded.scheduleErrors);
  for (const r of reloaded.scheduled) track(r);
  for (const r of (await input.prepare?.(core, input.from)) ?? []) track(r);

  const start = (d: StartDecision, now: number): void => {
    const i = indexOf(d.run.runId);
    const j = tl.runJob.get(i);
    const w = waiting[j] as number[];
    const at = w.indexOf(i);
    if (at >= 0) {
      w.splice(at, 1);
      waitingCount--;
    }
    if (d.run.triggerType === 'schedule' && d.next !== null && now > d.run.scheduleTime) countPassedOver(d, j, now);
    event(EventKind.start, now, i);
    tl.runStart.set(i, now);
    tl.runGroup.set(i, d.concurrencyGroup === null ? -1 : (groupIndex.get(d.concurrencyGroup) ?? -1));
    const failed = failures() < (failureRate[j] as number);
    const limit = d.job.maxExecution;
    const timedOut = limit !== null && (duration[j] as number) > limit;
    tl.runFailed.set(i, timedOut ? RunEnd.timedOut : failed ? RunEnd.failed : RunEnd.ok);
    plannedEnd[i] = now + (timedOut ? (limit as number) : (duration[j] as number));
    running[j] = (running[j] as number) + 1;
    ending.push(i);
    if (d.next !== null) track(d.next);
    if (d.scheduleError !== undefined) scheduleErrors.push({ job: d.run.jobName, error: d.scheduleError });
  };
  // The core computed the next run from `now`: the job's fire times since this run's got none.
  const countPassedOver = (d: StartDecision, j: number, now: number): void => {
    let count = 0;
    let first = NaN;
    let last = NaN;
    for (let t = nextFireTime(d.job, d.run.scheduleTime); t !== null && t <= now; t = nextFireTime(d.job, t)) {
      if (count === 0) first = t;
      last = t;
      count++;
    }
    if (count > 0) skipped(j, count, first, last, 'late', now);
  };
  /** A run ends at `now`; what it causes (retries, dependency runs) becomes pending. */
  const end = (i: number, now: number, after: boolean): number => {
    const j = tl.runJob.get(i);
    tl.runEnd.set(i, now);
    event(EventKind.end, now, i);
    running[j] = (running[j] as number) - 1;
    const how = tl.runFailed.get(i);
    const result: RunResult = {
      exitCode: how === RunEnd.ok ? 0 : how === RunEnd.failed ? 1 : SIGTERM_STATUS,
      stopTime: now,
      timedOut: how === RunEnd.timedOut,
      lost: false,
      endedBy: how === RunEnd.replaced ? 'replaced' : null,
    };
    // After the window nothing new is created: the runs only finish.
    if (after) core.runEnded(idOf(i));
    else for (const r of core.runFinished(idOf(i), result, now).followUps) track(r);
    return j;
  };

  let now = input.from;
  const ended: number[] = [];
  const due: number[] = [];
  for (;;) {
    ended.length = 0;
    due.length = 0;
    while (ending.size > 0 && (plannedEnd[ending.peek() as number] as number) <= now) {
      const i = ending.pop() as number;
      if (Number.isNaN(tl.runEnd.get(i))) ended.push(end(i, now, false));
    }
    while (pending.size > 0 && tl.runSchedule.get(pending.peek() as number) <= now) {
      const i = pending.pop() as number;
      event(EventKind.fire, now, i);
      (waiting[tl.runJob.get(i)] as number[]).push(i);
      waitingCount++;
      due.push(i);
    }
    // `overlap: replace` ends runs at once (SIGTERM; a simulated run obeys it) and looks again.
    // Every run the core holds as due is one of `waiting` (all its runs are tracked as they are
    // made), so with none the core's look would find nothing: it is left out (most run ends).
    for (let look = 0; look < 100 && waitingCount > 0; look++) {
      const created = tl.runCount;
      const decided = core.decide(now);
      for (const s of decided.skipped) {
        const i = indexOf(s.run.runId);
        const j = tl.runJob.get(i);
        const w = waiting[j] as number[];
        if (w.includes(i)) {
          w.splice(w.indexOf(i), 1);
          waitingCount--;
        }
        tl.runStart.set(i, -1);
        skipped(j, 1, s.run.scheduleTime, s.run.scheduleTime, s.reason, now);
      }
      for (const d of decided.start) start(d, now);
      // A skipped fire let its job's schedule go on: the core made the next run without handing it out.
      if (decided.skipped.length > 0) trackCreatedSince(created);
      if (decided.replace.length === 0) break;
      for (const r of decided.replace) {
        for (const id of r.runIds) {
          const i = indexOf(id);
          if (!Number.isNaN(tl.runEnd.get(i))) continue;
          tl.runFailed.set(i, RunEnd.replaced);
          ended.push(end(i, now, false));
        }
      }
    }
    for (const i of due) {
      if (Number.isNaN(tl.runStart.get(i))) waitEvent(i, now);
    }
    // A run that waited for its job's previous run may now wait for a group instead.
    for (const j of ended) {
      for (const i of waiting[j] as number[]) {
        if (Number.isNaN(tl.runGroupWait.get(i)) && !due.includes(i)) waitEvent(i, now);
      }
    }
    const nextDue = core.nextWakeup();
    const nextEnd = ending.size > 0 ? (plannedEnd[ending.peek() as number] as number) : Infinity;
    const next = Math.min(nextDue ?? Infinity, nextEnd);
    if (!(next <= input.until)) break;
    now = next;
  }
  // Runs still running at the end of the window finish; nothing new starts.
  while (ending.size > 0) {
    const i = ending.pop() as number;
    if (Number.isNaN(tl.runEnd.get(i))) end(i, plannedEnd[i] as number, true);
  }
  return { timeline: tl, jobs, groups, scheduleErrors };

  /** Tracks the pending runs the core created (run indexes from `first` on) that are not tracked yet. */
  function trackCreatedSince(first: number): void {
    const untracked = new Set<number>();
    for (let i = first; i < tl.runCount; i++) if (Number.isNaN(tl.runSchedule.get(i))) untracked.add(i);
    if (untracked.size === 0) return;
    for (const r of core.pendingRuns()) if (untracked.has(indexOf(r.runId))) track(r);
  }
}
