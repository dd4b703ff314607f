/**
 * Error hierarchy. Every error dsari raises on purpose is a {@link DsariError} with a stable
 * `code`; subclasses carry the context a user needs to find the problem (file, job, key).
 */

export interface DsariErrorOptions {
  cause?: unknown;
}

/** Base class of every error dsari raises deliberately. */
export class DsariError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options: DsariErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad configuration: names the file, the job (if any) and the key path. */
export class ConfigError extends DsariError {
  readonly file: string | undefined;
  readonly job: string | undefined;
  readonly key: string | undefined;
  constructor(
    message: string,
    context: { file?: string | undefined; job?: string | undefined; key?: string | undefined } = {},
    options: DsariErrorOptions = {},
  ) {
    super('E_CONFIG', message, options);
    this.file = context.file;
    this.job = context.job;
    this.key = context.key;
  }
}

/** A schedule expression that does not parse or cannot fire. */
export class ScheduleError extends DsariError {
  readonly expression: string;
  /** Index of the offending cron field (0 = minute … 5 = second), when known. */
  readonly field: number | undefined;
  constructor(message: string, expression: string, field?: number, options: DsariErrorOptions = {}) {
    super('E_SCHEDULE', message, options);
    this.expression = expression;
    this.field = field;
  }
}

/** A failure of the run-record store (database). */
export class StoreError extends DsariError {
  constructor(message: string, options: DsariErrorOptions = {}) {
    super('E_STORE', message, options);
  }
}

/** A trigger file that cannot be accepted; `reason` is written beside the rejected file. */
export class TriggerError extends DsariError {
  readonly job: string;
  readonly file: string;
  constructor(message: string, context: { job: string; file: string }, options: DsariErrorOptions = {}) {
    super('E_TRIGGER', message, options);
    this.job = context.job;
    this.file = context.file;
  }
}

/** A user error on the command line (unknown run id, unknown job …): exit status 1. */
export class UsageError extends DsariError {
  constructor(message: string, options: DsariErrorOptions = {}) {
    super('E_USAGE', message, options);
  }
}

/** Message of anything thrown, for log lines. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A date-time or time-zone value that cannot be read (`--at`, `--from`, `schedule_time`, a zone name). */
export class DateTimeError extends DsariError {
  readonly value: string;
  constructor(message: string, value: string, options: DsariErrorOptions = {}) {
    super('E_DATETIME', message, options);
    this.value = value;
  }
}
