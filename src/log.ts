/**
 * One logger for the whole program: one line per event on stderr, with optional job/run context,
 * `LEVEL: [JOB RUN_ID] message` as the original writes it. Timestamps are added on a TTY.
 */

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

export interface LogContext {
  job?: string | undefined;
  run?: string | undefined;
}

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
    } = {},
  ) {}

  get level(): LogLevel {
    return this.options.level ?? 'info';
  }

  /** A logger that prefixes every line with this job/run context. */
  child(context: LogContext): Logger {
    return new Logger({ ...this.options, context: { ...this.options.context, ...context } });
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warning(message: string): void {
    this.log('warning', message);
  }
  error(message: string): void {
    this.log('error', message);
  }

  log(level: LogLevel, message: string): void {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[this.level]) return;
    const ctx = this.options.context;
    let prefix = `${level.toUpperCase()}: `;
    if (ctx?.job !== undefined) {
      prefix += ctx.run !== undefined ? `[${ctx.job} ${ctx.run}] ` : `[${ctx.job}] `;
    }
    const stamp = this.options.timestamps ? `${new Date().toISOString()} ` : '';
    const line = `${stamp}${prefix}${message}`;
    const sink = this.options.sink ?? stderrSink;
    sink.write(line.endsWith('\n') ? line : `${line}\n`);
  }
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

/** The default logger for a command: timestamps when stderr is a terminal. */
export function createLogger(options: { debug?: boolean } = {}): Logger {
  return new Logger({ level: options.debug ? 'debug' : 'info', timestamps: process.stderr.isTTY === true });
}
