/**
 * The scheduler's decisions, with no I/O and no clock of its own: which pending runs exist,
 * which are due, which may start given overlap (SPEC §5.3, SPEC-BEYOND §12.2), pauses (§12.4)
 * and concurrency groups (§5.4), what a trigger, a reload or a shutdown does to them, and what
 * a finished run causes (retries §12.3, dependency runs §12.5) and a start misses (catch-up
 * §12.1). The caller passes `now` in and carries the decisions out (spawning, recording), so the
 * same core runs under a real or virtual clock: the daemon, the simulator and the tests.
 */
import type { EpochSeconds } from '../clock.js';
import { jobPolicies } from '../config/policies.js';
import type { ConcurrencyGroupConfig, JobConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { PAUSE_ALL, type JsonObject, type PauseRecord, type StoredPendingRun } from '../store/types.js';
import { DependencyState, type SuccessMark } from './dependencies.js';
import { missedFires, retryable, retryAttemptOf, retryDelay } from './policy.js';
import { compareRuns, RunQueue } from './run-queue.js';
import type {
  ActiveRun,
  Decisions,
  FinishOutcome,
  PendingRun,
  ReloadOutcome,
  ReplaceRequest,
  RunResult,
  SchedulerStatus,
  SkippedFire,
  StartDecision,
  TriggerOutcome,
  TriggerType,
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
  private pauses = new Map<string, PauseRecord>();
  /** Scheduled fires dropped per job (overlap: skip, pauses) since this core started. */
  private readonly skippedCount = new Map<string, number>();
  /** Running runs asked to end by `overlap: replace` (asked once). */
  private readonly replacing = new Set<string>();
  private readonly deps = new DependencyState();

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
    const previous = this.config.jobs;
    this.config = config;
    this.deps.configure(config.jobs);
    const added = [...config.jobs.keys()].filter((name) => !previous.has(name));
    const orphaned: PendingRun[] = [];
    const triggered = new Map<string, PendingRun[]>();
    for (const run of this.takeAllPending()) {
      // Pending scheduled runs are recomputed; catch-up runs, triggers, retries and dependency runs stay.
      if (run.triggerType === 'schedule' && run.catchup !== true) continue;
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
    if (this.stopping) return { scheduled, orphaned, scheduleErrors, added };
    for (const job of config.jobs.values()) {
      const mine = (triggered.get(job.name) ?? []).sort(compareRuns);
      for (const run of mine) this.enqueue(run, now);
      if (job.schedule === null) continue;
      const first = mine.find((r) => r.triggerType === 'file');
      if (!job.concurrentRuns && first !== undefined) {
        // The waiting trigger holds the job's duty to schedule its next run (SPEC §5.2).
        first.respawn = true;
        continue;
      }
      const result = this.scheduleNext(job, now);
      if (result.error !== undefined) scheduleErrors.push({ job: job.name, error: result.error });
      if (result.run !== null) scheduled.push(result.run);
    }
    return { scheduled, orphaned, scheduleErrors, added };
  }

  /**
   * Runs the fires of `jobNames` missed while no daemon ran (SPEC-BEYOND §12.1), given each job's
   * last scheduled fire from the records. Returns the catch-up runs created and, per job, how
   * many missed fires were dropped.
   */
  catchUp(jobNames: Iterable<string>, lastFires: ReadonlyMap<string, EpochSeconds>, now: EpochSeconds): { runs: PendingRun[]; dropped: Array<{ job: string; count: number }>; errors: Array<{ job: string; error: string }> } {
    const runs: PendingRun[] = [];
    const dropped: Array<{ job: string; count: number }> = [];
    const errors: Array<{ job: string; error: string }> = [];
    if (this.stopping) return { runs, dropped, errors };
    for (const name of jobNames) {
      const job = this.config.jobs.get(name);
      if (job === undefined || jobPolicies(job).catchup === 'none') continue;
      let missed;
      try {
        missed = missedFires(job, lastFires.get(name), now, this.options.nextFireTime);
      } catch (err) {
        errors.push({ job: name, error: errorMessage(err) });
        continue;
      }
      if (missed.dropped > 0) dropped.push({ job: name, count: missed.dropped });
      for (const t of missed.fires) {
        const run: PendingRun = { runId: this.options.newRunId(), jobName: name, scheduleTime: t, triggerType: 'schedule', triggerData: {}, respawn: false, seq: this.seq++, catchup: true };
        this.enqueue(run, now);
        runs.push(run);
      }
    }
    return { runs, dropped, errors };
  }

  /**
   * Takes back the pending runs kept in the store (retries, dependency runs) at start. Runs of
   * jobs no longer configured are returned as orphaned.
   */
  restorePending(stored: readonly StoredPendingRun[], now: EpochSeconds): { restored: PendingRun[]; orphaned: StoredPendingRun[] } {
    const restored: PendingRun[] = [];
    const orphaned: StoredPendingRun[] = [];
    for (const row of stored) {
      if (!this.config.jobs.has(row.jobName) || this.has(row.runId)) {
        if (!this.has(row.runId)) orphaned.push(row);
        continue;
      }
      const run: PendingRun = { runId: row.runId, jobName: row.jobName, scheduleTime: row.scheduleTime, triggerType: row.triggerType as TriggerType, triggerData: row.triggerData, respawn: false, seq: this.seq++ };
      this.enqueue(run, now);
      restored.push(run);
    }
    return { restored, orphaned };
  }

  /** Whether a run of this id is pending or running. */
  has(runId: string): boolean {
    return this.running.has(runId) || this.future.has(runId) || this.due.some((r) => r.runId === runId);
  }

  /** Seeds what `after` needs from the records: latest successes and latest `after` starts. */
  seedDependencies(successes: ReadonlyMap<string, SuccessMark>, afterStarts: ReadonlyMap<string, EpochSeconds>): void {
    for (const [job, mark] of successes) this.deps.seedSuccess(job, mark);
    for (const [job, t] of afterStarts) this.deps.seedAfterStart(job, t);
  }

  /** Jobs named in some `after` list (whose successes the daemon seeds), and the fan-in jobs. */
  dependencyJobs(): { upstream: string[]; fanIn: string[] } {
    const fanIn = [...this.config.jobs.values()].filter((j) => jobPolicies(j).after.length > 0).map((j) => j.name);
    return { upstream: this.deps.upstreamJobs(), fanIn };
  }

  /** Creates the `after` runs that are due now (at start, after a reload). */
  evaluateAfter(now: EpochSeconds, only?: readonly string[]): PendingRun[] {
    const out: PendingRun[] = [];
    if (this.stopping) return out;
    const names = only ?? [...this.config.jobs.keys()];
    for (const name of names) {
      const job = this.config.jobs.get(name);
      if (job === undefined || jobPolicies(job).after.length === 0) continue;
      if (this.hasPendingAfter(name)) continue;
      const ready = this.deps.ready(job);
      if (ready === null) continue;
      out.push(this.addDurable(name, 'after', now, { after: ready }, now));
    }
    return out;
  }

  /** Whether `jobName` has an `after` run waiting (one at a time); no sorted copy of the queue. */
  private hasPendingAfter(jobName: string): boolean {
    const match = (r: PendingRun): boolean => r.jobName === jobName && r.triggerType === 'after';
    if (this.due.some(match)) return true;
    for (const r of this.future.values()) if (match(r)) return true;
    return false;
  }

  /** The pause state, as read from the store (SPEC-BEYOND §12.4). */
  setPauses(pauses: readonly PauseRecord[]): void {
    this.pauses = new Map(pauses.map((p) => [p.jobName, p]));
  }

  /** Whether runs of `jobName` are held by a pause of the job or of the whole scheduler. */
  isPaused(jobName: string): boolean {
    return this.pauses.has(PAUSE_ALL) || this.pauses.has(jobName);
  }

  /** Scheduled fires dropped per job (overlap: skip, pauses) since this core started. */
  skipCounts(): Record<string, number> {
    return Object.fromEntries(this.skippedCount);
  }

  /** Scheduled fires dropped for this job (overlap: skip, pauses) since this core started. */
  skippedFires(jobName: string): number {
    return this.skippedCount.get(jobName) ?? 0;
  }

  /** Why a trigger for this job is refused now (overlap: skip while it runs), or null. */
  triggerRefusal(jobName: string): string | null {
    const job = this.config.jobs.get(jobName);
    if (job === undefined || job.concurrentRuns || jobPolicies(job).overlap !== 'skip') return null;
    return (this.runningPerJob.get(jobName) ?? 0) > 0 ? `job "${jobName}" is running and its overlap policy is skip` : null;
  }

  /**
   * A run ended: frees its slots and decides what it causes (SPEC-BEYOND §12.3, §12.5): a retry
   * when it failed and attempts are left, `on_success` / `on_failure` runs, `after` runs it
   * completes. The new runs are pending already; the caller keeps them in the store with the
   * run's record.
   */
  runFinished(runId: string, result: RunResult, now: EpochSeconds): FinishOutcome {
    const run = this.runEnded(runId);
    if (run === undefined) return { followUps: [], retry: null, finalFailure: false };
    return this.consequences({ jobName: run.jobName, runId, triggerType: run.triggerType, triggerData: run.triggerData }, result, now);
  }

  /**
   * What a finished run causes, for a run the core did not run itself (a run recorded as lost at
   * start). {@link runFinished} uses it too.
   */
  consequences(run: { jobName: string; runId: string; triggerType: string; triggerData: JsonObject }, result: RunResult, now: EpochSeconds): FinishOutcome {
    const failed = result.exitCode !== 0 || result.lost || result.timedOut;
    if (!failed) this.deps.succeeded(run.jobName, { runId: run.runId, stopTime: result.stopTime });
    const job = this.config.jobs.get(run.jobName);
    if (job === undefined || this.stopping) return { followUps: [], retry: null, finalFailure: failed };
    const p = jobPolicies(job);
    const followUps: PendingRun[] = [];
    let retry: PendingRun | null = null;
    if (failed && p.retry !== null && retryable(p.retry, result)) {
      const { attempt, retryOf } = retryAttemptOf(run.triggerType, run.triggerData);
      if (attempt < p.retry.attempts) {
        const next = attempt + 1;
        const at = result.stopTime + retryDelay(p.retry, next, run.runId);
        retry = this.addDurable(job.name, 'retry', at, { retry_of: retryOf ?? run.runId, previous_run: run.runId, attempt: next }, now);
        followUps.push(retry);
      }
    }
    const finalFailure = failed && retry === null;
    const chained = !failed ? p.onSuccess : finalFailure && result.endedBy === null ? p.onFailure : [];
    for (const target of chained) {
      if (!this.config.jobs.has(target)) continue;
      followUps.push(this.addDurable(target, 'upstream', now, { upstream: { job: job.name, run_id: run.runId, exit_code: result.exitCode } }, now));
    }
    if (!failed) followUps.push(...this.evaluateAfter(now, this.deps.dependentsOf(job.name)));
    return { followUps, retry, finalFailure };
  }

  /**
   * Drops a pending run (cancelled): returns it, or undefined if it was not pending. A dropped
   * scheduled run hands its duty to schedule the job's next run on, so the job keeps firing.
   */
  dropPending(runId: string, now: EpochSeconds): PendingRun | undefined {
    const run = this.removePending(runId);
    if (run === undefined) return undefined;
    const job = this.config.jobs.get(run.jobName);
    if (run.respawn && job !== undefined && job.schedule !== null && !this.stopping) this.scheduleNext(job, now);
    return run;
  }

  private addDurable(jobName: string, triggerType: TriggerType, scheduleTime: EpochSeconds, triggerData: JsonObject, now: EpochSeconds): PendingRun {
    const run: PendingRun = { runId: this.options.newRunId(), jobName, scheduleTime, triggerType, triggerData, respawn: false, seq: this.seq++ };
    this.enqueue(run, now);
    return run;
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
        // Catch-up runs, retries and dependency runs are not replaced: nothing accepted is dropped.
        const replaceable = (run.triggerType === 'schedule' && run.catchup !== true) || run.triggerType === 'file';
        if (run.jobName === job.name && replaceable && this.removePending(run.runId) !== undefined) replaced.push(run);
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
   * The skip and replace decisions of the same look are dropped: use {@link decide}.
   */
  takeStartable(now: EpochSeconds): StartDecision[] {
    return this.decide(now).start;
  }

  /**
   * Everything due now: the runs to start (as {@link takeStartable}), the scheduled fires
   * dropped by `overlap: skip` or a pause, and the running runs `overlap: replace` ends.
   */
  decide(now: EpochSeconds): Decisions {
    const skipped: SkippedFire[] = [];
    const replace: ReplaceRequest[] = [];
    if (this.stopping) return { start: [], skipped, replace };
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
      const scheduled = run.triggerType === 'schedule';
      if (this.isPaused(job.name)) {
        // A paused job's scheduled fires are skipped; everything else waits for the resume.
        if (scheduled) this.skip(run, job, now, 'paused', skipped);
        else still.push(run);
        continue;
      }
      const policy = jobPolicies(job).overlap;
      const busy = !job.concurrentRuns && (this.runningPerJob.get(job.name) ?? 0) > 0;
      if (busy && policy === 'skip' && scheduled && run.catchup !== true) {
        this.skip(run, job, now, 'running', skipped);
        continue;
      }
      if (busy && policy === 'replace' && (scheduled || run.triggerType === 'file')) {
        const victims = [...this.running.values()].filter((r) => r.jobName === job.name && !this.replacing.has(r.runId)).map((r) => r.runId);
        for (const id of victims) this.replacing.add(id);
        if (victims.length > 0) replace.push({ run, runIds: victims, grace: job.maxExecutionGrace });
        still.push(run);
        continue;
      }
      const slot = this.slotFor(job);
      if (slot === false) {
        still.push(run);
        continue;
      }
      this.occupy(run.jobName, slot);
      if (scheduled) this.lastFired.set(run.jobName, Math.max(run.scheduleTime, this.lastFired.get(run.jobName) ?? -Infinity));
      if (run.triggerType === 'after') this.deps.afterStarted(run.jobName, now);
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
    return { start: decisions, skipped, replace };
  }

  /** Drops a due scheduled fire, counts it, and lets the job's schedule go on. */
  private skip(run: PendingRun, job: JobConfig, now: EpochSeconds, reason: SkippedFire['reason'], out: SkippedFire[]): void {
    this.skippedCount.set(job.name, (this.skippedCount.get(job.name) ?? 0) + 1);
    this.lastFired.set(job.name, Math.max(run.scheduleTime, this.lastFired.get(job.name) ?? -Infinity));
    out.push({ run, reason });
    if (run.respawn && job.schedule !== null) this.scheduleNext(job, now);
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
    this.replacing.delete(runId);
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
      .map((r) => ({ job: r.jobName, runId: r.runId, triggerType: r.triggerType, scheduleTime: r.scheduleTime, waiting: dueIds.has(r.runId), ...(this.isPaused(r.jobName) ? { paused: true } : {}) }));
    const paused = [...this.pauses.values()].map((p) => ({ job: p.jobName, since: p.pausedAt, by: p.pausedBy, reason: p.reason })).sort((a, b) => a.job.localeCompare(b.job));
    const skipped = [...this.skippedCount.entries()].map(([job, count]) => ({ job, count })).sort((a, b) => a.job.localeCompare(b.job));
    return { running, groups, pending, paused, skipped };
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
