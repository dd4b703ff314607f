/**
 * The daemon: carries out the core's decisions. It owns the one timer (the earliest due time),
 * starts runs through the executor, records them through the store, feeds triggers from the
 * watcher into the core, and does what the signals ask (reload, shutdown, status, scan). The
 * CLI (cli/daemon.ts) installs the signal handlers and calls the methods here.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Clock, EpochSeconds, TimerHandle } from '../clock.js';
import type { Config, JobConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { NotifyService } from '../notify/service.js';
import { RetentionRunner } from '../retention/runner.js';
import { PAUSE_ALL, type JsonObject, type RunStore } from '../store/types.js';
import { SchedulerCore } from './core.js';
import { PauseSync } from './pause-sync.js';
import { DsariError } from '../errors.js';
import { policyEnvironment } from './policy.js';
import { catchUpJobs, restoreStoredPending, seedDependencies, storedPending } from './policy-state.js';
import { type DaemonEvents, TypedEmitter } from './events.js';
import { formatCommand, formatLocalTime, formatTimedelta } from './format.js';
import { prepareDataDir, runDirOf } from './paths.js';
import type { RunExecutor, RunOutcome, RunProcess } from './ports.js';
import { RunRecorder } from './recorder.js';
import { recoverLeftovers } from './recovery.js';
import { newRunId } from './run-id.js';
import { StateFileWriter } from './state-file.js';
import { statusLines } from './status.js';
import type { TriggerParseContext } from './trigger-file.js';
import { type AcceptedTrigger, TriggerWatcher } from './trigger-watcher.js';
import { type ActiveRun, DURABLE_TRIGGER_TYPES, type Decisions, type PendingRun, type SchedulerStatus, type StartDecision } from './types.js';

/** The longest the daemon sleeps without looking at the clock (wall-clock jumps, safety). */
export const MAX_SLEEP_MS = 60_000;
/** A wall clock that moved back this much against the monotonic clock makes schedules recompute. */
export const CLOCK_JUMP_SECONDS = 30;
/** Database writes step aside this long before a run is due (they block the event loop). */
export const WRITE_GUARD_MS = 30;
/** How long shutdown keeps retrying to record runs before it writes them to the journal. */
const SHUTDOWN_RECORD_MS = 10_000;
/** How often the daemon reads the pause table (`dsari pause` from another process). */
export const PAUSE_POLL_MS = 1000;

export interface DaemonOptions {
  readonly config: Config;
  /** Loads the configuration again (SIGHUP). @throws ConfigError */
  loadConfig(): Config;
  readonly store: RunStore;
  readonly executor: RunExecutor;
  readonly clock: Clock;
  readonly log: Logger;
  /** The job's next fire time after `after` (null: never again). @throws ScheduleError */
  nextFireTime(job: JobConfig, after: EpochSeconds): EpochSeconds | null;
  /** Time zone and time parsing for triggers. */
  readonly time: Pick<TriggerParseContext, 'parseDateTime' | 'isValidZone'> & { localZone(): string };
  newRunId?(): string;
  random?(): number;
  readonly hostname?: string;
  readonly triggers?: { notify?: boolean; rescanMs?: number; settleMs?: number };
  /** How often the pause table is read. @default {@link PAUSE_POLL_MS} */
  readonly pausePollMs?: number;
  /** Called on each pass of the loop, which wakes by `dueInMs()` (systemd's watchdog, ops/systemd.ts). */
  readonly heartbeat?: { beat(): void; dueInMs(): number } | undefined;
}

interface Active {
  readonly jobName: string;
  readonly runId: string;
  readonly scheduleTime: EpochSeconds;
  readonly startTime: EpochSeconds;
  readonly triggerType: string;
  readonly triggerData: JsonObject;
  runData: JsonObject;
  process: RunProcess | null;
  /** The runs_running write; the finished record is written after it. */
  started?: Promise<void>;
  /** Ended on purpose: by a user (cancel) or by `overlap: replace`. */
  endedBy?: 'cancelled' | 'replaced';
}

export class Daemon {
  readonly events: TypedEmitter<DaemonEvents>;
  private config: Config;
  /** DATA_DIR and the database stay what they were at start (a reload cannot move them). */
  readonly dataDir: string;
  private readonly core: SchedulerCore;
  private readonly recorder: RunRecorder;
  private readonly watcher: TriggerWatcher;
  private readonly active = new Map<string, Active>();
  private timer: TimerHandle | null = null;
  private timerAt: number | null = null;
  private lastLook: { wall: EpochSeconds; mono: number } | null = null;
  private stopping = false;
  private stopped = false;
  /** Run directories cannot be created (reported once until one can). */
  private runDirFailing = false;
  /** Finished runs whose record is being written (see {@link Daemon.maybeStopped}). */
  private recording = 0;
  private resolveStopped!: () => void;
  /** Resolves once shutdown has finished: every run recorded, the store closed. */
  readonly done: Promise<void>;
  private readonly newRunId: () => string;
  private readonly host: string;
  /** Durable pending runs whose cause's record is still being written (they start after it). */
  private readonly causeRecorded = new Map<string, Promise<unknown>>();
  private readonly pauses: PauseSync;
  /** Set once start() has logged "Scheduler running": before that nothing ticks. */
  private running = false;
  private readonly stateFile: StateFileWriter;
  /** Notifications (SPEC-BEYOND §12.6): outbox rows with each record, delivered in the background. */
  private readonly notify: NotifyService;
  /** Background retention (§12.7); null for a store without plain SQL. */
  private readonly retention: RetentionRunner | null;

  constructor(private readonly options: DaemonOptions) {
    this.config = options.config;
    this.dataDir = options.config.dataDir;
    this.newRunId = options.newRunId ?? newRunId;
    this.host = options.hostname ?? hostname();
    this.stateFile = new StateFileWriter(this.dataDir, options.clock, options.log, () => this.core.skipCounts());
    this.events = new TypedEmitter<DaemonEvents>((err) => options.log.error(`Event listener failed: ${errorMessage(err)}`));
    this.done = new Promise((resolve) => (this.resolveStopped = resolve));
    this.core = new SchedulerCore({
      nextFireTime: options.nextFireTime,
      newRunId: this.newRunId,
      ...(options.random ? { random: options.random } : {}),
    });
    this.recorder = new RunRecorder(options.store, options.clock, options.log, this.dataDir, () => this.holdOffMs());
    this.pauses = new PauseSync({
      store: options.store,
      core: this.core,
      clock: options.clock,
      log: options.log,
      events: this.events,
      pollMs: options.pausePollMs ?? PAUSE_POLL_MS,
      onChange: () => {
        if (this.running) this.tick();
      },
    });
    this.notify = new NotifyService({
      store: options.store,
      clock: options.clock,
      log: options.log,
      dataDir: this.dataDir,
      config: () => this.config,
      // The run's page in the web console, when `http.public_url` says where that is (SPEC-BEYOND §12.6).
      runUrl: (run) => {
        const base = this.config.http?.publicUrl;
        return base ? `${base.replace(/\/+$/, '')}/runs/${encodeURIComponent(run.runId)}` : null;
      },
    });
    this.retention = options.store.sqlRunner ? new RetentionRunner({ sql: options.store.sqlRunner(), clock: options.clock, log: options.log, config: () => this.config, holdOff: () => this.holdOffMs() }) : null;
    this.watcher = new TriggerWatcher({
      dataDir: this.dataDir,
      clock: options.clock,
      log: options.log,
      isKnownJob: (name) => this.core.jobs.has(name),
      parseContext: (mtime) => this.triggerContext(mtime),
      newRunId: this.newRunId,
      onAccept: (t) => this.acceptTrigger(t),
      onReject: (info) => this.events.emit('triggerRejected', info),
      ...options.triggers,
    });
  }

  private hostZone: string | null = null;
  /** Run ids a previous daemon left in runs_running. */
  private readonly leftoverIds = new Set<string>();

  /** The host's zone for naive trigger times, looked up once (it does not change while running). */
  private zone(): string {
    this.hostZone ??= this.options.time.localZone();
    return this.hostZone;
  }

  private get log(): Logger {
    return this.options.log;
  }

  /** Pending and running counts, for tests and the status dump. */
  get counts(): { pending: number; running: number; unrecorded: number } {
    return { pending: this.core.pendingCount, running: this.active.size, unrecorded: this.recorder.waiting };
  }

  /**
   * Prepares DATA_DIR, records or adopts runs a previous daemon left, computes pending runs,
   * restores kept triggers and starts watching; then logs "Scheduler running".
   * @throws DsariError when DATA_DIR cannot be used
   */
  async start(): Promise<void> {
    prepareDataDir(this.dataDir);
    await this.recorder.replayJournal();
    const now = this.options.clock.now();
    this.applyConfig(this.config, now);
    await this.recover();
    await this.pauses.read();
    await restoreStoredPending(this.options.store, this.core, now, this.log);
    await this.catchUp([...this.config.jobs.keys()]);
    await seedDependencies(this.options.store, this.core, this.log);
    await this.storeNew(this.core.evaluateAfter(this.options.clock.now()));
    this.restoreKeptTriggers();
    this.watcher.start();
    this.pauses.start();
    this.notify.start();
    this.retention?.start();
    this.running = true;
    this.log.info('Scheduler running');
    this.events.emit('ready', { pending: this.core.pendingCount, running: this.active.size });
    this.tick();
  }

  /** SIGHUP: loads the configuration again; an invalid one is rejected and the old one stays. */
  reload(): boolean {
    if (this.stopping) return false;
    let next: Config;
    try {
      next = this.options.loadConfig();
    } catch (err) {
      const error = errorMessage(err);
      this.log.error(`Reload failed, still running the previous configuration: ${error}`);
      this.events.emit('reloadFailed', { error });
      return false;
    }
    if (next.dataDir !== this.dataDir) this.log.warning(`data_dir changed to ${next.dataDir}; it takes effect at the next start (still using ${this.dataDir})`);
    if (JSON.stringify(next.database) !== JSON.stringify(this.config.database)) this.log.warning('database changed; it takes effect at the next start');
    this.config = next;
    const added = this.applyConfig(next, this.options.clock.now());
    this.log.info(`Configuration reloaded: ${next.jobs.size} job(s)`);
    this.events.emit('reloaded', { jobs: next.jobs.size });
    this.watcher.scan();
    this.tick();
    // Jobs the reload added get their catch-up; new `after` lists may be satisfied already.
    void (async () => {
      await this.catchUp(added);
      await seedDependencies(this.options.store, this.core, this.log);
      await this.storeNew(this.core.evaluateAfter(this.options.clock.now()));
      this.tick();
    })().catch((err: unknown) => this.log.error(`After the reload: ${errorMessage(err)}`));
    return true;
  }

  /** How a trigger with this modification time is read (the watcher's rules; the HTTP API's too). */
  triggerContext(mtime: EpochSeconds): TriggerParseContext {
    return {
      mtime,
      localZone: this.zone(),
      parseDateTime: this.options.time.parseDateTime,
      isValidZone: this.options.time.isValidZone,
      identityViolations: (env) => this.options.executor.identityViolations(env),
    };
  }

  /**
   * A trigger someone else already made durable in JOB/pending/RUN_ID.EXT (the HTTP API) is
   * accepted like one the watcher took. False while shutting down (it is restored at the next start).
   */
  submitTrigger(t: AcceptedTrigger): boolean {
    if (this.stopping) return false;
    this.acceptTrigger(t);
    return true;
  }

  /** The configuration in use (the last one a reload accepted). */
  get currentConfig(): Config {
    return this.config;
  }

  /** Running runs, group use and pending runs, as SIGQUIT logs them. */
  schedulerStatus(): SchedulerStatus {
    return this.core.status();
  }

  /** Runs waiting to start, unsorted (cheap: no status snapshot is built). */
  pendingRuns(): PendingRun[] {
    return this.core.pendingRuns();
  }

  /** Runs running now, unsorted. */
  runningRuns(): ActiveRun[] {
    return this.core.runningRuns();
  }

  /** The job's next fire time after `after` (null: never). @throws ScheduleError */
  nextFireTime(job: JobConfig, after: EpochSeconds): EpochSeconds | null {
    return this.options.nextFireTime(job, after);
  }

  /** True between "Scheduler running" and the start of shutdown. */
  get scheduling(): boolean {
    return this.lastLook !== null && !this.stopping;
  }

  private async catchUp(jobs: readonly string[]): Promise<void> {
    const runs = await catchUpJobs(this.options.store, this.core, jobs, this.options.clock.now(), this.log);
    for (const r of runs) this.events.emit('catchUp', { jobName: r.jobName, runId: r.runId, scheduleTime: r.scheduleTime });
  }

  /** Keeps new durable pending runs (not caused by a run's record) in the store. */
  private async storeNew(runs: readonly PendingRun[]): Promise<void> {
    if (runs.length === 0) return;
    const now = this.options.clock.now();
    const write = this.options.store.addPending(runs.map((r) => storedPending(r, now)));
    for (const r of runs) {
      this.causeRecorded.set(r.runId, write.catch(() => undefined));
      this.log.child({ job: r.jobName, run: r.runId }).info(`Created ${r.triggerType} run, due ${formatLocalTime(r.scheduleTime)}`);
    }
    try {
      await write;
    } catch (err) {
      this.log.error(`Cannot keep ${runs.length} dependency run(s) in the database (they run, but would not survive a crash): ${errorMessage(err)}`);
    }
  }

  /**
   * Pauses a job (or the whole scheduler with null): stored in the run store, so every reader
   * and the next start see it. Scheduled fires are skipped while paused; other runs wait.
   * @throws DsariError for an unknown job
   */
  async pause(job: string | null, by: string, reason: string | null): Promise<{ changed: boolean }> {
    const name = job ?? PAUSE_ALL;
    if (job !== null && !this.core.jobs.has(job)) throw new DsariError('E_UNKNOWN_JOB', `no job named ${JSON.stringify(job)}`);
    const changed = await this.options.store.addPause({ jobName: name, pausedAt: this.options.clock.now(), pausedBy: by, reason });
    await this.pauses.read();
    return { changed };
  }

  /** Resumes a job (or the whole scheduler with null). @throws DsariError for an unknown job */
  async resume(job: string | null, by: string): Promise<{ changed: boolean }> {
    if (job !== null && !this.core.jobs.has(job)) throw new DsariError('E_UNKNOWN_JOB', `no job named ${JSON.stringify(job)}`);
    const changed = await this.options.store.removePause(job ?? PAUSE_ALL);
    if (changed) this.log.child(job === null ? {} : { job }).debug(`Resume requested by ${by}`);
    await this.pauses.read();
    return { changed };
  }

  /**
   * Cancels a run: a pending one is dropped, a running one is ended (SIGTERM to its process
   * group, SIGKILL after max_execution_grace) and recorded with `dsari_status: "cancelled"`.
   */
  async cancelRun(runId: string, by: string): Promise<'cancelled' | 'dropped' | 'ended' | 'unknown'> {
    const active = this.active.get(runId);
    if (active !== undefined) {
      if (active.endedBy === undefined) {
        active.endedBy = 'cancelled';
        const grace = this.core.getRunning(runId)?.job.maxExecutionGrace ?? 60;
        this.log.child({ job: active.jobName, run: runId }).info(`Cancelled by ${by}, sending SIGTERM to PID ${active.process?.pid ?? '?'}`);
        active.process?.terminate(grace);
      }
      return 'cancelled';
    }
    const dropped = this.core.dropPending(runId, this.options.clock.now());
    if (dropped !== undefined) {
      this.log.child({ job: dropped.jobName, run: runId }).info(`Pending ${dropped.triggerType} run cancelled by ${by}`);
      if (dropped.triggerFile !== undefined) rmSync(dropped.triggerFile, { force: true });
      if (DURABLE_TRIGGER_TYPES.has(dropped.triggerType)) await this.options.store.removePending([runId]);
      this.events.emit('runCancelled', { jobName: dropped.jobName, runId, pending: true });
      this.tick();
      return 'dropped';
    }
    return (await this.options.store.getRun(runId)) !== null ? 'ended' : 'unknown';
  }

  /** SIGUSR1: looks for trigger files now. */
  scanTriggers(): void {
    this.watcher.scan();
  }

  /** SIGQUIT: logs each running run, group use and each pending run. */
  logStatus(): void {
    for (const line of statusLines(this.core.status(), this.options.clock.now())) this.log.info(line);
  }

  /**
   * SIGTERM/SIGINT: cancels pending runs and starts no more; with shutdown_kill_runs the running
   * runs are terminated (SIGKILL after shutdown_kill_grace), else they are waited for. Resolves
   * (like {@link done}) once every run is recorded and the store is closed.
   */
  shutdown(reason: string | null = null): Promise<void> {
    if (this.stopping) {
      this.log.info('Shutdown already in progress');
      return this.done;
    }
    this.stopping = true;
    this.clearTimer();
    this.pauses.stop();
    this.stateFile.stop();
    this.watcher.stop();
    for (const run of this.core.beginShutdown()) {
      if (run.triggerFile !== undefined) this.log.child({ job: run.jobName, run: run.runId }).info(`Triggered run not started; its trigger is kept for the next start (${run.triggerFile})`);
    }
    this.events.emit('shutdownStarted', { signal: reason, running: this.active.size });
    if (this.config.shutdownKillRuns) {
      for (const a of this.active.values()) {
        if (a.process === null) continue;
        this.log.child({ job: a.jobName, run: a.runId }).info(`Shutdown requested, sending SIGTERM to PID ${a.process.pid ?? '?'}`, { pid: a.process.pid ?? undefined });
        a.process.terminate(this.config.shutdownKillGrace);
      }
    } else if (this.active.size > 0) {
      this.log.info('Shutdown will proceed after runs have completed');
    }
    void this.maybeStopped();
    return this.done;
  }

  /** Hands a configuration to the core; returns the jobs it added. */
  private applyConfig(config: Config, now: EpochSeconds): readonly string[] {
    const out = this.core.reload(config, now);
    for (const e of out.scheduleErrors) this.log.child({ job: e.job }).warning(`Invalid schedule, no scheduled runs: ${e.error}`);
    // One line per job: at start-up with 5,000 jobs, building them only to drop them was ~15 ms.
    if (this.log.enabled('debug')) {
      for (const r of out.scheduled) this.log.child({ job: r.jobName, run: r.runId }).debug(`Next scheduled run: ${formatLocalTime(r.scheduleTime)} (${formatTimedelta(r.scheduleTime - now)})`);
    }
    const orphanedDurable: string[] = [];
    for (const r of out.orphaned) {
      if (r.triggerFile !== undefined) this.watcher.reject(r.jobName, r.triggerFile, r.triggerFile.endsWith('.yaml') ? 'yaml' : 'json', `job "${r.jobName}" was removed from the configuration before its run started`);
      if (DURABLE_TRIGGER_TYPES.has(r.triggerType)) {
        this.log.child({ job: r.jobName, run: r.runId }).warning(`Pending ${r.triggerType} run dropped: its job was removed from the configuration`);
        orphanedDurable.push(r.runId);
      }
    }
    if (orphanedDurable.length > 0) void this.options.store.removePending(orphanedDurable).catch((err: unknown) => this.log.error(`Cannot remove dropped pending runs: ${errorMessage(err)}`));
    return out.added;
  }

  private async recover(): Promise<void> {
    const rows = await this.options.store.listRunning();
    const result = recoverLeftovers(rows, { config: this.config, executor: this.options.executor, clock: this.options.clock, log: this.log });
    for (const row of rows) this.leftoverIds.add(row.runId);
    for (const found of result.finished) {
      const lost = found.runData['dsari_status'] === 'lost';
      const out = this.core.consequences(found, { exitCode: found.exitCode, stopTime: found.stopTime, timedOut: found.runData['dsari_timed_out'] === true, lost, endedBy: null }, this.options.clock.now());
      const run = out.retry === null ? found : { ...found, runData: { ...found.runData, dsari_retry: { run_id: out.retry.runId, schedule_time: out.retry.scheduleTime, attempt: out.retry.triggerData['attempt'] } } };
      this.events.emit('runFinished', { jobName: run.jobName, runId: run.runId, exitCode: run.exitCode, startTime: run.startTime, stopTime: run.stopTime, outcome: lost ? 'lost' : 'recovered' });
      this.logFollowUps(run.jobName, run.runId, out.followUps);
      const now = this.options.clock.now();
      const recorded = this.recorder.finished(run, out.followUps.map((f) => storedPending(f, now)), await this.notify.entriesFor(run, out.retry !== null));
      for (const f of out.followUps) this.causeRecorded.set(f.runId, recorded);
      if (await recorded) this.events.emit('recorded', { jobName: run.jobName, runId: run.runId });
    }
    for (const a of result.adopted) {
      const { row } = a;
      const group = typeof row.runData['concurrency_group'] === 'string' ? row.runData['concurrency_group'] : null;
      if (a.job !== null) {
        this.core.adopt({ runId: row.runId, jobName: row.jobName, job: a.job, scheduleTime: row.scheduleTime, startTime: row.startTime, triggerType: row.triggerType, triggerData: row.triggerData, concurrencyGroup: group, pid: a.process.pid, adopted: true });
      }
      const entry: Active = { jobName: row.jobName, runId: row.runId, scheduleTime: row.scheduleTime, startTime: row.startTime, triggerType: row.triggerType, triggerData: row.triggerData, runData: { ...row.runData, adopted: true }, process: a.process };
      this.active.set(row.runId, entry);
      this.events.emit('runAdopted', { jobName: row.jobName, runId: row.runId, pid: a.process.pid ?? 0 });
      void a.process.exited.then((outcome) => this.finish(entry, outcome));
    }
  }

  private restoreKeptTriggers(): void {
    for (const kept of this.watcher.listKept()) {
      if (!this.core.jobs.has(kept.jobName)) {
        this.watcher.reject(kept.jobName, kept.file, kept.kind, `no job named "${kept.jobName}" in the configuration`);
        continue;
      }
      // Its run started before the crash (it was in runs_running): it is not run again.
      if (this.leftoverIds.has(kept.runId)) {
        rmSync(kept.file, { force: true });
        continue;
      }
      try {
        const parsed = this.watcher.readKept(kept.file, kept.kind, kept.mtime);
        this.acceptTrigger({ ...parsed, jobName: kept.jobName, runId: kept.runId, file: kept.file }, true);
      } catch (err) {
        this.watcher.reject(kept.jobName, kept.file, kept.kind, errorMessage(err));
      }
    }
  }

  private acceptTrigger(t: AcceptedTrigger, restored = false): void {
    const now = this.options.clock.now();
    const refusal = restored ? null : this.core.triggerRefusal(t.jobName);
    if (refusal !== null) {
      this.watcher.reject(t.jobName, t.file, t.file.endsWith('.yaml') ? 'yaml' : 'json', `${refusal}: the trigger was not accepted`);
      return;
    }
    const out = this.core.addTrigger({ jobName: t.jobName, scheduleTime: t.scheduleTime, triggerData: t.triggerData, runId: t.runId, triggerFile: t.file }, now);
    const log = this.log.child({ job: t.jobName, run: t.runId });
    if (out === null) {
      log.warning(`Trigger kept for later, not accepted now (${t.file})`);
      return;
    }
    for (const r of out.replaced) if (r.triggerFile !== undefined) rmSync(r.triggerFile, { force: true });
    const what = restored ? 'Trigger restored from before the restart' : 'Trigger detected';
    const replacing = out.replaced.length > 0 ? `, replacing ${out.replaced.map((r) => r.runId).join(', ')}` : '';
    log.info(`${what}, created run for ${formatLocalTime(t.scheduleTime)}${replacing}`);
    this.events.emit('triggerAccepted', { jobName: t.jobName, runId: t.runId, scheduleTime: t.scheduleTime, replaced: out.replaced.map((r) => r.runId) });
    if (!restored) this.tick();
  }

  /**
   * How long a database write should wait so that it does not block a start: from
   * {@link WRITE_GUARD_MS} before a due time until just after it.
   */
  private holdOffMs(): number {
    if (this.stopping) return 0;
    const next = this.core.nextWakeup();
    if (next === null) return 0;
    const ms = (next - this.options.clock.now()) * 1000;
    return ms > -1 && ms < WRITE_GUARD_MS ? Math.ceil(ms) + 2 : 0;
  }

  /** Starts whatever may start now and sets the timer for the next due time. */
  private tick(): void {
    if (this.stopping) return;
    this.options.heartbeat?.beat();
    const now = this.options.clock.now();
    this.checkClockJump(now);
    const decided = this.core.decide(now);
    for (const decision of decided.start) {
      void this.launch(decision).catch((err: unknown) => this.launchFailed(decision, err));
    }
    this.carryOut(decided);
    this.arm(now);
  }

  /** The skip and replace decisions of one look at the clock. */
  private carryOut(decided: Decisions): void {
    if (decided.skipped.length > 0) this.stateFile.changed();
    for (const s of decided.skipped) {
      const why = s.reason === 'paused' ? 'the job is paused' : 'the job is still running (overlap: skip)';
      this.log.child({ job: s.run.jobName, run: s.run.runId }).info(`Scheduled run for ${formatLocalTime(s.run.scheduleTime)} skipped: ${why}`);
      this.events.emit('fireSkipped', { jobName: s.run.jobName, scheduleTime: s.run.scheduleTime, reason: s.reason });
      void this.notify
        .skipped({ jobName: s.run.jobName, runId: s.run.runId, scheduleTime: s.run.scheduleTime, reason: why })
        .catch((err: unknown) => this.log.child({ job: s.run.jobName }).error(`Cannot keep the "skipped" notification: ${errorMessage(err)}`));
    }
    for (const r of decided.replace) {
      for (const id of r.runIds) {
        const a = this.active.get(id);
        if (a === undefined || a.endedBy !== undefined) continue;
        a.endedBy = 'replaced';
        this.log.child({ job: a.jobName, run: id }).info(`Replaced by ${r.run.runId} (overlap: replace), sending SIGTERM to PID ${a.process?.pid ?? '?'}`);
        a.process?.terminate(r.grace);
      }
    }
  }

  private logFollowUps(jobName: string, runId: string, followUps: readonly PendingRun[]): void {
    for (const f of followUps) {
      const what = f.triggerType === 'retry' ? `Retry ${String(f.triggerData['attempt'])} of this run` : `${f.triggerType === 'after' ? 'After' : 'Upstream'} run ${f.runId} of job "${f.jobName}"`;
      this.log.child({ job: jobName, run: runId }).info(`${what} created, due ${formatLocalTime(f.scheduleTime)}${f.triggerType === 'retry' ? ` (${f.runId})` : ''}`);
      if (f.triggerType === 'retry') this.events.emit('retryScheduled', { jobName: f.jobName, runId: f.runId, retryOf: runId, attempt: Number(f.triggerData['attempt']), scheduleTime: f.scheduleTime });
    }
  }

  private checkClockJump(now: EpochSeconds): void {
    const mono = this.options.clock.monotonicMs();
    const last = this.lastLook;
    this.lastLook = { wall: now, mono };
    if (last === null) return;
    const drift = now - last.wall - (mono - last.mono) / 1000;
    if (drift < -CLOCK_JUMP_SECONDS) {
      this.log.warning(`The wall clock went back by ${formatTimedelta(-drift)}; recomputing scheduled runs`);
      this.applyConfig(this.config, now);
    } else if (drift > CLOCK_JUMP_SECONDS) {
      this.log.info(`The wall clock jumped forward by ${formatTimedelta(drift)}; due runs start once each`);
    }
  }

  private arm(now: EpochSeconds): void {
    const next = this.core.nextWakeup();
    const maxSleep = Math.min(MAX_SLEEP_MS, this.options.heartbeat?.dueInMs() ?? MAX_SLEEP_MS);
    const ms = next === null ? maxSleep : Math.min(maxSleep, Math.max(0, Math.ceil((next - now) * 1000)));
    const at = this.options.clock.monotonicMs() + ms;
    if (this.timer !== null && this.timerAt !== null && Math.abs(this.timerAt - at) < 1) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.options.clock.setTimer(() => {
      this.timer = null;
      this.timerAt = null;
      this.tick();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = null;
  }

  private async launch(d: StartDecision): Promise<void> {
    const { run, job } = d;
    const log = this.log.child({ job: run.jobName, run: run.runId });
    if (d.next !== null && log.enabled('debug')) log.debug(`Next scheduled run: ${formatLocalTime(d.next.scheduleTime)} (${d.next.runId})`);
    if (d.scheduleError !== undefined) log.warning(`Cannot compute the next scheduled run: ${d.scheduleError}`);
    const runData: JsonObject = { hostname: this.host };
    if (d.concurrencyGroup !== null) runData['concurrency_group'] = d.concurrencyGroup;
    if (run.catchup === true) runData['dsari_catchup'] = true;
    const entry: Active = { jobName: run.jobName, runId: run.runId, scheduleTime: run.scheduleTime, startTime: d.startTime, triggerType: run.triggerType, triggerData: run.triggerData, runData, process: null };
    this.active.set(run.runId, entry);
    const runDir = runDirOf(this.dataDir, run.jobName, run.runId);
    try {
      mkdirSync(runDir, { recursive: true });
      if (this.runDirFailing) this.log.info('Run directories can be created again');
      this.runDirFailing = false;
    } catch (err) {
      const reason = `cannot create the run directory ${runDir}: ${errorMessage(err)}`;
      // Reported once per condition (a read-only or full data directory), not once per run.
      if (this.runDirFailing) log.debug(`Cannot start the run: ${reason}`);
      else log.error(`Cannot start the run: ${reason}; further runs failing the same way are recorded (exit 126) but not logged until one starts`);
      this.runDirFailing = true;
      await this.finish(entry, { exitCode: 126, stopTime: this.options.clock.now(), spawnError: reason, lostReason: null, timedOut: false, signal: null }, run, true);
      return;
    }
    let previousRuns = null;
    try {
      previousRuns = await this.options.store.previousRuns(run.jobName);
    } catch (err) {
      log.warning(`Cannot read previous runs for PREVIOUS_* variables: ${errorMessage(err)}`);
    }
    const env = run.triggerData['environment'];
    const proc = this.options.executor.start({
      job,
      runId: run.runId,
      runDir,
      dataDir: this.dataDir,
      scheduleTime: run.scheduleTime,
      startTime: d.startTime,
      triggerType: run.triggerType,
      triggerEnvironment: typeof env === 'object' && env !== null && !Array.isArray(env) ? (env as Record<string, string>) : {},
      globalEnvironment: this.config.environment,
      concurrencyGroup: d.concurrencyGroup,
      previousRuns,
      policyEnvironment: policyEnvironment(job, run.triggerType, run.triggerData),
    });
    entry.process = proc;
    if (proc.pid !== null) {
      this.core.setPid(run.runId, proc.pid);
      runData['pid'] = proc.pid;
      if (proc.processStartTime !== null) runData['process_start_time'] = proc.processStartTime;
      log.info(`Running PID ${proc.pid}: ${formatCommand(proc.argv)}`, { pid: proc.pid });
      this.events.emit('runStarted', { jobName: run.jobName, runId: run.runId, pid: proc.pid, scheduleTime: run.scheduleTime, startTime: d.startTime, triggerType: run.triggerType, concurrencyGroup: d.concurrencyGroup });
      // Not awaited here: a database waiting for a lock must not hold up noticing the end.
      const record = { jobName: run.jobName, runId: run.runId, scheduleTime: run.scheduleTime, startTime: d.startTime, triggerType: run.triggerType, triggerData: run.triggerData, runData: { ...runData } };
      if (DURABLE_TRIGGER_TYPES.has(run.triggerType)) {
        // Its pending row is deleted with this write; the row must have been written first.
        const cause = this.causeRecorded.get(run.runId) ?? Promise.resolve();
        this.causeRecorded.delete(run.runId);
        entry.started = cause.then(() => this.recorder.started(record, run.runId));
      } else entry.started = this.recorder.started(record);
      if (this.stopping && this.config.shutdownKillRuns) proc.terminate(this.config.shutdownKillGrace);
    }
    if (run.triggerFile !== undefined) {
      const file = run.triggerFile;
      // The trigger is removed once the run is in runs_running (a crash before that re-runs it).
      void (entry.started ?? Promise.resolve()).then(() => rmSync(file, { force: true }));
    }
    const outcome = await proc.exited;
    await this.finish(entry, outcome);
  }

  /** A bug on the way from decision to record: the run is recorded as failed, never left hanging. */
  private async launchFailed(d: StartDecision, err: unknown): Promise<void> {
    const log = this.log.child({ job: d.run.jobName, run: d.run.runId });
    log.error(`Internal error while running: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const entry = this.active.get(d.run.runId);
    if (entry === undefined || entry.process !== null) return;
    await this.finish(entry, { exitCode: 126, stopTime: this.options.clock.now(), spawnError: `internal error: ${errorMessage(err)}`, lostReason: null, timedOut: false, signal: null }, d.run);
  }

  private async finish(entry: Active, outcome: RunOutcome, pending?: PendingRun, alreadyLogged = false): Promise<void> {
    const log = this.log.child({ job: entry.jobName, run: entry.runId });
    const runDir = runDirOf(this.dataDir, entry.jobName, entry.runId);
    const runData: JsonObject = { ...entry.runData };
    let result: DaemonEvents['runFinished']['outcome'] = 'finished';
    if (outcome.spawnError !== null) {
      if (!alreadyLogged) log.error(`Cannot run ${formatCommand(entry.process?.argv ?? [])}: ${outcome.spawnError}`);
      runData['dsari_status'] = 'failed_to_start';
      runData['dsari_reason'] = outcome.spawnError;
      result = 'failed-to-start';
    } else if (outcome.lostReason !== null) {
      log.warning(`Exit status unknown: ${outcome.lostReason}`);
      runData['dsari_status'] = 'lost';
      runData['dsari_reason'] = outcome.lostReason;
      result = 'lost';
    }
    if (outcome.timedOut) runData['dsari_timed_out'] = true;
    if (entry.endedBy !== undefined && result === 'finished') runData['dsari_status'] = entry.endedBy;
    if (pending === undefined) {
      const rd = this.options.executor.readReturnData(runDir);
      if (rd.data !== undefined) runData['return_data'] = rd.data;
      if (rd.error !== undefined) log.warning(`return_data ignored: ${rd.error}`);
    }
    const stopTime = Math.max(outcome.stopTime, entry.startTime);
    log.info(`Finished with status ${outcome.exitCode} in ${formatTimedelta(stopTime - entry.startTime)}`, { exitCode: outcome.exitCode, pid: entry.process?.pid ?? undefined });
    this.active.delete(entry.runId);
    const policy = this.core.runFinished(entry.runId, { exitCode: outcome.exitCode, stopTime, timedOut: outcome.timedOut, lost: outcome.lostReason !== null, endedBy: entry.endedBy ?? null }, this.options.clock.now());
    if (policy.retry !== null) runData['dsari_retry'] = { run_id: policy.retry.runId, schedule_time: policy.retry.scheduleTime, attempt: policy.retry.triggerData['attempt'] };
    this.logFollowUps(entry.jobName, entry.runId, policy.followUps);
    if (entry.endedBy === 'cancelled') this.events.emit('runCancelled', { jobName: entry.jobName, runId: entry.runId, pending: false });
    let recordedNow: (v: unknown) => void = () => undefined;
    const recorded = new Promise((resolve) => (recordedNow = resolve));
    for (const f of policy.followUps) this.causeRecorded.set(f.runId, recorded);
    this.tick();
    this.events.emit('runFinished', { jobName: entry.jobName, runId: entry.runId, exitCode: outcome.exitCode, startTime: entry.startTime, stopTime, outcome: result });
    // Shutdown waits for this record (it is no longer in `active`): closing the store under a
    // write still waiting for a lock would lose it.
    this.recording++;
    try {
      await entry.started;
      const record = { jobName: entry.jobName, runId: entry.runId, scheduleTime: entry.scheduleTime, startTime: entry.startTime, stopTime, exitCode: outcome.exitCode, triggerType: entry.triggerType, triggerData: entry.triggerData, runData };
      const now = this.options.clock.now();
      const notifications = await this.notify.entriesFor(record, policy.retry !== null);
      if (await this.recorder.finished(record, policy.followUps.map((f) => storedPending(f, now)), notifications)) this.events.emit('recorded', { jobName: entry.jobName, runId: entry.runId });
      this.notify.poke();
    } finally {
      this.recording--;
      recordedNow(undefined);
    }
    if (pending?.triggerFile !== undefined) rmSync(pending.triggerFile, { force: true });
    await this.maybeStopped();
  }

  private async maybeStopped(): Promise<void> {
    if (!this.stopping || this.stopped || this.active.size > 0 || this.recording > 0) return;
    this.stopped = true;
    await this.recorder.flush(this.options.clock.monotonicMs() + SHUTDOWN_RECORD_MS);
    await this.notify.stop();
    await this.retention?.stop();
    try {
      await this.options.store.close();
    } catch (err) {
      this.log.error(`Cannot close the database: ${errorMessage(err)}`);
    }
    this.log.info('Shutdown complete');
    this.events.emit('stopped', {});
    this.resolveStopped();
  }
}
