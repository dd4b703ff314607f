/**
 * The simulation loop: the daemon's own scheduler core ({@link SchedulerCore}) on a virtual
 * clock. The clock jumps from one moment something happens to the next: a pending run comes
 * due (the core's `nextWakeup`) or a running run ends (a queue of end times, each start plus
 * the job's duration). At each moment the driver does what the daemon does at a timer or a run
 * end — `runEnded` for the runs that ended, then `takeStartable(now)` — and writes down what
 * the core decided. No decision is made here: which run starts, which waits, which group slot
 * it takes and which fire times pass without a run are all the core's.
 */
import type { EpochSeconds } from '../clock.js';
import type { ConcurrencyGroupConfig, JobConfig } from '../config/types.js';
import { SchedulerCore } from '../daemon/core.js';
import type { StartDecision } from '../daemon/types.js';
import { DsariError } from '../errors.js';
import { compileSchedule } from '../schedule/index.js';
import type { Schedule } from '../schedule/types.js';
import type { JobDuration } from './durations.js';
import { seededRandom } from './random.js';
import { EventKind, IndexHeap, Timeline } from './timeline.js';

/** A simulation stops with an error once it has recorded this many events (it would not fit in memory much further). */
export const MAX_EVENTS = 2_000_000;

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
export function drive(input: DriverInput): DriverOutput {
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

  // Run ids are run indexes in the timeline: the core names a run when it creates it.
  const core = new SchedulerCore({ nextFireTime, newRunId: () => String(tl.addRun(-1, NaN)), random: seededRandom(input.seed, 'groups') });
  const pending = new IndexHeap((i) => tl.runSchedule.get(i));
  const ending = new IndexHeap((i) => tl.runEnd.get(i));
  const running = new Int32Array(jobs.length);
  /** Per job, its runs that are due and have not started. */
  const waiting: number[][] = jobs.map(() => []);

  const event = (kind: EventKind, time: number, ref: number): void => {
    if (tl.eventCount >= maxEvents) {
      throw new SimulationError(
        `the simulation stopped after ${maxEvents.toLocaleString('en-US')} events (at ${new Date(time * 1000).toISOString()}, ${tl.runCount.toLocaleString('en-US')} runs): simulate a shorter window or fewer jobs (--job)`,
      );
    }
    tl.addEvent(kind, time, ref);
  };
  const track = (runId: string, jobName: string, scheduleTime: number): number => {
    const i = Number(runId);
    tl.runJob.set(i, jobIndex.get(jobName) ?? -1);
    tl.runSchedule.set(i, scheduleTime);
    pending.push(i);
    return i;
  };
  const groupsFull = (job: JobConfig): boolean =>
    job.concurrencyGroups.length > 0 && job.concurrencyGroups.every((g) => core.groupUsage(g) >= (input.concurrencyGroups.get(g)?.max ?? 1));
  const waitKind = (j: number): EventKind => {
    const job = jobs[j] as JobConfig;
    if (!job.concurrentRuns && (running[j] as number) > 0) return EventKind.waitPrevious;
    return groupsFull(job) ? EventKind.waitGroup : EventKind.waitOther;
  };

  const reloaded = core.reload({ jobs: input.jobs, concurrencyGroups: input.concurrencyGroups }, input.from);
  scheduleErrors.push(...reloaded.scheduleErrors);
  for (const r of reloaded.scheduled) track(r.runId, r.jobName, r.scheduleTime);

  const start = (d: StartDecision, now: number): void => {
    const i = Number(d.run.runId);
    const j = tl.runJob.get(i);
    const w = waiting[j] as number[];
    const at = w.indexOf(i);
    if (at >= 0) w.splice(at, 1);
    if (d.run.triggerType === 'schedule' && d.next !== null && now > d.run.scheduleTime) countSkips(d, j, now);
    event(EventKind.start, now, i);
    tl.runStart.set(i, now);
    tl.runGroup.set(i, d.concurrencyGroup === null ? -1 : (groupIndex.get(d.concurrencyGroup) ?? -1));
    tl.runFailed.set(i, failures() < (failureRate[j] as number) ? 1 : 0);
    tl.runEnd.set(i, now + (duration[j] as number));
    running[j] = (running[j] as number) + 1;
    ending.push(i);
    if (d.next !== null) track(d.next.runId, d.next.jobName, d.next.scheduleTime);
    if (d.scheduleError !== undefined) scheduleErrors.push({ job: d.run.jobName, error: d.scheduleError });
  };
  // The core computed the next run from `now`: the job's fire times since this run's were passed over.
  const countSkips = (d: StartDecision, j: number, now: number): void => {
    let count = 0;
    let first = NaN;
    let last = NaN;
    for (let t = nextFireTime(d.job, d.run.scheduleTime); t !== null && t <= now; t = nextFireTime(d.job, t)) {
      if (count === 0) first = t;
      last = t;
      count++;
    }
    if (count > 0) event(EventKind.skip, now, tl.addSkip(j, count, first, last));
  };
  const end = (i: number): void => {
    const j = tl.runJob.get(i);
    event(EventKind.end, tl.runEnd.get(i), i);
    core.runEnded(String(i));
    running[j] = (running[j] as number) - 1;
  };

  let now = input.from;
  for (;;) {
    const ended: number[] = [];
    while (ending.size > 0 && tl.runEnd.get(ending.peek() as number) <= now) {
      const i = ending.pop() as number;
      end(i);
      ended.push(tl.runJob.get(i));
    }
    const due: number[] = [];
    while (pending.size > 0 && tl.runSchedule.get(pending.peek() as number) <= now) {
      const i = pending.pop() as number;
      event(EventKind.fire, now, i);
      (waiting[tl.runJob.get(i)] as number[]).push(i);
      due.push(i);
    }
    for (const d of core.takeStartable(now)) start(d, now);
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
    const nextEnd = ending.size > 0 ? tl.runEnd.get(ending.peek() as number) : Infinity;
    const next = Math.min(nextDue ?? Infinity, nextEnd);
    if (!(next <= input.until)) break;
    now = next;
  }
  // Runs still running at the end of the window finish; nothing new starts.
  while (ending.size > 0) end(ending.pop() as number);
  return { timeline: tl, jobs, groups, scheduleErrors };

  function waitEvent(i: number, now: number): void {
    const kind = waitKind(tl.runJob.get(i));
    if (kind === EventKind.waitPrevious) return void event(kind, now, i);
    tl.runGroupWait.set(i, now);
    event(kind, now, i);
  }
}
