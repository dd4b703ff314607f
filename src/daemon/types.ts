/**
 * The scheduler's domain: runs waiting to start, runs running, and the decisions the core hands
 * to the effects layer. No I/O lives here.
 */
import type { EpochSeconds } from '../clock.js';
import type { JobConfig } from '../config/types.js';
import type { JsonObject } from '../store/types.js';

/**
 * How a run came to be: `schedule` (its job's schedule), `file` (a trigger file), `retry` (a
 * failed run's retry, SPEC-BEYOND §12.3), `after` (fan-in) or `upstream` (on_success /
 * on_failure chaining, §12.5).
 */
export type TriggerType = 'schedule' | 'file' | 'retry' | 'after' | 'upstream';

/** Trigger types of runs kept in the store's pending table until they start. */
export const DURABLE_TRIGGER_TYPES: ReadonlySet<string> = new Set(['retry', 'after', 'upstream']);

/** A run that exists but has not started: due at `scheduleTime`. */
export interface PendingRun {
  readonly runId: string;
  readonly jobName: string;
  readonly scheduleTime: EpochSeconds;
  readonly triggerType: TriggerType;
  /** The trigger file's content (`{}` for scheduled runs). */
  readonly triggerData: JsonObject;
  /**
   * Whether starting this run computes the job's next scheduled run. A scheduled run has it; a
   * trigger that replaced a pending run inherits it (SPEC §5.2).
   */
  respawn: boolean;
  /** Creation order, the tie-break between equal schedule times. */
  readonly seq: number;
  /** Where the accepted trigger is kept until the run starts (DATA_DIR/trigger/JOB/pending/…). */
  readonly triggerFile?: string | undefined;
  /** A missed fire run at start (`catchup`, SPEC-BEYOND §12.1): recorded with `dsari_catchup`. */
  readonly catchup?: boolean | undefined;
}

/** A run whose process is running (or is being started). */
export interface ActiveRun {
  readonly runId: string;
  readonly jobName: string;
  /** The job's configuration as it was when the run started (a reload does not change it). */
  readonly job: JobConfig;
  readonly scheduleTime: EpochSeconds;
  readonly startTime: EpochSeconds;
  readonly triggerType: string;
  readonly triggerData: JsonObject;
  /** The concurrency group whose slot the run holds, if any. */
  readonly concurrencyGroup: string | null;
  /** Set once the process exists. */
  pid: number | null;
  /** True for a run found running at start-up and adopted. */
  readonly adopted: boolean;
}

/** How a run ended, as far as the policies care (SPEC-BEYOND §12.3, §12.5). */
export interface RunResult {
  readonly exitCode: number;
  readonly stopTime: EpochSeconds;
  /** Ended by max_execution. */
  readonly timedOut: boolean;
  /** Recorded as lost (exit status unknown after a crash). */
  readonly lost: boolean;
  /** Ended on purpose: by a user (`cancelled`) or by `overlap: replace` (`replaced`). */
  readonly endedBy: 'cancelled' | 'replaced' | null;
}

/** What a finished run caused: new pending runs to keep in the store with its record. */
export interface FinishOutcome {
  /** Its retry, `on_success` / `on_failure` runs and the `after` runs it completed. */
  readonly followUps: readonly PendingRun[];
  /** The retry among them, if one was scheduled. */
  readonly retry: PendingRun | null;
  /** True when this run failed and no retry follows (the end of a failed sequence). */
  readonly finalFailure: boolean;
}

/** A scheduled fire dropped by `overlap: skip` or a pause. */
export interface SkippedFire {
  readonly run: PendingRun;
  readonly reason: 'running' | 'paused';
}

/** `overlap: replace`: these running runs are to be ended so that `run` can start. */
export interface ReplaceRequest {
  readonly run: PendingRun;
  readonly runIds: readonly string[];
  readonly grace: number;
}

/** Everything the core decided at one look at the clock. */
export interface Decisions {
  readonly start: StartDecision[];
  readonly skipped: SkippedFire[];
  readonly replace: ReplaceRequest[];
}

/** The core's answer when runs may start: start `run` now, holding a slot of `concurrencyGroup`. */
export interface StartDecision {
  readonly run: PendingRun;
  readonly job: JobConfig;
  readonly concurrencyGroup: string | null;
  readonly startTime: EpochSeconds;
  /** The job's next scheduled run, created because `run` had the respawn duty. */
  readonly next: PendingRun | null;
  /** Why the next scheduled run could not be computed, when it could not. */
  readonly scheduleError?: string;
}

/** What adding a trigger did. */
export interface TriggerOutcome {
  readonly run: PendingRun;
  /** Pending runs of the job that the trigger replaced (jobs without concurrent_runs). */
  readonly replaced: readonly PendingRun[];
}

/** What a reload did to the pending runs. */
export interface ReloadOutcome {
  /** Pending scheduled runs created from the new configuration. */
  readonly scheduled: readonly PendingRun[];
  /** Pending triggered runs whose job no longer exists. */
  readonly orphaned: readonly PendingRun[];
  /** Jobs whose schedule could not be computed, with the reason. */
  readonly scheduleErrors: ReadonlyArray<{ job: string; error: string }>;
  /** Jobs new in this configuration (for their catch-up). */
  readonly added: readonly string[];
}

/** A snapshot for the SIGQUIT status dump. */
export interface SchedulerStatus {
  readonly running: ReadonlyArray<{
    job: string;
    runId: string;
    pid: number | null;
    startTime: EpochSeconds;
    concurrencyGroup: string | null;
  }>;
  readonly groups: ReadonlyArray<{ name: string; used: number; max: number }>;
  readonly pending: ReadonlyArray<{ job: string; runId: string; triggerType: string; scheduleTime: EpochSeconds; waiting: boolean; paused?: boolean }>;
  /** Paused jobs (`*`: the whole scheduler), with who and why. */
  readonly paused?: ReadonlyArray<{ job: string; since: EpochSeconds; by: string; reason: string | null }>;
  /** Scheduled fires skipped per job since the daemon started (overlap: skip, pauses). */
  readonly skipped?: ReadonlyArray<{ job: string; count: number }>;
}
