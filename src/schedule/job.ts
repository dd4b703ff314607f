import type { JobConfig } from '../config/types.js';
import { compileSchedule } from './index.js';
import { localZone } from './time.js';
import type { Schedule } from './types.js';

/**
 * The compiled schedule of a job: its expression in `schedule_timezone`, or in the host's local
 * zone when none is set (SPEC §4.3; `hostZone`: that zone, when the caller has looked it up
 * already). Null for trigger-only jobs.
 * @throws ScheduleError when the expression does not compile
 */
export function jobSchedule(job: JobConfig, hostZone?: string): Schedule | null {
  if (job.schedule === null) return null;
  return compileSchedule(job.schedule, { jobName: job.name, timezone: job.scheduleTimezone ?? hostZone ?? localZone() });
}
