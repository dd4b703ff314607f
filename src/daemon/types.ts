/**
 * The scheduler's domain: runs waiting to start, runs running, and the decisions the core hands
 * to the effects layer. No I/O lives here.
 */
import type { EpochSeconds } from '../clock.js';
import type { JobConfig } from '../config/types.js';
import type { JsonObject } from '../store/types.js';

/** How a run came to be: `schedule` (its job's schedule) or `file` (a trigger file). */
export type TriggerType = 'schedule' | 'file';

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
  readonly pending: ReadonlyArray<{ job: string; runId: string; triggerType: string; scheduleTime: EpochSeconds; waiting: boolean }>;
}
