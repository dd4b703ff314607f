/**
 * The scheduler's decisions, with no I/O and no clock of its own: which pending runs exist,
 * which are due, which may start given overlap (SPEC §5.3) and concurrency groups (§5.4), and
 * what a trigger, a reload or a shutdown does to them. The caller passes `now` in and carries
 * the decisions out (spawning, recording), so the same core runs under a real or virtual clock.
 */
import type { EpochSeconds } from '../clock.js';
import type { ConcurrencyGroupConfig, JobConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { JsonObject } from '../store/types.js';
import { compareRuns, RunQueue } from './run-queue.js';
import type {
  ActiveRun,
  PendingRun,
  ReloadOutcome,
  SchedulerStatus,
  StartDecision,
  TriggerOutcome,
} from './types.js';

/**
 * After the wall clock went back by up to this many seconds, a job's next scheduled run is
 * computed from the last schedule time it fired at, so no scheduled time runs twice (the runs
 * wait until the clock is there again). A bigger step back is taken as the correction of a
 * clock that was badly wrong: runs are computed from the corrected time rather than held back
 * for days.
 */
export const MAX_REPEAT_GUARD = 86_400;

/** The part of the configuration the scheduler decides with. */
export interface SchedulingConfig {
  readonly jobs: ReadonlyMap<string, JobConfig>;
  readonly concurrencyGroups: ReadonlyMap<string, ConcurrencyGroupConfig>;
}

export interface SchedulerCoreOptions {
  /**
   * The job's next fire time strictly after `after`, or null when its schedule never fires
   * again. May throw (a schedule that cannot be evaluated); the job then gets no scheduled run.
   */
  nextFireTime(job: JobConfig, after: EpochSeconds): EpochSeconds | null;
  /** A fresh run id (UUID v4 in the daemon, predictable in tests). */
  newRunId(): string;
  /** [0, 1), picks among free concurrency groups. @default Math.random */
  random?: () => number;
}

/** A trigger accepted for a job, ready to become a pending run. */
export interface TriggerRequest {
  readonly jobName: string;
  readonly scheduleTime: EpochSeconds;
  readonly triggerData: JsonObject;
  /** Use this run id (a trigger restored from its pending file keeps its id). */
  readonly runId?: string | undefined;
  readonly triggerFile?: string | undefined;
}

export class SchedulerCore {
  private config: SchedulingConfig = { jobs: new Map(), concurrencyGroups: new Map() };
  /** Pending runs not yet due. */
  private readonly future = new RunQueue();
  /** Pending runs that are due but wait for a slot, in schedule-time order. */
  private due: PendingRun[] = [];
  private readonly running = new Map<string, ActiveRun>();
  private readonly runningPerJob = new Map<string, number>();
  private readonly groupUse = new Map<string, number>();
  private seq = 0;
  private stopping = false;
  /** Per job, the schedule time of its last scheduled run started (see {@link MAX_REPEAT_GUARD}). */
  private readonly lastFired = new Map<string, EpochSeconds>();
  private readonly random: () => number;

  constructor(private readonly options: SchedulerCoreOptions) {
    this.random = options.random ?? Math.random;
  }

  /** True once {@link beginShutdown} was called: nothing new is created or started. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  get jobs(): ReadonlyMap<string, JobConfig> {
    return this.config.jobs;
  }

  /** Number of pending runs (future and due). */
  get pendingCount(): number {
    return this.future.size + this.due.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Every pending run, earliest first. */
  pendingRuns(): PendingRun[] {
    return [...this.future.values(), ...this.due].sort(compareRuns);
  }

  runningRuns(): ActiveRun[] {
    return [...this.running.values()];
  }

  getRunning(runId: string): ActiveRun | undefined {
    return this.running.get(runId);
  }

  /**
   * Takes a configuration (at start-up and on every reload): pending scheduled runs are
   * recomputed from `now`; pending triggered runs are kept for jobs that still exist. Running
   * runs keep the configuration they started with.
   */
  reload(config: SchedulingConfig, now: EpochSeconds): ReloadOutcome {
    this.config = config;
    const orphaned: PendingRun[] = [];
    const triggered = new Map<string, PendingRun[]>();
    for (const run of this.takeAllPending()) {
      if (run.triggerType === 'schedule') continue;
      if (!config.jobs.has(run.jobName)) {
        orphaned.push(run);
        continue;
      }
      run.respawn = false;
      const list = triggered.get(run.jobName) ?? [];
      list.push(run);
      triggered.set(run.jobName, list);
    }
    const scheduled: PendingRun[] = [];
    const scheduleErrors: Array<{ job: string; error: string }> = [];
    if (this.stopping) return { scheduled, orphaned, scheduleErrors };
    for (const job of config.jobs.values()) {
      const mine = (triggered.get(job.name) ?? []).sort(compareRuns);
      for (const run of mine) this.enqueue(run, now);
      if (job.schedule === null) continue;
      const first = mine[0];
      if (!job.concurrentRuns && first !== undefined) {
        // The waiting trigger holds the job's duty to schedule its next run (SPEC §5.2).
        first.respawn = true;
        continue;
      }
      const result = this.scheduleNext(job, now);
      if (result.error !== undefined) scheduleErrors.push({ job: job.name, error: result.error });
      if (result.run !== null) scheduled.push(result.run);
    }
    return { scheduled, orphaned, scheduleErrors };
  }

  /**
   * Adds a triggered run. For a job without concurrent_runs it replaces the job's pending runs
   * and takes over their duty to schedule the next run; with concurrent_runs it is added beside
   * them. Returns null (and changes nothing) for an unknown job or during shutdown.
   */
  addTrigger(request: TriggerRequest, now: EpochSeconds): TriggerOutcome | null {
    const job = this.config.jobs.get(request.jobName);
    if (job === undefined || this.stopping) return null;
    const replaced: PendingRun[] = [];
    if (!job.concurrentRuns) {
      for (const run of this.pendingRuns()) {
        if (run.jobName === job.name && this.removePending(run.runId) !== undefined) replaced.push(run);
      }
    }
    const run: PendingRun = {
      runId: request.runId ?? this.options.newRunId(),
      jobName: job.name,
      scheduleTime: request.scheduleTime,
      triggerType: 'file',
      triggerData: request.triggerData,
      respawn: replaced.some((r) => r.respawn),
      seq: this.seq++,
      triggerFile: request.triggerFile,
    };
    this.enqueue(run, now);
    return { run, replaced };
  }

  /** Removes a pending run (wherever it waits); returns it, or undefined if it was not pending. */
  removePending(runId: string): PendingRun | undefined {
    const fromFuture = this.future.remove(runId);
    if (fromFuture !== undefined) return fromFuture;
    const i = this.due.findIndex((r) => r.runId === runId);
    if (i < 0) return undefined;
    const [run] = this.due.splice(i, 1);
    return run;
  }

  /**
   * The runs to start now: every due run whose job is not running (unless concurrent_runs) and
   * that gets a concurrency group slot, in schedule-time order. Slots are taken at once, so the
   * caller may start them in any order and limits hold exactly. A run with the respawn duty
   * creates its job's next scheduled run, computed from `now` (missed fire times are skipped).
   */
  takeStartable(now: EpochSeconds): StartDecision[] {
    if (this.stopping) return [];
    for (;;) {
      const top = this.future.peek();
      if (top === undefined || top.scheduleTime > now) break;
      this.future.pop();
      this.insertDue(top);
    }
    const decisions: StartDecision[] = [];
    const still: PendingRun[] = [];
    for (const run of this.due) {
      const job = this.config.jobs.get(run.jobName);
      if (job === undefined) continue;
      const slot = this.slotFor(job);
      if (slot === false) {
        still.push(run);
        continue;
      }
      this.occupy(run.jobName, slot);
      if (run.triggerType === 'schedule') this.lastFired.set(run.jobName, Math.max(run.scheduleTime, this.lastFired.get(run.jobName) ?? -Infinity));
      this.running.set(run.runId, {
        runId: run.runId,
        jobName: run.jobName,
        job,
        scheduleTime: run.scheduleTime,
        startTime: now,
        triggerType: run.triggerType,
        triggerData: run.triggerData,
        concurrencyGroup: slot,
        pid: null,
        adopted: false,
      });
      let next: PendingRun | null = null;
      let scheduleError: string | undefined;
      if (run.respawn && job.schedule !== null) {
        const result = this.scheduleNext(job, now);
        next = result.run;
        scheduleError = result.error;
      }
      decisions.push({ run, job, concurrencyGroup: slot, startTime: now, next, ...(scheduleError ? { scheduleError } : {}) });
    }
    this.due = still;
    return decisions;
  }

  /** Records the PID of a started run (for the status dump). */
  setPid(runId: string, pid: number): void {
    const run = this.running.get(runId);
    if (run !== undefined) run.pid = pid;
  }

  /** Registers a run found running at start-up: it holds its job and group slots until it ends. */
  adopt(run: ActiveRun): void {
    const group = run.concurrencyGroup !== null && this.config.concurrencyGroups.has(run.concurrencyGroup) ? run.concurrencyGroup : null;
    this.running.set(run.runId, { ...run, concurrencyGroup: group });
    this.occupy(run.jobName, group);
  }

  /** A run ended (or failed to start): frees its slots. Returns it, or undefined if unknown. */
  runEnded(runId: string): ActiveRun | undefined {
    const run = this.running.get(runId);
    if (run === undefined) return undefined;
    this.running.delete(runId);
    const n = (this.runningPerJob.get(run.jobName) ?? 1) - 1;
    if (n > 0) this.runningPerJob.set(run.jobName, n);
    else this.runningPerJob.delete(run.jobName);
    if (run.concurrencyGroup !== null) {
      const g = (this.groupUse.get(run.concurrencyGroup) ?? 1) - 1;
      if (g > 0) this.groupUse.set(run.concurrencyGroup, g);
      else this.groupUse.delete(run.concurrencyGroup);
    }
    return run;
  }

  /** Stops creating and starting runs; returns the pending runs it cancelled. */
  beginShutdown(): PendingRun[] {
    this.stopping = true;
    return this.takeAllPending();
  }

  /** When the earliest not-yet-due pending run is due; null when none is. */
  nextWakeup(): EpochSeconds | null {
    return this.future.peek()?.scheduleTime ?? null;
  }

  /** Everything the SIGQUIT status dump shows. */
  status(): SchedulerStatus {
    const running = [...this.running.values()]
      .sort((a, b) => a.jobName.localeCompare(b.jobName) || a.startTime - b.startTime)
      .map((r) => ({ job: r.jobName, runId: r.runId, pid: r.pid, startTime: r.startTime, concurrencyGroup: r.concurrencyGroup }));
    const groups = [...this.config.concurrencyGroups.values()]
      .map((g) => ({ name: g.name, used: this.groupUse.get(g.name) ?? 0, max: g.max }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const dueIds = new Set(this.due.map((r) => r.runId));
    const pending = this.pendingRuns()
      .sort((a, b) => a.jobName.localeCompare(b.jobName) || compareRuns(a, b))
      .map((r) => ({ job: r.jobName, runId: r.runId, triggerType: r.triggerType, scheduleTime: r.scheduleTime, waiting: dueIds.has(r.runId) }));
    return { running, groups, pending };
  }

  /** How many runs hold a slot of the group now. */
  groupUsage(name: string): number {
    return this.groupUse.get(name) ?? 0;
  }

  private scheduleNext(job: JobConfig, now: EpochSeconds): { run: PendingRun | null; error?: string } {
    let t: EpochSeconds | null;
    // After the wall clock went back, a job does not fire again at a time it already fired at.
    const last = this.lastFired.get(job.name);
    const after = last !== undefined && last > now && last - now <= MAX_REPEAT_GUARD ? last : now;
    try {
      t = this.options.nextFireTime(job, after);
    } catch (err) {
      return { run: null, error: errorMessage(err) };
    }
    if (t === null) return { run: null };
    const run: PendingRun = {
      runId: this.options.newRunId(),
      jobName: job.name,
      scheduleTime: t,
      triggerType: 'schedule',
      triggerData: {},
      respawn: true,
      seq: this.seq++,
    };
    this.enqueue(run, now);
    return { run };
  }

  private enqueue(run: PendingRun, now: EpochSeconds): void {
    if (run.scheduleTime <= now) this.insertDue(run);
    else this.future.push(run);
  }

  private insertDue(run: PendingRun): void {
    let lo = 0;
    let hi = this.due.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareRuns(this.due[mid] as PendingRun, run) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.due.splice(lo, 0, run);
  }

  private takeAllPending(): PendingRun[] {
    const all = [...this.future.clear(), ...this.due];
    this.due = [];
    return all.sort(compareRuns);
  }

  /** The group slot a run of `job` would take now: a name, null (no groups), or false (blocked). */
  private slotFor(job: JobConfig): string | null | false {
    if (!job.concurrentRuns && (this.runningPerJob.get(job.name) ?? 0) > 0) return false;
    const groups = job.concurrencyGroups;
    if (groups.length === 0) return null;
    // Counted, then picked, without building the list of free groups: this runs for every
    // waiting run at every tick, and a simulated week has hundreds of thousands of ticks.
    let free = 0;
    for (const name of groups) if (this.hasSlot(name)) free++;
    if (free === 0) return false;
    let pick = Math.min(free - 1, Math.floor(this.random() * free));
    for (const name of groups) if (this.hasSlot(name) && pick-- === 0) return name;
    return false;
  }

  private hasSlot(group: string): boolean {
    return (this.groupUse.get(group) ?? 0) < (this.config.concurrencyGroups.get(group)?.max ?? 1);
  }

  private occupy(jobName: string, group: string | null): void {
    this.runningPerJob.set(jobName, (this.runningPerJob.get(jobName) ?? 0) + 1);
    if (group !== null) this.groupUse.set(group, (this.groupUse.get(group) ?? 0) + 1);
  }
}
