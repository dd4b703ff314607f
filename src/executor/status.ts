/**
 * The exit-status file a run leaves in RUN_DIR (SPEC §5.6), and the tiny /bin/sh wrapper that
 * writes it. The wrapper is what makes the status survive a crash of the daemon: it is the
 * run's process (its PID is the process group and session id), runs the command as its one
 * foreground child, and writes `$?` to RUN_DIR/.dsari-exit-status (one write of a few bytes) before
 * exiting with that same status.
 *
 * Why this works under `kill(-pgid, SIGTERM)`: the wrapper traps TERM/INT/HUP with a handler
 * (`:`; also QUIT, USR1, USR2, ALRM, so a signal meant for the command sent to the whole group
 * does not end the wrapper), not with `trap ''` — an ignored signal would be inherited as ignored by the command,
 * while a caught one is reset to the default on exec. A POSIX shell runs a trap only after the
 * foreground child has finished, so the wrapper outlives the command, sees its status (128 + n
 * for a signal) and records it. Under SIGKILL of the whole group the wrapper dies too; the
 * executor therefore SIGKILLs the other members of the group first (see terminate.ts).
 *
 * The command runs as `( exec "$@" )`: a subshell that execs, so a name like `echo` or `exit`
 * is searched on PATH as a program and is never taken for a shell builtin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_STATUS_FILE } from './types.js';

/** The wrapper script, given to `/bin/sh -c` with `$0` = "dsari-run", `$1` = status file, then the argv. */
export const WRAPPER_SCRIPT = [
  // No variable is assigned before the command runs: the run's environment reaches it untouched.
  "trap ':' TERM INT HUP QUIT USR1 USR2 ALRM",
  '( shift; exec "$@" )',
  's=$?',
  // One short write, no rename: a reader only looks once the wrapper is gone (see readExitStatus).
  'printf \'%s\\n\' "$s" > "$1"',
  'exit "$s"',
].join('\n');

/** `/bin/sh` argv (after the shell itself) that runs `argv` under the wrapper. */
export function wrapperArgs(runDir: string, argv: readonly string[]): string[] {
  return ['-c', WRAPPER_SCRIPT, 'dsari-run', join(runDir, EXIT_STATUS_FILE), ...argv];
}

/**
 * The exit status the run's wrapper left in RUN_DIR, or null when there is none (still running,
 * killed with SIGKILL, or started by a daemon that did not write one) or it is not a number.
 */
export function readExitStatus(runDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(join(runDir, EXIT_STATUS_FILE), 'utf8');
  } catch {
    // No file: the status is not known from RUN_DIR.
    return null;
  }
  const trimmed = text.trim();
  if (!/^[0-9]{1,3}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value <= 255 ? value : null;
}
