/**
 * Starting one run (SPEC §5.1): stdin from /dev/null, stdout and stderr both on ONE file
 * descriptor of RUN_DIR/output.txt opened for append (the output goes straight from the
 * command to the file, never through the daemon), its own session and process group, the run's
 * environment only, under the exit-status wrapper (status.ts), with max_execution timers.
 *
 * The process is started by the native starter (native.ts: posix_spawn, pidfd) where it is
 * built, else by Node's child_process; both give the same process, descriptors and result.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import { SystemClock, type Clock } from '../clock.js';
import { nativeSpawn, reaperFailed, reaperStarter, REAPER_BINARY, type NativeSpawn } from './native.js';
import { inheritableDescriptors, processAlive, processStartTime } from './proc.js';
import { findStartProblem, type StartProblem } from './resolve.js';
import { readExitStatus, wrapperArgs } from './status.js';
import { RunTerminator } from './terminate.js';
import { EXIT_CANNOT_EXECUTE, EXIT_LOST, EXIT_STATUS_FILE, OUTPUT_FILE, type RunHandle, type RunResult, type StartRunSpec } from './types.js';

/** The shell that runs the exit-status wrapper. */
export const WRAPPER_SHELL = '/bin/sh';

/** Name of a signal by number (15 → SIGTERM), or null. */
export function signalName(signo: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(osConstants.signals)) {
    if (value === signo) return name as NodeJS.Signals;
  }
  return null;
}

/** Signal number by name, or 0. */
export function signalNumber(name: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

/** `SIGTERM` for 143 …; null for a status that is not 128 + a signal number. */
export function signalFromStatus(status: number): NodeJS.Signals | null {
  return status > 128 && status < 128 + 65 ? signalName(status - 128) : null;
}

function writeStatusFile(runDir: string, status: number): void {
  const file = join(runDir, EXIT_STATUS_FILE);
  try {
    writeFileSync(`${file}.tmp.${process.pid}`, `${status}\n`);
    renameSync(`${file}.tmp.${process.pid}`, file);
  } catch {
    // RUN_DIR unusable: the status is in the result the daemon records anyway.
  }
}

/** Highest descriptor we cover; anything above is left alone (the original closed up to 1023). */
const MAX_COVERED_FD = 4096;

/**
 * The descriptors the daemon inherited without close-on-exec, which a run gets as /dev/null so
 * that it does not keep a supervisor's pipe (or anything else) open.
 */
function coveredDescriptors(inFd: number, outFd: number): number[] {
  return inheritableDescriptors().filter((fd) => fd <= MAX_COVERED_FD && fd !== inFd && fd !== outFd);
}

/** child_process's stdio: stdin, stdout, stderr, and /dev/null over {@link coveredDescriptors}. */
function stdioFor(inFd: number, outFd: number): Array<number | 'ignore'> {
  const stdio: Array<number | 'ignore'> = [inFd, outFd, outFd];
  for (const fd of coveredDescriptors(inFd, outFd)) {
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = inFd;
  }
  return stdio;
}

/** The same descriptors as {@link stdioFor}, as the native starter's dup2 pairs. */
function dupsFor(inFd: number, outFd: number): number[] {
  return [inFd, 0, outFd, 1, outFd, 2, ...coveredDescriptors(inFd, outFd).flatMap((fd) => [inFd, fd])];
}

/** How the started process ended: status or signal, or why it could not start after all. */
interface ProcessEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError: string | null;
}

/** A started process: its PID and its end. */
interface Started {
  readonly pid: number | null;
  readonly ended: Promise<ProcessEnd>;
  /** /proc start time of `pid`, where the starter has read it already. */
  readonly processStartTime?: number | null;
}

/**
 * The wrapper, started by the native starter. The output descriptor is the caller's to close
 * at once: the process has its own copies when this returns.
 * @throws Error when the process cannot be started (posix_spawn's error, e.g. ENOENT for a
 *   working directory removed since the check)
 */
function startNative(native: NativeSpawn, runDir: string, args: string[], env: Readonly<Record<string, string>>, cwd: string, inFd: number, outFd: number): Started {
  let onEnd!: (end: ProcessEnd) => void;
  const ended = new Promise<ProcessEnd>((resolveEnd) => (onEnd = resolveEnd));
  const envList = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const pid = native.spawn(WRAPPER_SHELL, [WRAPPER_SHELL, ...args], envList, cwd, dupsFor(inFd, outFd), (code, signo) => {
    if (code === null && signo === null) {
      // Someone else in this process reaped it (never seen): the status the wrapper left, or lost.
      onEnd({ code: readExitStatus(runDir) ?? EXIT_LOST, signal: null, spawnError: null });
      return;
    }
    onEnd({ code, signal: signo === null ? null : signalName(signo), spawnError: null });
  });
  return { pid, ended };
}

/** How often a run is looked at in /proc once dsari-reaper, its parent, has ended. */
const ORPHAN_POLL_MS = 250;

/**
 * The run under dsari-reaper's compiled exit-status wrapper: a child the reaper forked ahead of
 * time, which does what the /bin/sh wrapper does (status.ts) without an exec of its own. The
 * output descriptor is the caller's to close at once: the reaper has its own copy.
 * @throws Error when the reaper cannot be started or does not answer
 */
function startReaped(native: NativeSpawn, runDir: string, argv: readonly string[], env: Readonly<Record<string, string>>, cwd: string, inFd: number, outFd: number, clock: Clock, onEvent: StartRunSpec['onEvent']): Started {
  let onEnd!: (end: ProcessEnd) => void;
  const ended = new Promise<ProcessEnd>((resolveEnd) => (onEnd = resolveEnd));
  const envList = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  let started: number | null = null;
  const pid = native.reaperSpawn(REAPER_BINARY, argv[0]!, argv, envList, cwd, dupsFor(inFd, outFd), join(runDir, EXIT_STATUS_FILE), (code, signo) => {
    if (code !== null || signo !== null) {
      onEnd({ code, signal: signo === null ? null : signalName(signo), spawnError: null });
      return;
    }
    // The reaper ended before the run (it was killed): the run's wrapper goes on and writes the
    // status to RUN_DIR as ever, but nobody tells us when. Watch it from /proc until it ends.
    onEvent?.({ type: 'reaper-lost', pid });
    const look = (): void => {
      if (processAlive(pid, started)) {
        clock.setTimer(look, ORPHAN_POLL_MS);
        return;
      }
      onEnd({ code: readExitStatus(runDir) ?? EXIT_LOST, signal: null, spawnError: null });
    };
    look();
  });
  started = processStartTime(pid);
  return { pid, ended, processStartTime: started };
}

/** The wrapper, started by Node's child_process. */
function startChild(args: string[], env: Readonly<Record<string, string>>, cwd: string, inFd: number, outFd: number): Started {
  const child = spawn(WRAPPER_SHELL, args, { cwd, env: { ...env }, stdio: stdioFor(inFd, outFd), detached: true });
  const ended = new Promise<ProcessEnd>((resolveEnd) => {
    child.once('error', (err) => {
      // Only when /bin/sh itself cannot be started (the command's own problems were found
      // before, or are reported by the wrapper as 127/126).
      const message = `cannot start ${WRAPPER_SHELL}: ${err.message}`;
      try {
        writeSync(outFd, `dsari: cannot start the run: ${message}\n`);
      } catch {
        // Best effort; the message is in the result.
      }
      resolveEnd({ code: null, signal: null, spawnError: message });
    });
    child.once('exit', (code, signal) => resolveEnd({ code, signal, spawnError: null }));
  });
  return { pid: child.pid ?? null, ended };
}

/** A run that could not be started: recorded with the problem written into output.txt. */
function notStarted(spec: StartRunSpec, runDir: string, startTime: number, problem: StartProblem, outFd: number | null): RunHandle {
  const message = `dsari: cannot start the run: ${problem.message}\n`;
  if (outFd !== null) {
    try {
      writeSync(outFd, message);
    } catch {
      // The message is also in the result (spawnError); the output file is best effort here.
    }
  }
  writeStatusFile(runDir, problem.exitCode);
  const clock = spec.clock ?? new SystemClock();
  const result: RunResult = {
    exitCode: problem.exitCode,
    signal: null,
    timedOut: false,
    terminated: false,
    killed: false,
    startTime,
    stopTime: clock.now(),
    spawnError: problem.message,
  };
  return {
    pid: null,
    processStartTime: null,
    startTime,
    exited: Promise.resolve(result),
    terminate: () => undefined,
    kill: () => undefined,
  };
}

/**
 * Starts a run's process and returns at once. Never throws for a run that cannot start: that
 * is a {@link RunResult} with `spawnError` set (exit code 127 or 126).
 */
export function startRun(spec: StartRunSpec): RunHandle {
  const clock = spec.clock ?? new SystemClock();
  const runDir = resolve(spec.runDir);
  const cwd = resolve(runDir, spec.cwd ?? spec.env['PWD'] ?? runDir);
  const startTime = clock.now();

  let outFd: number;
  try {
    outFd = openSync(join(runDir, OUTPUT_FILE), 'a', 0o644);
  } catch (err) {
    return notStarted(spec, runDir, startTime, { exitCode: EXIT_CANNOT_EXECUTE, message: `cannot open ${join(runDir, OUTPUT_FILE)}: ${(err as Error).message}` }, null);
  }
  const problem = findStartProblem(spec.argv, spec.env, cwd);
  if (problem) {
    const handle = notStarted(spec, runDir, startTime, problem, outFd);
    closeSync(outFd);
    return handle;
  }

  let inFd: number;
  try {
    inFd = openSync('/dev/null', 'r');
  } catch (err) {
    closeSync(outFd);
    return notStarted(spec, runDir, startTime, { exitCode: EXIT_CANNOT_EXECUTE, message: `cannot open /dev/null: ${(err as Error).message}` }, null);
  }
  const native = spec.spawnMethod === 'child_process' ? null : nativeSpawn();
  if (spec.spawnMethod === 'posix_spawn' && !native) throw new Error('startRun: spawnMethod posix_spawn asked for, but the native starter is not available');
  const reaper = native && spec.statusKeeper !== 'wrapper' ? reaperStarter() : null;
  if (spec.statusKeeper === 'reaper' && !reaper) throw new Error('startRun: statusKeeper reaper asked for, but dsari-reaper is not available');
  let outClosed = false;
  const closeOut = (): void => {
    if (outClosed) return;
    outClosed = true;
    closeSync(outFd);
  };
  let started: Started | null = null;
  if (reaper) {
    try {
      started = startReaped(reaper, runDir, spec.argv, spec.env, cwd, inFd, outFd, clock, spec.onEvent);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.syscall === 'fork' || e instanceof TypeError) {
        // The reaper is fine, this run cannot start (no process can be made now): recorded as such.
        const handle = notStarted(spec, runDir, startTime, { exitCode: EXIT_CANNOT_EXECUTE, message: `cannot start the command: ${e.message}` }, outFd);
        closeSync(inFd);
        closeOut();
        return handle;
      }
      // The reaper would not start or answer: this run and later ones go under the wrapper.
      reaperFailed(e.message);
      spec.onEvent?.({ type: 'reaper-failed', reason: e.message });
    }
  }
  try {
    started ??= native ? startNative(native, runDir, wrapperArgs(runDir, spec.argv), spec.env, cwd, inFd, outFd) : startChild(wrapperArgs(runDir, spec.argv), spec.env, cwd, inFd, outFd);
  } catch (err) {
    // Synchronous refusals (an argument with a NUL byte, posix_spawn's errors): still a recorded run.
    const handle = notStarted(spec, runDir, startTime, { exitCode: EXIT_CANNOT_EXECUTE, message: `cannot start ${WRAPPER_SHELL}: ${(err as Error).message}` }, outFd);
    closeOut();
    return handle;
  } finally {
    closeSync(inFd);
  }
  // The native starter's process has its own copies of the descriptors already; child_process
  // may still report an error, written into output.txt, so that one is closed at the end.
  if (native) closeOut();
  const pid = started.pid;
  const procStart = pid === null ? null : started.processStartTime !== undefined ? started.processStartTime : processStartTime(pid);
  const runId = spec.env['RUN_ID'] ?? null;
  const terminator = pid === null ? null : new RunTerminator({ pid, runId, clock, onEvent: spec.onEvent });
  let timedOut = false;
  let terminated = false;
  let termTimer: ReturnType<typeof clock.setTimer> | null = null;
  let ended = false;

  const exited = started.ended.then(({ code, signal, spawnError }): RunResult => {
    ended = true;
    closeOut();
    if (termTimer) clock.clearTimer(termTimer);
    terminator?.leaderExited();
    let exitCode: number;
    let endSignal: NodeJS.Signals | null;
    if (spawnError !== null) {
      exitCode = EXIT_CANNOT_EXECUTE;
      endSignal = null;
    } else if (signal !== null) {
      exitCode = 128 + signalNumber(signal);
      endSignal = signal;
    } else {
      exitCode = code ?? EXIT_CANNOT_EXECUTE;
      endSignal = signalFromStatus(exitCode);
    }
    return {
      exitCode,
      signal: endSignal,
      timedOut,
      terminated,
      killed: terminator?.killSent ?? false,
      startTime,
      stopTime: clock.now(),
      spawnError,
    };
  });

  // 0 means no limit, as in the original (`if not job.max_execution`).
  if (terminator && pid !== null && spec.maxExecution !== null && spec.maxExecution !== undefined && spec.maxExecution > 0) {
    const maxExecution = spec.maxExecution;
    const grace = spec.maxExecutionGrace ?? 60;
    termTimer = clock.setTimer(() => {
      termTimer = null;
      timedOut = true;
      spec.onEvent?.({ type: 'max-execution-term', pid, maxExecution });
      terminator.terminate(grace, 'max-execution');
    }, Math.max(0, maxExecution) * 1000);
  }

  return {
    pid,
    processStartTime: procStart,
    startTime,
    exited,
    terminate(options = {}) {
      if (!terminator || ended) return;
      terminated = true;
      terminator.terminate(options.graceSeconds ?? null, 'terminate');
    },
    kill() {
      if (!terminator || ended) return;
      terminated = true;
      terminator.kill('terminate');
    },
  };
}
