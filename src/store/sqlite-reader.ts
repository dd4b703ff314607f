/**
 * Opening a SQLite database for a reader (dsari-info, dsari-render, the exporter), which never
 * writes it: no schema creation, no index creation, no change of journal mode. Creating the
 * indexes on a database written by the original took the first `dsari-info` 2.4–2.6 s on
 * 200,000 runs (issue 15); that is now done by the daemon and by `dsari migrate` (in place).
 *
 * - The file is opened read-only. Tables it lacks (the original's database has no `dsari_*`
 *   tables; a file the daemon has not created yet has none) are created as TEMP tables of the
 *   connection, so every query reads them as empty and nothing reaches the file.
 * - A missing file reads as an empty database (in memory), as a reader always saw it; the file
 *   is not created.
 * - A large database without our indexes still works (slower): the reader says once that the
 *   in-place upgrade would make it faster.
 */
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { Logger } from '../log.js';

/** A table the store reads: its name and its CREATE TABLE statement. */
export interface ReaderTable {
  readonly name: string;
  readonly ddl: string;
}

/** Rows in `runs` from which the missing-index hint is worth giving (below, a scan is quick). */
export const INDEX_HINT_MIN_RUNS = 10_000;

let hinted = false;

/**
 * Opens `file` for reading. `tables`: every table the store queries; `indexes`: the names of
 * the indexes the daemon creates (a missing one gets the hint). Retrying a busy database is the
 * caller's part. @throws the driver's error (SQLITE_BUSY, SQLITE_NOTADB …)
 */
export function openSqliteReader(
  file: string,
  options: { timeout: number; tables: readonly ReaderTable[]; indexes: readonly string[]; log?: Logger | undefined },
): Database.Database {
  const tempDdl = (ddl: string): string => ddl.replace(/^\s*CREATE TABLE/i, 'CREATE TEMP TABLE');
  if (!existsSync(file)) {
    const db = openSqliteDatabase(':memory:');
    for (const t of options.tables) db.exec(tempDdl(t.ddl));
    return db;
  }
  const db = openSqliteDatabase(file, { readonly: true, timeout: options.timeout });
  try {
    // SQLite's own default page cache (2 MB; better-sqlite3 sets 16 MB, and readers here once
    // had 64 MB): what readers read comes from indexes in order (a job's runs from the covering
    // job/stop-time index, the summaries from a scan of another), so pages are not read twice, and
    // a bigger cache only meant new memory for every page read (a page fault per 4 KB: the
    // summaries' scan of 200,000 runs 55 → 24 ms; docs/BENCHMARKS.md).
    db.pragma('cache_size = -2000');
    const names = (type: string): Set<string> =>
      new Set(db.prepare('SELECT name FROM sqlite_master WHERE type = ?').pluck().all(type) as string[]);
    const tables = names('table');
    for (const t of options.tables) if (!tables.has(t.name)) db.exec(tempDdl(t.ddl));
    const indexes = names('index');
    const missing = options.indexes.filter((ix) => !indexes.has(ix));
    if (missing.length > 0 && !hinted && tables.has('runs')) {
      const rows = Number(db.prepare('SELECT max(rowid) FROM runs').pluck().get() ?? 0);
      if (rows >= INDEX_HINT_MIN_RUNS) {
        hinted = true;
        options.log?.info(
          `${file} lacks ${missing.length} of dsari's indexes (a database written by the original?): ` +
            "reading it works but is slower; 'dsari migrate' (without --from/--to) or starting the daemon adds them",
        );
      }
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
