/**
 * Checking a job's schedule at load time by compiling it (SPEC §3: a schedule that does not
 * parse is a configuration error). Time zones are checked by the job reader beforehand.
 */
import { compileSchedule } from '../schedule/index.js';
import { localZone } from '../schedule/time.js';
import type { ScheduleCheck } from './job.js';

/**
 * A schedule check for one load: compiles each schedule (throwing its ScheduleError when it does
 * not compile). The host zone is looked up once per load, not once per job (it is costly).
 */
export function scheduleChecker(): ScheduleCheck {
  let host: string | undefined;
  return (expression, jobName, timezone) => checkOne(expression, jobName, timezone ?? (host ??= localZone()));
}

function checkOne(expression: string, jobName: string, timezone: string): void {
  compileSchedule(expression, { jobName, timezone });
}
