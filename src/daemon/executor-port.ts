/**
 * The real {@link RunExecutor}: src/executor builds the environment and argv, starts the run
 * under its exit-status wrapper in a process group of its own, enforces max_execution and
 * adopts runs of a previous daemon.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import {
  adoptRun,
  buildArgv,
  buildRunEnvironment,
  EXIT_STATUS_FILE,
  identityViolations,
  processAlive,
  readExitStatus,
  readReturnData,
  type RunEvent,
  startRun,
} from '../executor/index.js';
import type { Logger } from '../log.js';
import type { AdoptSpec, LaunchSpec, RunExecutor, RunOutcome, RunProcess } from './ports.js';

function describeEvent(event: RunEvent): string {
  switch (event.type) {
    case 'max-execution-term':
      return `Max execution (${event.maxExecution}s) exceeded, sending SIGTERM to PID ${event.pid}`;
    case 'max-execution-kill':
      return `SIGTERM grace (${event.grace}s) exceeded, sending SIGKILL to PID ${event.pid}`;
    case 'terminate-kill':
      return `Shutdown grace time (${event.grace}s) exceeded, sending SIGKILL to PID ${event.pid}`;
    case 'escaped':
      return `Processes left the run's process group and were signalled too: ${event.pids.join(', ')}`;
    case 'reaper-failed':
      return `dsari-reaper cannot be used (${event.reason}); this and later runs are started by posix_spawn under the /bin/sh exit-status wrapper`;
    case 'reaper-lost':
      return `dsari-reaper ended while PID ${event.pid} was running; watching it from /proc, its exit status will be read from RUN_DIR`;
  }
}

export class ProcessExecutor implements RunExecutor {
  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(spec: LaunchSpec): RunProcess {
    const { job } = spec;
    const env = buildRunEnvironment({
      dataDir: spec.dataDir,
      jobName: job.name,
      runId: spec.runId,
      scheduleTime: spec.scheduleTime,
      startTime: spec.startTime,
      triggerType: spec.triggerType,
      concurrencyGroup: spec.concurrencyGroup,
      jobGroup: job.jobGroup,
      previousRuns: spec.previousRuns,
      jenkinsEnvironment: job.jenkinsEnvironment,
      globalEnvironment: spec.globalEnvironment,
      jobEnvironment: job.environment,
      triggerEnvironment: spec.triggerEnvironment,
      ...(spec.policyEnvironment ? { policyEnvironment: spec.policyEnvironment } : {}),
      daemonPath: process.env['PATH'],
    });
    const argv = buildArgv({ jobName: job.name, runId: spec.runId, command: job.command, commandAppendRun: job.commandAppendRun });
    const log = this.log.child({ job: job.name, run: spec.runId });
    const handle = startRun({
      argv,
      env,
      runDir: spec.runDir,
      maxExecution: job.maxExecution,
      maxExecutionGrace: job.maxExecutionGrace,
      clock: this.clock,
      onEvent: (e) => log.warning(describeEvent(e)),
    });
    const exited: Promise<RunOutcome> = handle.exited.then((r) => ({
      exitCode: r.exitCode,
      stopTime: r.stopTime,
      spawnError: r.spawnError,
      lostReason: null,
      timedOut: r.timedOut,
      signal: r.signal,
    }));
    return {
      pid: handle.pid,
      processStartTime: handle.processStartTime,
      argv,
      exited,
      terminate: (graceSeconds) => handle.terminate({ graceSeconds }),
    };
  }

  adopt(spec: AdoptSpec): RunProcess | null {
    const log = this.log.child({ job: spec.job?.name ?? '?', run: spec.runId });
    const adopted = adoptRun({
      pid: spec.pid,
      processStartTime: spec.processStartTime,
      runDir: spec.runDir,
      runId: spec.runId,
      startTime: spec.startTime,
      maxExecution: spec.job?.maxExecution ?? null,
      maxExecutionGrace: spec.job?.maxExecutionGrace ?? 60,
      clock: this.clock,
      pollMs: 250,
      onEvent: (e) => log.warning(describeEvent(e)),
    });
    if (adopted === null) return null;
    return {
      pid: adopted.pid,
      processStartTime: adopted.processStartTime,
      argv: [],
      exited: adopted.exited.then((r) => ({
        exitCode: r.exitCode,
        stopTime: r.stopTime,
        spawnError: null,
        lostReason: r.lostReason,
        timedOut: r.timedOut,
        signal: r.signal,
      })),
      terminate: (graceSeconds) => adopted.terminate({ graceSeconds }),
    };
  }

  isAlive(pid: number, processStartTime: number): boolean {
    return processAlive(pid, processStartTime);
  }

  readExitStatus(runDir: string): { exitCode: number; stopTime: number | null } | null {
    const exitCode = readExitStatus(runDir);
    if (exitCode === null) return null;
    let stopTime: number | null = null;
    try {
      stopTime = statSync(join(runDir, EXIT_STATUS_FILE)).mtimeMs / 1000;
    } catch (err) {
      void err; // Read a moment ago; if it is gone now the detection time is used.
    }
    return { exitCode, stopTime };
  }

  readReturnData(runDir: string): { data?: Record<string, unknown>; error?: string } {
    const r = readReturnData(runDir);
    return { ...(r.data !== undefined ? { data: r.data } : {}), ...(r.error !== undefined ? { error: r.error } : {}) };
  }

  identityViolations(env: Readonly<Record<string, unknown>>): string[] {
    return identityViolations(env);
  }
}
