import { ScheduleError } from '../errors.js';
import { CronSchedule } from './cron.js';
import { RRuleSchedule } from './rrule.js';
import { isValidZone } from './time.js';
import type { Schedule, ScheduleOptions } from './types.js';

export type { Schedule, ScheduleOptions } from './types.js';
export { crc32, hashOffset } from './hash.js';
export { formatIso, isValidZone, localZone, parseDateTime } from './time.js';

/**
 * Compiles a cron or RRULE expression for a job (SPEC §4): five or six cron fields (seconds
 * last), an `@alias`, or `RRULE:…`. Field sets are computed once here (except `R` forms), so
 * `next` is cheap.
 * @throws ScheduleError naming the bad field, for an expression that cannot fire, or an unknown zone
 */
export function compileSchedule(expression: string, options: ScheduleOptions): Schedule {
  if (!isValidZone(options.timezone)) {
    throw new ScheduleError(`unknown time zone "${options.timezone}"`, expression);
  }
  if (/^\s*RRULE:/i.test(expression)) {
    return new RRuleSchedule(expression, { jobName: options.jobName, timezone: options.timezone });
  }
  return new CronSchedule(expression, {
    jobName: options.jobName,
    timezone: options.timezone,
    random: options.random ?? Math.random,
  });
}
