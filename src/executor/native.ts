/**
 * The native process starter (native/spawn.c, built by `npm install` into
 * build/Release/dsari_spawn.node): `posix_spawn`, which glibc does with clone(CLONE_VM |
 * CLONE_VFORK), so starting a run never copies the daemon's page tables as fork() does; the
 * run's end is learned from a pidfd watched by the daemon's own event loop. On this project's
 * machines that makes a start several times cheaper than Node's child_process (figures in
 * docs/BENCHMARKS.md). Where the addon was not built, cannot load, or the kernel has no
 * pidfd_open (Linux < 5.3), runs are started with child_process, and {@link spawnMethod} says why.
 * `DSARI_SPAWN=child_process` in the daemon's environment chooses child_process on purpose.
 *
 * With the native starter, runs are started through dsari-reaper (native/reaper.c, built beside
 * the addon): one small process per daemon that keeps two children forked ahead; the daemon hands
 * a run to one of them and knows its PID at once, and that child is the run's exit-status wrapper,
 * compiled (it writes the status to RUN_DIR, which keeps it across a crash of the daemon). Without
 * the reaper (not built, failed, or `DSARI_SPAWN=wrapper`), each run is started by posix_spawn
 * under the `/bin/sh` exit-status wrapper instead (status.ts), as child_process always does.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/spawn.c has the contract). */
export interface NativeSpawn {
  /** Throws when this kernel cannot do what spawn() needs. */
  probe(): true;
  /**
   * Starts `file` with `argv` (argv[0] included), exactly `env` ("NAME=value"), in `cwd`, in a
   * new session, every signal at its default; `dups` is flat `[from, to, …]`, dup2'd in that
   * order. Returns the PID once the program is executing. `onExit` gets the exit status, or null
   * and the signal number. Throws an Error with `code`/`errno`/`syscall` when it cannot start.
   */
  spawn(file: string, argv: readonly string[], env: readonly string[], cwd: string, dups: readonly number[], onExit: (status: number | null, signal: number | null) => void): number;
  /**
   * As spawn(), but the run is given to a child of dsari-reaper at `reaperPath` (started on first
   * use) that was forked ahead, so its PID is known at once. That child is the run's exit-status
   * wrapper: it runs `file` (searched on the PATH of `env`, as execvp does) as its one child,
   * writes the status (128 + n for signal n) to `statusPath` and exits with it. `onExit` gets null
   * and null when the reaper itself ended first: the run goes on, unwatched by the reaper. A
   * problem found in the child (exec failed, working directory gone) is written to its
   * descriptor 1 and ends it with 127 or 126. Throws with `syscall` "fork" when the reaper cannot
   * make a process now, and with "dsari-reaper" (or the failed call) when the reaper cannot be
   * started or does not answer.
   */
  reaperSpawn(
    reaperPath: string,
    file: string,
    argv: readonly string[],
    env: readonly string[],
    cwd: string,
    dups: readonly number[],
    statusPath: string,
    onExit: (status: number | null, signal: number | null) => void,
  ): number;
  /** PID of this process's dsari-reaper, or null when none runs. */
  reaperPid(): number | null;
}

export type SpawnMethod = 'posix_spawn' | 'child_process';

/**
 * Environment variable that picks child_process over the native starter (`child_process`), or
 * the native starter with the /bin/sh exit-status wrapper rather than dsari-reaper (`wrapper`).
 */
export const SPAWN_METHOD_VARIABLE = 'DSARI_SPAWN';

/** Where `npm install` leaves the addon (the same relative path from src/ and from dist/). */
export const NATIVE_ADDON = fileURLToPath(new URL('../../build/Release/dsari_spawn.node', import.meta.url));

/** Where `npm install` leaves dsari-reaper. */
export const REAPER_BINARY = fileURLToPath(new URL('../../build/Release/dsari-reaper', import.meta.url));

/** The addon, or why not; `chosen`: child_process was asked for, not fallen back to. */
interface Loaded {
  readonly native: NativeSpawn | null;
  readonly reason: string | null;
  readonly chosen: boolean;
  /** Why runs are not started through dsari-reaper (null: they are). */
  reaperReason: string | null;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (process.env[SPAWN_METHOD_VARIABLE] === 'child_process') return { native: null, reason: `${SPAWN_METHOD_VARIABLE}=child_process`, chosen: true, reaperReason: `${SPAWN_METHOD_VARIABLE}=child_process` };
  const without = (reason: string): Loaded => ({ native: null, reason, chosen: false, reaperReason: reason });
  if (process.platform !== 'linux') return without(`the native starter is for Linux, this is ${process.platform}`);
  if (!existsSync(NATIVE_ADDON)) return without(`${NATIVE_ADDON} was not built (npm run build:native)`);
  try {
    const native = createRequire(import.meta.url)(NATIVE_ADDON) as NativeSpawn;
    native.probe();
    let reaperReason: string | null = null;
    if (process.env[SPAWN_METHOD_VARIABLE] === 'wrapper') reaperReason = `${SPAWN_METHOD_VARIABLE}=wrapper`;
    else if (typeof native.reaperSpawn !== 'function') reaperReason = `${NATIVE_ADDON} predates dsari-reaper (npm run build:native)`;
    else if (!existsSync(REAPER_BINARY)) reaperReason = `${REAPER_BINARY} was not built (npm run build:native)`;
    return { native, reason: null, chosen: false, reaperReason };
  } catch (err) {
    return without(`${NATIVE_ADDON} cannot be used: ${(err as Error).message}`);
  }
}

/** The native starter, or null (then {@link spawnMethod} has the reason). Loaded once. */
export function nativeSpawn(): NativeSpawn | null {
  loaded ??= load();
  return loaded.native;
}

/**
 * How this process starts runs; why not natively when it does not, and whether child_process
 * was chosen (`DSARI_SPAWN`) rather than fallen back to. `reaper`: whether runs are started
 * through dsari-reaper, and if not, why (`reaperReason`).
 */
export function spawnMethod(): { method: SpawnMethod; reason: string | null; chosen: boolean; reaper: boolean; reaperReason: string | null } {
  loaded ??= load();
  return {
    method: loaded.native ? 'posix_spawn' : 'child_process',
    reason: loaded.reason,
    chosen: loaded.chosen,
    reaper: loaded.reaperReason === null,
    reaperReason: loaded.reaperReason,
  };
}

/** The native starter when runs go through dsari-reaper, else null. */
export function reaperStarter(): NativeSpawn | null {
  loaded ??= load();
  return loaded.reaperReason === null ? loaded.native : null;
}

/**
 * dsari-reaper could not be used (it did not start or answer): later runs in this process are
 * started under the /bin/sh wrapper, and {@link spawnMethod} says why.
 */
export function reaperFailed(reason: string): void {
  loaded ??= load();
  loaded.reaperReason = `dsari-reaper failed: ${reason}`;
}
