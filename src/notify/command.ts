/**
 * The `command` deliverer (SPEC-BEYOND §12.6): runs the notifier's command with the run's
 * environment plus NOTIFY_EVENT, EXIT_CODE, RUN_DIR and OUTPUT_TAIL, stdin /dev/null, its output
 * appended to RUN_DIR/notify-N.txt, in its own process group, ended (SIGTERM, then SIGKILL to
 * the group) at its time limit.
 *
 * The output file is capped at {@link NOTIFY_OUTPUT_CAP} bytes per attempt: what follows is read
 * and thrown away, so a command printing 1 GB costs CPU for at most its time limit, never disk.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { errorMessage } from '../errors.js';

/** Most bytes of a notify command's output kept per attempt (1 MiB). */
export const NOTIFY_OUTPUT_CAP = 1024 * 1024;
/** Between SIGTERM and SIGKILL at the time limit. */
export const NOTIFY_KILL_GRACE_MS = 5000;

export interface NotifyCommandSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Working directory (RUN_DIR, or DATA_DIR when the run directory is gone). */
  readonly cwd: string;
  /** RUN_DIR/notify-N.txt; null: the output is discarded (run directory gone). */
  readonly outputFile: string | null;
  readonly timeoutMs: number;
  /** Ends the command early (daemon shutdown). */
  readonly signal?: AbortSignal;
  /** @default NOTIFY_OUTPUT_CAP */
  readonly capBytes?: number;
}

export interface NotifyCommandResult {
  readonly ok: boolean;
  /** Why it failed: `exit status 3`, `timed out after 60 s`, `cannot run: …`. */
  readonly error: string | null;
}

/** Runs one notify command to its end. Never throws. */
export function runNotifyCommand(spec: NotifyCommandSpec): Promise<NotifyCommandResult> {
  const cap = spec.capBytes ?? NOTIFY_OUTPUT_CAP;
  return new Promise((resolve) => {
    let fd: number | null = null;
    try {
      if (spec.outputFile !== null) {
        fd = openSync(spec.outputFile, 'a');
        writeSync(fd, `--- ${new Date().toISOString()} ${spec.argv.join(' ')}\n`);
      }
    } catch (err) {
      // a full or read-only disk: the notification is still sent, its output dropped
      void err;
      if (fd !== null) closeSync(fd);
      fd = null;
    }
    let written = 0;
    let truncated = false;
    const write = (chunk: Buffer): void => {
      if (fd === null) return;
      if (written >= cap) {
        if (!truncated) {
          truncated = true;
          safeWrite(fd, `\n[dsari: output after ${cap} bytes discarded]\n`);
        }
        return;
      }
      const part = chunk.subarray(0, cap - written);
      written += part.length;
      safeWrite(fd, part);
    };
    const finish = (result: NotifyCommandResult): void => {
      clearTimeout(timer);
      if (killTimer !== null) clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (fd !== null) closeSync(fd);
      fd = null;
      resolve(result);
    };
    let timedOut = false;
    let killTimer: NodeJS.Timeout | null = null;
    const program = spec.argv[0] ?? '';
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, spec.argv.slice(1), {
        cwd: existsSync(spec.cwd) ? spec.cwd : '/',
        env: { ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      if (fd !== null) closeSync(fd);
      resolve({ ok: false, error: `cannot run ${program}: ${errorMessage(err)}` });
      return;
    }
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch (err) {
        // ESRCH: the group is gone already
        void err;
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), NOTIFY_KILL_GRACE_MS);
    };
    const onAbort = (): void => stop();
    spec.signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, spec.timeoutMs);
    child.stdout?.on('data', write);
    child.stderr?.on('data', write);
    child.on('error', (err) => finish({ ok: false, error: `cannot run ${program}: ${errorMessage(err)}` }));
    child.on('exit', (code, signal) => {
      // Output still in the pipes is taken; pipes a grandchild keeps open are not waited for.
      setImmediate(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (timedOut) finish({ ok: false, error: `timed out after ${spec.timeoutMs / 1000} s (ended with ${signal ?? `status ${code}`})` });
        else if (spec.signal?.aborted === true) finish({ ok: false, error: 'ended by the daemon shutting down' });
        else if (code === 0) finish({ ok: true, error: null });
        else finish({ ok: false, error: signal !== null ? `killed by ${signal}` : `exit status ${code}` });
      });
    });
  });
}

function safeWrite(fd: number, data: string | Buffer): void {
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
  } catch (err) {
    // disk full: the output is lost, the notification's outcome is not
    void err;
  }
}
