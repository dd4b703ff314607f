/**
 * The executor's interface (SPEC §5.1, §5.6, §6): building a run's environment and argv,
 * starting one run's process, watching it until it ends, terminating it, and adopting a run
 * whose daemon died. The daemon calls these; it never spawns processes itself.
 *
 * Stages of a run's life, one file each:
 * - `environment.ts` — {@link RunEnvironmentInput} → the run's environment (§6)
 * - `argv.ts`        — the command line (config command + `command_append_run`)
 * - `resolve.ts`     — finding the command on the run's PATH, working directory checks
 * - `spawn.ts`       — {@link StartRunSpec} → {@link RunHandle} (`startRun`)
 * - `native.ts`      — the native process starter (posix_spawn + pidfd), or why child_process
 * - `terminate.ts`   — SIGTERM then SIGKILL to the process group and escaped processes
 * - `proc.ts`        — /proc: process start time, process group members, RUN_ID scan
 * - `adopt.ts`       — {@link AdoptRunSpec} → {@link AdoptedRun} (`adoptRun`)
 * - `status.ts`      — the exit-status file in RUN_DIR (`readExitStatus`)
 * - `return-data.ts` — `readReturnData`
 *
 * Functions (import from `src/executor/index.ts`):
 * ```ts
 * buildRunEnvironment(input: RunEnvironmentInput): Record<string, string>
 * identityViolations(triggerEnv: Record<string, unknown> | null | undefined): string[]
 * buildArgv(input: ArgvInput): string[]
 * runDirOf(dataDir, jobName, runId): string        jobDirOf(dataDir, jobName): string
 * startRun(spec: StartRunSpec): RunHandle           // never throws for a run that cannot start
 * adoptRun(spec: AdoptRunSpec): AdoptedRun | null   // null: process gone or PID reused
 * processStartTime(pid: number): number | null
 * readExitStatus(runDir: string): number | null
 * readReturnData(runDir: string): ReturnDataResult  // never throws
 * ```
 */
import type { Clock, EpochSeconds } from '../clock.js';
import type { PreviousRuns } from '../store/types.js';
import type { SpawnMethod } from './native.js';

/** Name of the file, in RUN_DIR, where the run's wrapper leaves the command's exit status. */
export const EXIT_STATUS_FILE = '.dsari-exit-status';

/** Name of the combined stdout+stderr file in RUN_DIR. */
export const OUTPUT_FILE = 'output.txt';

/** Exit code recorded when the command is not found on the run's PATH (as a shell does). */
export const EXIT_NOT_FOUND = 127;
/** Exit code recorded when the command exists but cannot be started (not executable, bad working directory …). */
export const EXIT_CANNOT_EXECUTE = 126;
/** Exit code recorded for a run whose real status cannot be known (SPEC §5.6). */
export const EXIT_LOST = 255;

/** Inputs of {@link buildRunEnvironment}; everything it needs, nothing read from the daemon's globals. */
export interface RunEnvironmentInput {
  readonly dataDir: string;
  readonly jobName: string;
  readonly runId: string;
  readonly scheduleTime: EpochSeconds;
  readonly startTime: EpochSeconds;
  /** "schedule" or "file". */
  readonly triggerType: string;
  /** The concurrency group picked for this run, if any. */
  readonly concurrencyGroup?: string | null;
  /** The job's `job_group`, if any. */
  readonly jobGroup?: string | null;
  /** The job's previous runs (PREVIOUS_*, PREVIOUS_GOOD_*, PREVIOUS_BAD_*). */
  readonly previousRuns?: PreviousRuns | null;
  /** @default false */
  readonly jenkinsEnvironment?: boolean;
  /** Top-level `environment`. */
  readonly globalEnvironment?: Readonly<Record<string, string>>;
  /** The job's `environment`. */
  readonly jobEnvironment?: Readonly<Record<string, string>>;
  /** The trigger file's `environment` (already validated; see {@link identityViolations}). */
  readonly triggerEnvironment?: Readonly<Record<string, string>>;
  /** Variables the run policies define (RETRY_*, UPSTREAM_*): set after every layer above. */
  readonly policyEnvironment?: Readonly<Record<string, string>>;
  /**
   * The daemon's PATH. Pass `process.env['PATH']`; undefined → `/usr/bin:/bin`.
   * Injected so that nothing else of the daemon's environment can leak in.
   */
  readonly daemonPath?: string | undefined;
  /**
   * The user for LOGNAME and HOME. Undefined → looked up with `os.userInfo()`; null → the user
   * database has no entry (LOGNAME and HOME are then left out, as the original does).
   */
  readonly user?: { readonly username: string; readonly homedir: string } | null | undefined;
}

/** What the command line is built from. */
export interface ArgvInput {
  readonly jobName: string;
  readonly runId: string;
  /** The job's `command`, never modified. */
  readonly command: readonly string[];
  readonly commandAppendRun: boolean;
}

/** Inputs of {@link startRun}. */
export interface StartRunSpec {
  /** The command line (see `buildArgv`); argv[0] is searched on `env.PATH` unless it has a `/`. */
  readonly argv: readonly string[];
  /** The complete environment of the run (see `buildRunEnvironment`); nothing else is passed. */
  readonly env: Readonly<Record<string, string>>;
  /** RUN_DIR; must exist (the daemon creates it). output.txt and the exit-status file go here. */
  readonly runDir: string;
  /**
   * Working directory. @default `env.PWD` (buildRunEnvironment has already decided it), else runDir.
   */
  readonly cwd?: string;
  /** `max_execution` in seconds; null/undefined/0 = no limit (0 as in the original). */
  readonly maxExecution?: number | null;
  /** `max_execution_grace` in seconds. @default 60 */
  readonly maxExecutionGrace?: number;
  /** Time source for start/stop times and for the max_execution timers. @default new SystemClock() */
  readonly clock?: Clock;
  /** Told about signals the executor sends on its own (for the daemon's log). */
  readonly onEvent?: (event: RunEvent) => void;
  /**
   * How to start the process (native.ts). @default the native starter where it is available,
   * else child_process. Asking for `posix_spawn` where it is not available throws.
   */
  readonly spawnMethod?: SpawnMethod;
  /**
   * What keeps the exit status across a crash of the daemon (native.ts): dsari-reaper (the
   * default with the native starter where it was built) or the /bin/sh wrapper (status.ts; always
   * with child_process). Asking for `reaper` where it is not available throws.
   */
  readonly statusKeeper?: 'reaper' | 'wrapper';
}

/** Something the executor did to a run on its own, for logging. */
export type RunEvent =
  | { readonly type: 'max-execution-term'; readonly pid: number; readonly maxExecution: number }
  | { readonly type: 'max-execution-kill'; readonly pid: number; readonly grace: number }
  | { readonly type: 'terminate-kill'; readonly pid: number; readonly grace: number }
  | { readonly type: 'escaped'; readonly pids: readonly number[] }
  | { readonly type: 'reaper-failed'; readonly reason: string }
  | { readonly type: 'reaper-lost'; readonly pid: number };

/** The whole outcome of a run, resolved once the process has ended. Never rejected. */
export interface RunResult {
  /** The status to record: the exit status, or 128 + signal number if a signal ended it. */
  readonly exitCode: number;
  /**
   * Name of the signal that ended the command (`SIGTERM` …), or null. Known when the process
   * itself died of a signal, or when the wrapper reported a status of 128 + n (the shell's
   * convention: a command that itself exits with 143 looks the same as one killed by SIGTERM).
   */
  readonly signal: NodeJS.Signals | null;
  /** The run was signalled because `max_execution` passed. */
  readonly timedOut: boolean;
  /** `terminate()` was called (shutdown, or the daemon's own decision). */
  readonly terminated: boolean;
  /** SIGKILL was sent (grace passed). */
  readonly killed: boolean;
  /** Epoch seconds when the process was started (or the start was attempted). */
  readonly startTime: EpochSeconds;
  /** Epoch seconds when the end was noticed. */
  readonly stopTime: EpochSeconds;
  /**
   * Set when the command could not be started at all (not found → exitCode 127, not executable
   * or unusable working directory → 126). The same text is written as a line into output.txt
   * (when RUN_DIR is writable), so the user sees it where the output would be.
   */
  readonly spawnError: string | null;
}

/** A started run. */
export interface RunHandle {
  /** PID of the run's process (the wrapper; also its process group and session id); null if it never started. */
  readonly pid: number | null;
  /** /proc start time (clock ticks since boot) of `pid`, for adoption after a crash; null if unknown. */
  readonly processStartTime: number | null;
  /** Epoch seconds at start. */
  readonly startTime: EpochSeconds;
  /** Resolves when the run's process has ended (never rejects). */
  readonly exited: Promise<RunResult>;
  /**
   * SIGTERM to the run's process group (and to escaped processes of the run); SIGKILL to them
   * `graceSeconds` later if still running. `graceSeconds` null/undefined = never SIGKILL.
   * Calling it again only shortens a pending grace. No effect once the run has ended.
   */
  terminate(options?: { graceSeconds?: number | null }): void;
  /** SIGKILL the run's processes now. */
  kill(): void;
}

/** Inputs of {@link adoptRun}: what the daemon recorded about a run before it died. */
export interface AdoptRunSpec {
  readonly pid: number;
  /** The recorded /proc start time of `pid` (RunHandle.processStartTime). */
  readonly processStartTime: number;
  readonly runDir: string;
  /** The run's RUN_ID (to find escaped processes when terminating). */
  readonly runId?: string;
  /** The run's recorded start time (epoch s), for the remaining max_execution. */
  readonly startTime?: EpochSeconds;
  readonly maxExecution?: number | null;
  /** @default 60 */
  readonly maxExecutionGrace?: number;
  readonly clock?: Clock;
  /** How often to check whether the process still exists. @default 1000 */
  readonly pollMs?: number;
  readonly onEvent?: (event: RunEvent) => void;
}

/** Outcome of an adopted run. */
export interface AdoptedRunResult extends Omit<RunResult, 'spawnError'> {
  /** True when the real exit status could not be known (exitCode is then 255). */
  readonly lost: boolean;
  /** Why it is lost (human-readable), else null. */
  readonly lostReason: string | null;
}

/** A run of a previous daemon, watched by this one. */
export interface AdoptedRun {
  readonly pid: number;
  readonly processStartTime: number;
  readonly exited: Promise<AdoptedRunResult>;
  terminate(options?: { graceSeconds?: number | null }): void;
  kill(): void;
}

/** Result of {@link readReturnData}. Never both. */
export interface ReturnDataResult {
  /** The parsed mapping, when a file exists and is valid. */
  readonly data?: Record<string, unknown>;
  /** Why a file that exists was not used (names the file). */
  readonly error?: string;
  /** The file that was read, if any. */
  readonly file?: string;
}
