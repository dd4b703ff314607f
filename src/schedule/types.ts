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
   * How long a next fire time stays the answer: `next(t)` is `fire` for every `t` from the time
   * it was found at (`fire = next(found)`) up to (not including) the time returned; null when
   * next times cannot be kept (R forms draw new values at every evaluation).
   */
  keptUntil(fire: EpochSeconds): EpochSeconds | null;
  /**
   * The next fire time strictly after `after` (epoch seconds), including the job's sub-second
   * hash offset; null when the schedule will never fire again (an RRULE past its UNTIL).
   * @throws ScheduleError when no time can be found within the search bound.
   */
  next(after: EpochSeconds): EpochSeconds | null;
}
