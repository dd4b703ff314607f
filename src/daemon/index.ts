/** The scheduler daemon (SPEC §5): the core's decisions, and the daemon that carries them out. */
import type { Clock, EpochSeconds } from '../clock.js';
import type { Config, JobConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { compileSchedule } from '../schedule/index.js';
import { jobSchedule } from '../schedule/job.js';
import { isValidZone, localZone, parseDateTime } from '../schedule/time.js';
import type { Schedule } from '../schedule/types.js';
import type { RunStore } from '../store/types.js';
import { Daemon, type DaemonOptions } from './daemon.js';
import { ProcessExecutor } from './executor-port.js';

export { Daemon, type DaemonOptions } from './daemon.js';
export { prepareDataDir, runDirOf } from './paths.js';
export { SchedulerCore, type SchedulingConfig, type TriggerRequest } from './core.js';
export type { DaemonEvents } from './events.js';
export type * from './types.js';
export type * from './ports.js';

/**
 * Like `jobSchedule`, with the host's zone looked up once rather than per job (finding it
 * costs a fraction of a millisecond, which 10,000 jobs turn into seconds of start-up).
 */
export function compileJobSchedule(): (job: JobConfig) => Schedule | null {
  let host: string | undefined;
  return (job) => {
    if (job.schedule === null) return null;
    if (job.scheduleTimezone !== null) return jobSchedule(job);
    host ??= localZone();
    return compileSchedule(job.schedule, { jobName: job.name, timezone: host });
  };
}

/**
 * Next fire times from each job's compiled schedule. Compiled once per job configuration (a
 * reload brings new configurations, so new compilations).
 */
export function scheduleLookup(compile: (job: JobConfig) => Schedule | null = compileJobSchedule()): (job: JobConfig, after: EpochSeconds) => EpochSeconds | null {
  const cache = new WeakMap<JobConfig, Schedule | null>();
  return (job, after) => {
    let schedule = cache.get(job);
    if (schedule === undefined) {
      schedule = compile(job);
      cache.set(job, schedule);
    }
    return schedule === null ? null : schedule.next(after);
  };
}

/** A daemon wired to the real executor, schedules and time zones. */
export function createDaemon(options: { config: Config; loadConfig: () => Config; store: RunStore; clock: Clock; log: Logger; heartbeat?: DaemonOptions['heartbeat'] }): Daemon {
  return new Daemon({
    ...options,
    executor: new ProcessExecutor(options.clock, options.log),
    nextFireTime: scheduleLookup(),
    time: { localZone, parseDateTime, isValidZone },
  });
}
