import type { EpochSeconds } from '../clock.js';

/** Options for compiling a schedule expression (SPEC §4). */
export interface ScheduleOptions {
  /** Job name: the seed of H hashing (CRC-32 of its UTF-8 bytes). */
  readonly jobName: string;
  /** IANA zone the expression is evaluated in. */
  readonly timezone: string;
  /** Source of randomness for R forms, [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** A compiled schedule: pure queries, no timers, no clock. */
export interface Schedule {
  readonly expression: string;
  /**
   * The next fire time strictly after `after` (epoch seconds), including the job's sub-second
   * hash offset; null when the schedule will never fire again (an RRULE past its UNTIL).
   * @throws ScheduleError when no time can be found within the search bound.
   */
  next(after: EpochSeconds): EpochSeconds | null;
}
