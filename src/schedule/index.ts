import { ScheduleError } from '../errors.js';
import type { Schedule, ScheduleOptions } from './types.js';

export type { Schedule, ScheduleOptions } from './types.js';

/**
 * Compiles a cron or RRULE expression for a job (SPEC §4).
 * @throws ScheduleError naming the bad field
 */
export function compileSchedule(expression: string, _options: ScheduleOptions): Schedule {
  throw new ScheduleError('schedules are not built yet', expression);
}
