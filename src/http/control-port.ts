/**
 * What the HTTP API and the console need from the daemon: a port the daemon implements
 * (see {@link controlOf}), so routes never reach into the scheduler and tests can see exactly
 * what the server may do.
 */
import type { Clock, EpochSeconds } from '../clock.js';
import type { Config, JobConfig } from '../config/types.js';
import type { DaemonEvents } from '../daemon/events.js';
import type { TypedEmitter } from '../daemon/events.js';
import type { TriggerParseContext } from '../daemon/trigger-file.js';
import type { AcceptedTrigger } from '../daemon/trigger-watcher.js';
import type { ActiveRun, PendingRun, SchedulerStatus } from '../daemon/types.js';
import type { RunStore } from '../store/types.js';

/** A pause as the API shows it (SPEC-BEYOND §12.4); `job` null pauses the whole scheduler. */
export interface PauseInfo {
  readonly job: string | null;
  readonly by: string;
  readonly reason: string | null;
  readonly since: EpochSeconds;
}

/** What cancelling a run did: signalled it, dropped it before it started, too late, or no such run. */
export type CancelOutcome = 'cancelled' | 'dropped' | 'ended' | 'unknown';

export interface DaemonControl {
  /** The configuration in use (it changes on reload). */
  config(): Config;
  readonly dataDir: string;
  /** Read side of the run store (routes never write through it). */
  readonly store: RunStore;
  readonly events: TypedEmitter<DaemonEvents>;
  readonly clock: Clock;
  /** Running runs, groups and pending runs now. */
  status(): SchedulerStatus;
  /** Runs waiting to start, unsorted. */
  pendingRuns(): readonly PendingRun[];
  /** Runs running now, unsorted. */
  runningRuns(): readonly ActiveRun[];
  /** Between "Scheduler running" and the start of shutdown. */
  scheduling(): boolean;
  /** The job's next fire time after `after`. @throws ScheduleError */
  nextFireTime(job: JobConfig, after: EpochSeconds): EpochSeconds | null;
  /** How a trigger with this modification time is read (zone, identity rules). */
  triggerContext(mtime: EpochSeconds): TriggerParseContext;
  /** Hands over a trigger already durable in JOB/pending/RUN_ID.json. False while shutting down. */
  submitTrigger(trigger: AcceptedTrigger): boolean;
  /** SIGHUP's reload; a refused configuration says why. */
  reload(): { ok: true; jobs: number } | { ok: false; error: string };
  /** Pauses a job (null: the whole scheduler). @throws DsariError for an unknown job */
  pause(job: string | null, by: string, reason: string | null): Promise<{ changed: boolean }>;
  /** Resumes a job (null: the whole scheduler). @throws DsariError for an unknown job */
  resume(job: string | null, by: string): Promise<{ changed: boolean }>;
  /** The pauses in force. */
  pauses(): Promise<readonly PauseInfo[]>;
  /** Cancels a running run (SIGTERM, then SIGKILL) or drops a pending one. */
  cancelRun(runId: string, by: string): Promise<CancelOutcome>;
}
