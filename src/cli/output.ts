/**
 * Terminal output shared by the commands that print for people (SPEC §9): on a TTY a pager
 * (`$PAGER`, default `less`, with `LESS=-FRSXMQ` unless `LESS` is set), colours and tables fitted
 * to the terminal's width; piped, plain text with no pager and no colour.
 */
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { childProcessModule } from '../lazy-packages.js';
import { crc32 } from '../schedule/hash.js';

/** What we know about where stdout goes. */
export interface TerminalInfo {
  /** stdout is a terminal. */
  readonly isTty: boolean;
  /** Width to fit tables to, or null for no limit (piped, no `COLUMNS`). */
  readonly columns: number | null;
  /** Emit SGR colour codes. */
  readonly colour: boolean;
  /** The locale is UTF-8 (box-drawing characters may be used). */
  readonly unicode: boolean;
}

/**
 * Terminal facts for `stream` (default stdout). Colour needs a TTY, no `NO_COLOR` and a `TERM`
 * other than `dumb`; `COLUMNS` overrides the width (as in the original).
 */
export function terminalInfo(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): TerminalInfo {
  const isTty = stream.isTTY === true;
  let columns: number | null = isTty && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : null;
  const envColumns = Number.parseInt(env['COLUMNS'] ?? '', 10);
  if (Number.isFinite(envColumns) && envColumns > 0) columns = envColumns;
  const colour = isTty && (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  const unicode = /utf-?8/i.test(locale);
  return { isTty, columns, colour, unicode };
}

/** Colours of the original's palette (termcolor's names). */
export type Colour = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'white';

export interface Style {
  readonly colour?: Colour | undefined;
  readonly bold?: boolean | undefined;
}

const SGR_COLOUR: Record<Colour, number> = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37 };

/** The colours job names are hashed onto: every colour but red (failures) and grey, bold and plain. */
const HASH_STYLES: readonly Style[] = (['green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const).flatMap((c) => [
  { colour: c, bold: true },
  { colour: c },
]);

/** The stable style of a job name: picked by the CRC-32 of its UTF-8 bytes, as the original does. */
export function jobStyle(name: string): Style {
  let style = jobStyles.get(name);
  if (style === undefined) {
    style = HASH_STYLES[crc32(name) % HASH_STYLES.length] ?? {};
    jobStyles.set(name, style);
  }
  return style;
}

/** Styles already picked: a listing names the same few jobs on thousands of rows. */
const jobStyles = new Map<string, Style>();

/** Applies styles when colour is on, returns text unchanged when it is off. */
export class Palette {
  constructor(readonly enabled: boolean) {}

  paint(text: string, style: Style | undefined): string {
    if (!this.enabled || style === undefined || text === '') return text;
    const codes: number[] = [];
    if (style.bold) codes.push(1);
    if (style.colour !== undefined) codes.push(SGR_COLOUR[style.colour]);
    if (codes.length === 0) return text;
    return `\x1b[${codes.join(';')}m${text}\x1b[0m`;
  }

  /** A job name in its stable colour. */
  job(name: string): string {
    return this.paint(name, jobStyle(name));
  }
}

/** Where a command's output goes: stdout or a pager. Writes after the reader went away are dropped. */
export interface OutputSink {
  readonly terminal: TerminalInfo;
  readonly palette: Palette;
  /** True once the reader has gone (pager quit, pipe closed): stop producing. */
  readonly closed: boolean;
  /** Writes and waits for room (backpressure). */
  write(data: string | Uint8Array): Promise<void>;
  /** Flushes, closes the pager and waits for it to exit. */
  close(): Promise<void>;
}

export interface OpenOutputOptions {
  /** Use a pager when stdout is a TTY. @default true */
  readonly pager?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: NodeJS.WriteStream;
}

class StreamSink implements OutputSink {
  closed = false;
  private failure: Error | null = null;

  constructor(
    readonly terminal: TerminalInfo,
    readonly palette: Palette,
    private readonly stream: Writable,
    private readonly pager: ChildProcess | null,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // The reader went away (pager quit, `| head`): not an error of ours.
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.failure = err;
      this.closed = true;
    });
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (this.closed) return;
    const ok = this.stream.write(data);
    if (ok || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  async close(): Promise<void> {
    if (this.pager === null) {
      if (!this.closed) {
        await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
      }
    } else {
      const pager = this.pager;
      const exited = pager.exitCode !== null || pager.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => pager.once('exit', () => resolve()));
      if (!this.closed) this.stream.end();
      // Ctrl-C while paging belongs to the pager (less handles it); we wait for it to exit.
      const ignore = (): void => undefined;
      process.on('SIGINT', ignore);
      try {
        await exited;
      } finally {
        process.off('SIGINT', ignore);
      }
    }
    this.closed = true;
    if (this.failure) throw this.failure;
  }
}

/** Environment for the pager: `LESS=-FRSXMQ` unless LESS is set (quit if one screen, keep colours). */
export function pagerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return (env['LESS'] ?? '') === '' ? { ...env, LESS: '-FRSXMQ' } : { ...env };
}

/**
 * Opens stdout for a command's output: through a pager when stdout is a TTY (and `pager` is not
 * false), else stdout itself. A `PAGER` that cannot be started falls back to stdout.
 */
export async function openOutput(options: OpenOutputOptions = {}): Promise<OutputSink> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const terminal = terminalInfo(stdout, env);
  const palette = new Palette(terminal.colour);
  if (options.pager !== false && terminal.isTty) {
    const command = (env['PAGER'] ?? '').trim() || 'less';
    // PAGER is a shell command line ("less -R", "most"), as git and man treat it. Loaded here:
    // a command whose output is not a terminal never needs child_process.
    const { spawn } = childProcessModule();
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], env: pagerEnvironment(env) });
    const started = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (started && child.stdin !== null) return new StreamSink(terminal, palette, child.stdin, child);
  }
  return new StreamSink(terminal, palette, stdout, null);
}

/** Runs `fn` with an output sink and always closes it (waiting for the pager). */
export async function withOutput(fn: (out: OutputSink) => Promise<void>, options: OpenOutputOptions = {}): Promise<void> {
  const out = await openOutput(options);
  try {
    await fn(out);
  } finally {
    await out.close();
  }
}

/**
 * `seconds` as Python prints a timedelta (`0:00:01.020000`, `1 day, 2:03:04`), the format the
 * original's `run list` shows for durations and schedule delays.
 */
export function formatTimedelta(seconds: number): string {
  let micros = Math.round(seconds * 1e6);
  const DAY = 86_400_000_000;
  const days = Math.floor(micros / DAY);
  micros -= days * DAY;
  const h = Math.floor(micros / 3_600_000_000);
  micros -= h * 3_600_000_000;
  const m = Math.floor(micros / 60_000_000);
  micros -= m * 60_000_000;
  const s = Math.floor(micros / 1_000_000);
  micros -= s * 1_000_000;
  let text = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (micros > 0) text += `.${String(micros).padStart(6, '0')}`;
  if (days !== 0) text = `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${text}`;
  return text;
}
