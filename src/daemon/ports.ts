/**
 * What the daemon needs from the world besides the store: starting and adopting run processes.
 * The real implementation (executor-port.ts) wraps src/executor; tests pass a fake.
 */
import type { EpochSeconds } from '../clock.js';
import type { JobConfig } from '../config/types.js';
import type { PreviousRuns } from '../store/types.js';

/** Everything needed to start one run. */
export interface LaunchSpec {
  readonly job: JobConfig;
  readonly runId: string;
  readonly runDir: string;
  readonly dataDir: string;
  readonly scheduleTime: EpochSeconds;
  readonly startTime: EpochSeconds;
  readonly triggerType: string;
  readonly triggerEnvironment: Readonly<Record<string, string>>;
  readonly globalEnvironment: Readonly<Record<string, string>>;
  readonly concurrencyGroup: string | null;
  readonly previousRuns: PreviousRuns | null;
  /** RETRY_*, UPSTREAM_* from the run policies (SPEC-BEYOND §12.3, §12.5); set last. */
  readonly policyEnvironment?: Readonly<Record<string, string>>;
}

/** What the daemon needs to adopt a run a previous daemon started. */
export interface AdoptSpec {
  readonly job: JobConfig | null;
  readonly runId: string;
  readonly runDir: string;
  readonly pid: number;
  readonly processStartTime: number;
  readonly startTime: EpochSeconds;
}

/** How a run ended. */
export interface RunOutcome {
  readonly exitCode: number;
  readonly stopTime: EpochSeconds;
  /** The command could not be started at all (exit code 127 or 126). */
  readonly spawnError: string | null;
  /** The exit status could not be known (an adopted run): exit code 255. */
  readonly lostReason: string | null;
  readonly timedOut: boolean;
  readonly signal: string | null;
}

/** A run's process, started or adopted. */
export interface RunProcess {
  readonly pid: number | null;
  /** /proc start time of `pid`, recorded so that a later daemon can adopt the run. */
  readonly processStartTime: number | null;
  /** The command line as started (for the log). */
  readonly argv: readonly string[];
  readonly exited: Promise<RunOutcome>;
  /** SIGTERM the run's process group; SIGKILL `graceSeconds` later (null = never). */
  terminate(graceSeconds: number | null): void;
}

/** Something the executor did on its own (max_execution), to be logged. */
export interface ExecutorNotice {
  readonly runId: string;
  readonly jobName: string;
  readonly message: string;
}

export interface RunExecutor {
  /** Starts a run. Never throws for a bad command: that is an outcome with `spawnError`. */
  start(spec: LaunchSpec): RunProcess;
  /** Watches a run left by a previous daemon until it ends; null when its process is gone. */
  adopt(spec: AdoptSpec): RunProcess | null;
  /** Whether `pid` is still the process that was started (PID and start time match). */
  isAlive(pid: number, processStartTime: number): boolean;
  /** The exit status a run's wrapper left in RUN_DIR and when it was written, or null. */
  readExitStatus(runDir: string): { exitCode: number; stopTime: EpochSeconds | null } | null;
  /** RUN_DIR/return_data.json|yaml: the data, or why a file that exists was not used. */
  readReturnData(runDir: string): { data?: Record<string, unknown>; error?: string };
  /** Identity variables a trigger's environment tries to set (SPEC §6). */
  identityViolations(env: Readonly<Record<string, unknown>>): string[];
}
