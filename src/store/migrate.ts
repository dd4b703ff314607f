/**
 * Copying run records between databases (`dsari migrate`): every finished and running run, in
 * batches, idempotently (a run id already in the destination is left alone), so a second run
 * copies nothing and an interrupted one can simply be run again.
 */
import { existsSync } from 'node:fs';
import type { DatabaseConfig } from '../config/types.js';
import { StoreError, errorMessage } from '../errors.js';
import { mysqlConnectionFromUri, mysqlStore } from './mysql.js';
import { StoreUnavailableError } from './network.js';
import { postgresqlStore } from './postgresql.js';
import { describeMysql, redactDsn } from './redact.js';
import { SqliteStore } from './sqlite.js';
import type { FinishedRun, RunningRun, RunStore } from './types.js';

/**
 * A `--from`/`--to` argument → database configuration: `postgresql://…`/`postgres://…` or a
 * libpq `key=value …` string, `mysql://user:pass@host:port/db`, else a SQLite file path.
 */
export function databaseFromSpec(spec: string): DatabaseConfig {
  if (/^postgres(ql)?:\/\//i.test(spec)) return { type: 'postgresql', dsn: spec };
  if (/^mysql:\/\//i.test(spec)) {
    try {
      return { type: 'mysql', connection: mysqlConnectionFromUri(spec) };
    } catch (err) {
      throw new StoreError(`cannot read MySQL URI ${redactDsn(spec)}: ${errorMessage(err)}`, { cause: err });
    }
  }
  if (/^\s*[A-Za-z_]+\s*=/.test(spec)) return { type: 'postgresql', dsn: spec };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) throw new StoreError(`unsupported database URI ${redactDsn(spec)}: use postgresql://, mysql:// or a SQLite file path`);
  return { type: 'sqlite3', file: spec };
}

/** How a database is named in messages (no password). */
export function describeDatabase(db: DatabaseConfig): string {
  if (db.type === 'sqlite3') return db.file;
  if (db.type === 'postgresql') return redactDsn(db.dsn);
  return `mysql://${describeMysql(db.connection)}`;
}

/** A store for migration: no journal (an unreachable server is an error at once). */
export function storeForMigration(db: DatabaseConfig, role: 'source' | 'destination'): RunStore {
  if (db.type === 'sqlite3') {
    if (role === 'source' && !existsSync(db.file)) throw new StoreError(`source SQLite database ${db.file} does not exist`);
    return new SqliteStore(db.file);
  }
  if (db.type === 'postgresql') return postgresqlStore(db.dsn);
  return mysqlStore(db.connection);
}

export interface CopyResult {
  finishedCopied: number;
  finishedPresent: number;
  runningCopied: number;
  runningPresent: number;
  /** Runs the destination refused (e.g. a run id that is not a UUID for PostgreSQL). */
  refused: { runId: string; reason: string }[];
}

export interface CopyOptions {
  /** Runs per transaction. @default 1000 */
  batchSize?: number;
  onProgress?: (copiedOrPresent: number) => void;
}

function importer<T>(fn: ((runs: readonly T[]) => Promise<number>) | undefined, what: string): (runs: readonly T[]) => Promise<number> {
  if (!fn) throw new StoreError(`this store cannot bulk-copy ${what}`);
  return fn;
}

/** Copies a batch; if the destination refuses it, copies run by run to find the bad ones. */
async function copyBatch<T extends RunningRun>(
  runs: readonly T[],
  insert: (runs: readonly T[]) => Promise<number>,
  refused: CopyResult['refused'],
): Promise<number> {
  try {
    return await insert(runs);
  } catch (err) {
    if (err instanceof StoreUnavailableError || runs.length === 1) {
      if (runs.length === 1 && !(err instanceof StoreUnavailableError)) {
        refused.push({ runId: runs[0]!.runId, reason: errorMessage(err) });
        return 0;
      }
      throw err;
    }
  }
  let n = 0;
  for (const run of runs) n += await copyBatch([run], insert, refused);
  return n;
}

/** Copies every run record from `from` to `to` (both open). */
export async function copyRuns(from: RunStore, to: RunStore, options: CopyOptions = {}): Promise<CopyResult> {
  const batchSize = options.batchSize ?? 1000;
  const insertFinished = importer(to.importFinished?.bind(to), 'finished runs');
  const insertRunning = importer(to.importRunning?.bind(to), 'running runs');
  const result: CopyResult = { finishedCopied: 0, finishedPresent: 0, runningCopied: 0, runningPresent: 0, refused: [] };
  let done = 0;
  for await (const page of from.iterateFinished(batchSize)) {
    const before = result.refused.length;
    const n = await copyBatch<FinishedRun>(page, insertFinished, result.refused);
    result.finishedCopied += n;
    result.finishedPresent += page.length - n - (result.refused.length - before);
    done += page.length;
    options.onProgress?.(done);
  }
  const running = await from.listRunning();
  for (let i = 0; i < running.length; i += batchSize) {
    const batch = running.slice(i, i + batchSize);
    const before = result.refused.length;
    const n = await copyBatch<RunningRun>(batch, insertRunning, result.refused);
    result.runningCopied += n;
    result.runningPresent += batch.length - n - (result.refused.length - before);
  }
  return result;
}
