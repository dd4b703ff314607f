/**
 * Before a run is started: can its command be found and executed, and can its working directory
 * be used? The answer becomes a clear line in output.txt and an exit code of 127 (not found)
 * or 126 (cannot execute), as a shell would give, instead of an error nobody sees.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND } from './types.js';

/** Why a run could not be started. */
export interface StartProblem {
  readonly exitCode: number;
  readonly message: string;
}

function executableFile(path: string): 'ok' | 'missing' | 'not-executable' {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // ENOENT, ENOTDIR, EACCES on a parent: nothing usable at this path.
    return 'missing';
  }
  if (!isFile) return 'not-executable';
  try {
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch {
    // Exists but we may not execute it.
    return 'not-executable';
  }
}

/**
 * The problem with starting `argv` in `cwd` under `env`, or null when it can be started. A name
 * without `/` is searched on `env.PATH` (an empty entry means the working directory), as
 * `execvp` does; a name with `/` is taken relative to the working directory.
 */
export function findStartProblem(argv: readonly string[], env: Readonly<Record<string, string>>, cwd: string): StartProblem | null {
  try {
    if (!statSync(cwd).isDirectory()) {
      return { exitCode: EXIT_CANNOT_EXECUTE, message: `working directory ${cwd} is not a directory` };
    }
  } catch (err) {
    return { exitCode: EXIT_CANNOT_EXECUTE, message: `working directory ${cwd} cannot be used: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  const withNul = argv.findIndex((a) => a.includes('\0'));
  if (withNul >= 0) {
    return { exitCode: EXIT_CANNOT_EXECUTE, message: `argument ${withNul} of the command contains a NUL character` };
  }
  for (const [key, value] of Object.entries(env)) {
    if (key.includes('\0') || value.includes('\0') || key.includes('=') || key === '') {
      return { exitCode: EXIT_CANNOT_EXECUTE, message: `environment variable ${JSON.stringify(key)} cannot be passed to a process (empty name, "=" in the name, or a NUL character)` };
    }
  }
  const name = argv[0];
  if (name === undefined || name === '') {
    return { exitCode: EXIT_NOT_FOUND, message: 'the command is empty' };
  }
  if (name.includes('/')) {
    const path = isAbsolute(name) ? name : resolve(cwd, name);
    const state = executableFile(path);
    if (state === 'ok') return null;
    return state === 'missing'
      ? { exitCode: EXIT_NOT_FOUND, message: `command ${JSON.stringify(name)} not found` }
      : { exitCode: EXIT_CANNOT_EXECUTE, message: `command ${JSON.stringify(name)} is not an executable file` };
  }
  const searchPath = env['PATH'] ?? '';
  let sawNotExecutable: string | null = null;
  for (const dir of searchPath.split(':')) {
    const path = dir === '' ? join(cwd, name) : resolve(cwd, dir, name);
    const state = executableFile(path);
    if (state === 'ok') return null;
    if (state === 'not-executable' && sawNotExecutable === null) sawNotExecutable = path;
  }
  if (sawNotExecutable !== null) {
    return { exitCode: EXIT_CANNOT_EXECUTE, message: `command ${JSON.stringify(name)} found as ${sawNotExecutable}, which is not an executable file` };
  }
  return { exitCode: EXIT_NOT_FOUND, message: `command ${JSON.stringify(name)} not found in PATH=${searchPath}` };
}
