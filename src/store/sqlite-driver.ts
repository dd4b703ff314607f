/**
 * Opening a SQLite database with better-sqlite3. Its JavaScript is bundled into the commands
 * (scripts/postbuild.mjs), so that a command loads it from its bundle, already compiled in the
 * code cache of dsari-info (cli/code-cache.ts), instead of resolving and compiling the package's
 * thirteen files (~5 ms of a `dsari-info run list`). Its native addon is loaded from the package
 * by path (`nativeBinding`): better-sqlite3 would otherwise find it with the `bindings` package,
 * which looks for it in a dozen places from a stack trace (~2 ms). An installation where the
 * addon is elsewhere (built for another layout) falls back to that search.
 */
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';

let addonPath: string | null | undefined;

/** Where the package's own build of the addon is, or null to let better-sqlite3 search. */
function nativeBinding(): string | null {
  if (addonPath === undefined) {
    try {
      addonPath = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    } catch {
      addonPath = null;
    }
  }
  return addonPath;
}

/** `new Database(file, options)`, with the addon found as above. */
export function openSqliteDatabase(file: string, options: Database.Options = {}): Database.Database {
  const binding = nativeBinding();
  return new Database(file, binding === null ? options : { ...options, nativeBinding: binding });
}
