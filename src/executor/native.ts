/**
 * The native process starter (native/spawn.c, built by `npm install` into
 * build/Release/dsari_spawn.node): `posix_spawn`, which glibc does with clone(CLONE_VM |
 * CLONE_VFORK), so starting a run never copies the daemon's page tables as fork() does; the
 * run's end is learned from a pidfd watched by the daemon's own event loop. On this project's
 * machines that makes a start several times cheaper than Node's child_process (figures in
 * docs/BENCHMARKS.md). Where the addon was not built, cannot load, or the kernel has no
 * pidfd_open (Linux < 5.3), runs are started with child_process, and {@link spawnMethod} says why.
 * `DSARI_SPAWN=child_process` in the daemon's environment chooses child_process on purpose.
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
}

export type SpawnMethod = 'posix_spawn' | 'child_process';

/** Environment variable that picks child_process over the native starter. */
export const SPAWN_METHOD_VARIABLE = 'DSARI_SPAWN';

/** Where `npm install` leaves the addon (the same relative path from src/ and from dist/). */
export const NATIVE_ADDON = fileURLToPath(new URL('../../build/Release/dsari_spawn.node', import.meta.url));

/** The addon, or why not; `chosen`: child_process was asked for, not fallen back to. */
interface Loaded {
  readonly native: NativeSpawn | null;
  readonly reason: string | null;
  readonly chosen: boolean;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (process.env[SPAWN_METHOD_VARIABLE] === 'child_process') return { native: null, reason: `${SPAWN_METHOD_VARIABLE}=child_process`, chosen: true };
  const without = (reason: string): Loaded => ({ native: null, reason, chosen: false });
  if (process.platform !== 'linux') return without(`the native starter is for Linux, this is ${process.platform}`);
  if (!existsSync(NATIVE_ADDON)) return without(`${NATIVE_ADDON} was not built (npm run build:native)`);
  try {
    const native = createRequire(import.meta.url)(NATIVE_ADDON) as NativeSpawn;
    native.probe();
    return { native, reason: null, chosen: false };
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
 * was chosen (`DSARI_SPAWN`) rather than fallen back to.
 */
export function spawnMethod(): { method: SpawnMethod; reason: string | null; chosen: boolean } {
  loaded ??= load();
  return { method: loaded.native ? 'posix_spawn' : 'child_process', reason: loaded.reason, chosen: loaded.chosen };
}
