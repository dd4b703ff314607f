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

/**
 * Schedules compiled by the configuration check (config/schedule-check.ts), each handed once to
 * the first compilation of the same job, expression and zone (the daemon's, or a listing's)
 * instead of being compiled a second time. Cleared at the start of each check.
 */
const checked = new Map<string, Schedule>();

function checkedKey(expression: string, jobName: string, timezone: string): string {
  return `${timezone}\0${jobName}\0${expression}`;
}

/** Keeps a schedule the configuration check compiled (see {@link takeCheckedSchedule}). */
export function keepCheckedSchedule(expression: string, jobName: string, timezone: string, schedule: Schedule): void {
  checked.set(checkedKey(expression, jobName, timezone), schedule);
}

/** Forgets what the last check kept (a new check begins). */
export function forgetCheckedSchedules(): void {
  checked.clear();
}

/**
 * `compileSchedule` for a job without `random`: the schedule the configuration check compiled
 * for it when there is one (taken: handed out once), else a new compilation.
 */
export function compileJobScheduleOnce(expression: string, jobName: string, timezone: string): Schedule {
  const key = checkedKey(expression, jobName, timezone);
  const kept = checked.get(key);
  if (kept !== undefined) {
    checked.delete(key);
    return kept;
  }
  return compileSchedule(expression, { jobName, timezone });
}
