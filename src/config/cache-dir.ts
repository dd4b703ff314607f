/**
 * Where dsari keeps its caches, and how a cache file is read and written safely: the
 * configuration cache (cache.ts) and the compiled-code cache of the commands (cli/code-cache.ts).
 * `$XDG_CACHE_HOME/dsari/` (default `~/.cache/dsari/`), a directory only its user may write.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

let buildId: string | null | undefined;

/**
 * The id of this build of dsari (scripts/postbuild.mjs: a hash of every module of dist/), or
 * null (sources, not a build). This module sits one directory below dist/ (as do the bundles, in
 * dist/cli/), so `../build-id.txt` names the file from either.
 */
export function currentBuild(): string | null {
  if (buildId === undefined) {
    try {
      buildId = readFileSync(new URL('../build-id.txt', import.meta.url), 'utf8').trim() || null;
    } catch {
      buildId = null;
    }
  }
  return buildId;
}

/** The Node.js a cache was made by, with the ICU and time-zone data its times depend on. */
export function nodeId(): string {
  return `${process.version} ${process.versions.icu ?? ''} ${process.versions.tz ?? ''}`;
}

/** Whether a cache is turned off by its environment variable (off, 0, no, false). */
export function cacheOff(env: NodeJS.ProcessEnv, variable: string): boolean {
  return ['off', '0', 'no', 'false'].includes((env[variable] ?? '').toLowerCase());
}

/** The cache directory, or null when there is none (no absolute XDG_CACHE_HOME and no home). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && xdg.startsWith('/')) return join(xdg, 'dsari');
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  if (home === '' || home === '/') return null;
  return join(home, '.cache', 'dsari');
}

/**
 * Whether `path` belongs to this user and nobody else may write it. A cache file holds a
 * configuration (commands to run) or compiled code: one that another user could have written or
 * replaced (a cache directory under a shared /tmp, say) is never used, nor written into such a
 * directory. @throws when `path` cannot be stat'ed
 */
export function ownedAndPrivate(path: string): boolean {
  const st = statSync(path);
  const uid = process.getuid?.();
  return (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
}

/** The contents of a cache file, if it exists and it and its directory are this user's alone; else null. */
export function readPrivateFile(file: string): Buffer | null {
  try {
    if (!ownedAndPrivate(join(file, '..')) || !ownedAndPrivate(file)) return null;
    return readFileSync(file);
  } catch {
    return null;
  }
}

/**
 * Writes a cache file atomically (a temporary file renamed over it), mode 0600 in a 0700
 * directory; then removes files of the same kind (`prefix`) not written for 30 days. Quietly does
 * nothing when the directory is not this user's alone or anything fails.
 */
export function writePrivateFile(file: string, data: string | NodeJS.ArrayBufferView, prefix: string): void {
  const dir = join(file, '..');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownedAndPrivate(dir)) return;
  } catch {
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
    removeStale(dir, prefix);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // not there
    }
  }
}

/** Cache files (of configuration directories gone, of builds replaced) are removed after this. */
const STALE_MS = 30 * 86_400_000;

/**
 * Removes cache files of one kind not written for {@link STALE_MS} (one in use is written again
 * on its next use) and leftovers of interrupted writes, so the directory does not grow with every
 * configuration directory ever read or every build ever run.
 */
function removeStale(dir: string, prefix: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dir, name);
    try {
      const age = now - statSync(path).mtimeMs;
      if (age > STALE_MS || (name.endsWith('.tmp') && age > 3_600_000)) unlinkSync(path);
    } catch {
      // gone meanwhile
    }
  }
}
