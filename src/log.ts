/**
 * One logger for the whole program: one line per event on stderr, with optional job/run context,
 * `LEVEL: [JOB RUN_ID] message` as the original writes it. Timestamps are added on a TTY, and by
 * long-running commands unless stderr is the systemd journal (which stamps lines itself). With
 * the `json` format each line is a JSON object (docs/operations.md, "Logging").
 */
import { fstatSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

export interface LogContext {
  job?: string | undefined;
  run?: string | undefined;
}

/** Facts of an event that the JSON format carries as fields (the text format has them in the message). */
export interface LogFields {
  /** The run's process. */
  pid?: number | undefined;
  exitCode?: number | undefined;
}

/** How lines are written: the original's text, or one JSON object per line. */
export type LogFormat = 'text' | 'json';

/** The formats `--log-format` accepts. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface LogSink {
  write(line: string): void;
}

export class Logger {
  constructor(
    private readonly options: {
      level?: LogLevel;
      sink?: LogSink;
      timestamps?: boolean;
      context?: LogContext;
      format?: LogFormat;
    } = {},
  ) {}

  get level(): LogLevel {
    return this.options.level ?? 'info';
  }

  /**
   * Whether a line of `level` would be written: a caller that formats many debug lines (one per
   * job at start-up) asks first, so that an info-level daemon does not build them to drop them.
   */
  enabled(level: LogLevel): boolean {
    return LEVEL_ORDER[level] >= LEVEL_ORDER[this.level];
  }

  /** A logger that prefixes every line with this job/run context. */
  child(context: LogContext): Logger {
    return new Logger({ ...this.options, context: { ...this.options.context, ...context } });
  }

  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  warning(message: string, fields?: LogFields): void {
    this.log('warning', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }

  log(level: LogLevel, message: string, fields?: LogFields): void {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[this.level]) return;
    const ctx = this.options.context;
    const sink = this.options.sink ?? stderrSink;
    if (this.options.format === 'json') {
      sink.write(`${jsonLine(level, message, ctx, fields, this.options.timestamps === true)}\n`);
      return;
    }
    let prefix = `${level.toUpperCase()}: `;
    if (ctx?.job !== undefined) {
      prefix += ctx.run !== undefined ? `[${ctx.job} ${ctx.run}] ` : `[${ctx.job}] `;
    }
    const stamp = this.options.timestamps ? `${new Date().toISOString()} ` : '';
    const line = `${stamp}${prefix}${message}`;
    sink.write(line.endsWith('\n') ? line : `${line}\n`);
  }
}

/** One event as a JSON object: time (when stamped), level, msg, then the context and fields set. */
function jsonLine(level: LogLevel, msg: string, ctx: LogContext | undefined, fields: LogFields | undefined, stamped: boolean): string {
  const record: Record<string, string | number> = {};
  if (stamped) record['time'] = new Date().toISOString();
  record['level'] = level;
  record['msg'] = msg.replace(/\n$/, '');
  if (ctx?.job !== undefined) record['job'] = ctx.job;
  if (ctx?.run !== undefined) record['run_id'] = ctx.run;
  if (fields?.pid !== undefined) record['pid'] = fields.pid;
  if (fields?.exitCode !== undefined) record['exit_code'] = fields.exitCode;
  return JSON.stringify(record);
}

/**
 * Lines to stderr. When stderr cannot be written any more (its reader is gone: EPIPE), lines are
 * dropped from then on. Without a handler the failed write is an uncaught error, which the
 * daemon logs — to stderr again — and that loop used a whole core of an orphaned daemon.
 */
let stderrBroken = false;
let stderrWatched = false;
const stderrSink: LogSink = {
  write: (line) => {
    if (stderrBroken) return;
    if (!stderrWatched) {
      stderrWatched = true;
      process.stderr.on('error', () => {
        stderrBroken = true;
      });
    }
    process.stderr.write(line);
  },
};

/** A sink that keeps lines in memory, for tests. */
export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line.replace(/\n$/, ''));
  }
}

/**
 * The default logger for a command: timestamps when stderr is a terminal. A long-running
 * command (`service`) stamps its lines unless stderr is the journal ({@link stderrIsJournal}).
 */
export function createLogger(options: { debug?: boolean; format?: LogFormat; service?: boolean } = {}): Logger {
  const timestamps = options.service === true ? !stderrIsJournal() : process.stderr.isTTY === true;
  return new Logger({ level: options.debug ? 'debug' : 'info', timestamps, format: options.format ?? 'text' });
}

/**
 * Whether stderr is connected to the systemd journal: JOURNAL_STREAM ("DEVICE:INODE", set by
 * systemd for StandardError=journal) names the very file stderr is. A child that inherited the
 * variable but has its stderr elsewhere gets its timestamps back.
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const stream = env['JOURNAL_STREAM'];
  if (stream === undefined) return false;
  const m = /^(\d+):(\d+)$/.exec(stream);
  if (m === null) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1] as string) && st.ino === BigInt(m[2] as string);
  } catch {
    // fd 2 closed: there is nowhere to log to anyway, and no journal to defer the stamps to.
    return false;
  }
}
