/**
 * Running a bundled command with V8's code cache (issue 15, docs/BENCHMARKS.md). Node 20
 * compiles a command's code afresh at every start: the bundle's source is parsed, and each
 * function is compiled when it is first called (`dsari-info run list`: some 20 ms of its ~90 ms
 * over `node -e 0`). Node 22 can keep that work on disk (module.enableCompileCache); on Node 20
 * this does the same for the bundles that ask for it (scripts/postbuild.mjs):
 *
 * - the bundle (CommonJS) is compiled as a vm.Script with the cached data of an earlier run, if
 *   there is one;
 * - a process that had none, or whose data V8 refused (another Node.js, other V8 flags), writes
 *   the data at exit: then it also holds every function the command compiled.
 *
 * The cache file is `code-NAME-BUILD-NODE-ARCH-COMMAND.v8` in dsari's cache directory
 * (config/cache-dir.ts): one per command ({@link commandKey}), per build of dsari (the id hashes
 * every module of dist/, so a bundle changed by a rebuild never meets data made from another)
 * and per Node.js version; it is used only when it and its
 * directory are the user's alone, and written only there. V8 checks the data itself (its version,
 * flags and the source's length) and refuses what does not fit. DSARI_CODE_CACHE=off turns it off.
 * Nothing but start-up time changes: the bundle runs the same with or without it.
 */
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { readFileSync } from 'node:fs';
import { cacheDir, cacheOff, currentBuild, readPrivateFile, writePrivateFile } from '../config/cache-dir.js';

/**
 * Which command of a bin the arguments ask for, as far as the cache is concerned: their first two
 * words (`run list`, `job list`, `config dump`), and the format asked for with `--format`. The
 * data a run writes holds the functions that command compiled, so each command has its own: one made by `--version` would hold little that
 * `run list` needs. Any words do (a configuration directory named like a word makes one more
 * file, nothing else).
 */
export function commandKey(argv: readonly string[]): string {
  const word = (a: string | undefined): a is string => a !== undefined && /^[a-z][a-z-]{0,23}$/.test(a);
  const words = argv.filter(word).slice(0, 2);
  // A listing's format picks other functions again (`run list` as json or as a table).
  const format = argv.indexOf('--format');
  if (format >= 0 && word(argv[format + 1])) words.push(argv[format + 1] as string);
  return words.length === 0 ? 'main' : words.join('-');
}

/** The code cache file of bundle `name` for `command`, or null when there is none (turned off, not a build, no cache directory). */
export function codeCacheFile(name: string, command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (cacheOff(env, 'DSARI_CODE_CACHE')) return null;
  const build = currentBuild();
  const dir = cacheDir(env);
  if (build === null || dir === null) return null;
  return join(dir, `code-${name}-${build.slice(0, 16)}-${process.version}-${process.arch}-${command}.v8`);
}

/**
 * Runs the CommonJS bundle at `bundle` as Node would run it as a module, compiled with the code
 * cache of `name` (made at exit if missing or refused).
 */
export function runWithCodeCache(bundle: URL, name: string): void {
  const file = fileURLToPath(bundle);
  const text = readFileSync(file, 'utf8');
  // A bundle keeps its entry's `#!` line, which is no JavaScript inside a function.
  const source = text.startsWith('#!') ? `//${text.slice(2)}` : text;
  const cacheFile = codeCacheFile(name, commandKey(process.argv.slice(2)));
  const cached = cacheFile === null ? null : readPrivateFile(cacheFile);
  // The wrapper Node's CommonJS loader puts around a module, on the source's first line so that
  // line numbers in stack traces stay the bundle's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: file,
    ...(cached === null ? {} : { cachedData: cached }),
  });
  if (cacheFile !== null && (cached === null || script.cachedDataRejected === true)) {
    // At exit, so that the data holds the functions this run compiled, not only the top level.
    process.once('exit', () => {
      try {
        writePrivateFile(cacheFile, script.createCachedData(), `code-${name}-`);
      } catch {
        // no cache: the next run compiles as this one did
      }
    });
  }
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  // A module as Node's loader makes it, in the loader's cache: the bundle's own chunks require
  // it back for what they share with it, and must get this one, not a second copy run again.
  const module = new Module(file);
  module.filename = file;
  const require = createRequire(file);
  require.cache[file] = module;
  run.call(module.exports, module.exports, require, module, file, dirname(file));
  module.loaded = true;
}
