import type { EpochSeconds } from '../clock.js';

/**
 * Run records (SPEC §7). One interface, implemented for SQLite, PostgreSQL and MySQL; the same
 * test suite runs against each. Times are UTC epoch seconds with fraction.
 */

/** JSON object stored as text in `trigger_data` / `run_data`. */
export type JsonObject = { [key: string]: unknown };

/** A row of `runs_running`: a run that has started and not yet been recorded as finished. */
export interface RunningRun {
  readonly jobName: string;
  readonly runId: string;
  readonly scheduleTime: EpochSeconds;
  readonly startTime: EpochSeconds;
  /** "schedule" or "file" (or what the original wrote). */
  readonly triggerType: string;
  readonly triggerData: JsonObject;
  /** Extras: pid, hostname, concurrency_group, dsari_status, return_data … */
  readonly runData: JsonObject;
}

/** A row of `runs`. */
export interface FinishedRun extends RunningRun {
  readonly stopTime: EpochSeconds;
  readonly exitCode: number;
}

/** Either kind, as the read side shows them (running: stopTime and exitCode null). */
export interface RunRecord extends RunningRun {
  readonly stopTime: EpochSeconds | null;
  readonly exitCode: number | null;
  readonly running: boolean;
}

export interface RunQuery {
  /** Only these jobs (empty/undefined = all). */
  readonly jobNames?: readonly string[];
  /** Only these run ids (empty/undefined = all). */
  readonly runIds?: readonly string[];
  /** Include rows of runs_running. @default true */
  readonly includeRunning?: boolean;
  /** Include rows of runs. @default true */
  readonly includeFinished?: boolean;
  /** Only finished runs with exit_code != 0. @default false */
  readonly failedOnly?: boolean;
  /** Sort key; running runs sort as if stop_time were +infinity. @default 'start_time' */
  readonly orderBy?: 'start_time' | 'stop_time' | 'schedule_time';
  /** @default 'desc' */
  readonly order?: 'asc' | 'desc';
  readonly limit?: number;
  /** Only runs whose stop_time is > this (finished runs; for incremental rendering). */
  readonly stoppedAfter?: EpochSeconds;
  /** Only finished runs with exit_code = 0. @default false */
  readonly succeededOnly?: boolean;
  /**
   * Keyset paging: only runs that come after this one in the query's order (by `orderBy`, then
   * run id; `orderBy` 'start_time' or 'schedule_time').
   */
  readonly after?: { readonly time: EpochSeconds; readonly runId: string };
}

/** The orders of {@link RunStore.scanFinished}: by run id; by start time, ties by run id ascending. */
export type ScanOrder = 'run_id' | 'start_time_asc' | 'start_time_desc';

/** The previous runs of a job that feed PREVIOUS_*, PREVIOUS_GOOD_*, PREVIOUS_BAD_* (SPEC §6). */
export interface PreviousRuns {
  /** Latest finished run by stop time. */
  readonly last: FinishedRun | null;
  /** Latest with exit code 0. */
  readonly lastGood: FinishedRun | null;
  /** Latest with exit code != 0. */
  readonly lastBad: FinishedRun | null;
}

/** Aggregates per job for reports and the exporter, computed in the database. */
export interface JobSummary {
  readonly jobName: string;
  readonly runCount: number;
  readonly successCount: number;
  readonly failureCount: number;
  readonly durationSum: number;
  readonly latencySum: number;
  readonly lastRun: FinishedRun | null;
  readonly lastSuccessfulRun: FinishedRun | null;
}

/**
 * A pause of one job, or of the whole scheduler (`jobName` {@link PAUSE_ALL}), SPEC-BEYOND §12.4.
 * Kept in the table `dsari_pauses`.
 */
export interface PauseRecord {
  readonly jobName: string;
  readonly pausedAt: EpochSeconds;
  /** A user name or a token name. */
  readonly pausedBy: string;
  readonly reason: string | null;
}

/** The `jobName` of a pause of the whole scheduler (`dsari pause --all`). */
export const PAUSE_ALL = '*';

/**
 * A run that exists but has not started and must outlive the daemon: a retry, an `after` run or
 * an `upstream` run (SPEC-BEYOND §12.3, §12.5). Kept in the table `dsari_pending_runs` until its
 * `running` record is written, which deletes it in the same transaction.
 */
export interface StoredPendingRun {
  readonly runId: string;
  readonly jobName: string;
  readonly scheduleTime: EpochSeconds;
  /** "retry", "after" or "upstream". */
  readonly triggerType: string;
  readonly triggerData: JsonObject;
  readonly createdAt: EpochSeconds;
}

/**
 * One record write, for {@link RunStore.recordBatch}. A `running` write may consume a stored
 * pending run (deleted in the same transaction: a run starts exactly once); a `finished` write
 * may add the pending runs it causes (a retry, dependency runs), in the same transaction, so a
 * crash cannot record the failure and lose its retry.
 */
export type RecordWrite =
  | { readonly kind: 'running'; readonly run: RunningRun; readonly consumesPending?: string | undefined }
  | { readonly kind: 'finished'; readonly run: FinishedRun; readonly addPending?: readonly StoredPendingRun[] | undefined; readonly notifications?: readonly OutboxEntry[] | undefined };

/**
 * A notification to deliver (SPEC-BEYOND §12.6), written to the outbox table in the same
 * transaction as the finished run that caused it.
 */
export interface OutboxEntry {
  readonly jobName: string;
  readonly runId: string;
  /** A NotifyEvent. */
  readonly event: string;
  /** Which notifier delivers it: a fingerprint of its configuration (no secrets). */
  readonly notifier: string;
  /** How the notifier is shown: `command 1 (/usr/bin/page)`, `webhook 2`. */
  readonly label: string;
  /** Epoch seconds. */
  readonly createdAt: EpochSeconds;
}

/**
 * Plain SQL on the store's connection, for the outbox and retention (src/notify, src/retention).
 * `?` placeholders; times of the runs table go through encodeTime/decodeTime.
 */
export interface SqlRunner {
  readonly kind: 'sqlite3' | 'postgresql' | 'mysql';
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Statements in ONE transaction; the rows each changed. `durable: false` (SQLite): the commit
   * is not synced to disk before returning — for work a crash may undo and the next pass redoes
   * (retention), so that it does not hold the event loop for an fsync. @default true
   */
  batch(statements: readonly { readonly sql: string; readonly params: readonly unknown[] }[], options?: { readonly durable?: boolean }): Promise<number[]>;
  encodeTime(t: EpochSeconds): unknown;
  decodeTime(value: unknown): EpochSeconds | null;
}

export interface RunStore {
  /** Backend name: "sqlite3", "postgresql" or "mysql". */
  readonly kind: string;
  /** Connect and create missing tables and indexes. @throws StoreError */
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Record a run as started (row in runs_running). With `consumesPending`, the stored pending run
   * of that id is deleted in the same transaction.
   */
  insertRunning(run: RunningRun, consumesPending?: string): Promise<void>;
  /** Replace run_data of a running run (e.g. once the PID is known). */
  updateRunningData(runId: string, runData: JsonObject): Promise<void>;
  /**
   * Record a run as finished: insert into `runs` and delete from `runs_running` in ONE
   * transaction. Idempotent: recording the same run id twice leaves one row.
   */
  finishRun(run: FinishedRun, addPending?: readonly StoredPendingRun[], notifications?: readonly OutboxEntry[]): Promise<void>;
  /**
   * Optional: several insertRunning / finishRun writes, in order, in ONE transaction (all or
   * nothing). The daemon's recorder uses it to commit a burst of starts and ends together.
   */
  recordBatch?(writes: readonly RecordWrite[]): Promise<void>;

  /** Every row of runs_running. */
  listRunning(): Promise<RunningRun[]>;
  /** A run by id, finished or running; null if unknown. */
  getRun(runId: string): Promise<RunRecord | null>;
  /** Runs matching the query. */
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  /**
   * The finished runs of `query`'s jobs and run ids, one at a time, in `order` as the database
   * sorts it; `visit` returning false stops the scan. Each record is new (nothing is shared between
   * calls) and is not kept by the store, so a caller that keeps only what it prints holds no run
   * in memory (`dsari-info run list`, 4,000 runs: a third of its time was the garbage
   * collector's, moving kept records). The database's order can differ from JavaScript's on odd
   * values (NULL or text in a time column, non-ASCII run ids): a caller that needs JavaScript's
   * order checks it. Only stores that can stream rows have it (SQLite); others are read with
   * {@link listRuns}.
   */
  scanFinished?(query: Pick<RunQuery, 'jobNames' | 'runIds'>, order: ScanOrder, visit: (run: RunRecord) => boolean): Promise<void>;
  previousRuns(jobName: string): Promise<PreviousRuns>;
  /** One summary per job that has finished runs. */
  jobSummaries(): Promise<JobSummary[]>;
  /** Durations (stop − start) of a job's finished runs, ascending. */
  durations(jobName: string): Promise<number[]>;
  /** Latencies (start − schedule) of a job's finished runs, ascending. */
  latencies(jobName: string): Promise<number[]>;
  /** Stream every finished run in (stop_time, run_id) order, in pages (for migration). */
  iterateFinished(pageSize?: number): AsyncIterable<FinishedRun[]>;
  /**
   * Bulk copy (dsari migrate): insert finished runs in one transaction, skipping run ids
   * already in `runs`, and removing them from `runs_running`. Returns how many were inserted.
   */
  importFinished?(runs: readonly FinishedRun[]): Promise<number>;
  /** Bulk copy of running runs, skipping run ids in either table. Returns how many were inserted. */
  importRunning?(runs: readonly RunningRun[]): Promise<number>;

  /** Every pause (empty when the table does not exist yet: a database not upgraded). */
  listPauses(): Promise<PauseRecord[]>;
  /** Stores a pause; false (and nothing changed) when that job (or `*`) is already paused. */
  addPause(pause: PauseRecord): Promise<boolean>;
  /** Removes a pause; false when it was not paused. */
  removePause(jobName: string): Promise<boolean>;
  /** Every stored pending run, by schedule time (empty when the table does not exist yet). */
  listPending(): Promise<StoredPendingRun[]>;
  /** Stores pending runs outside a record write (e.g. the catch-up of dependencies at start). */
  addPending(runs: readonly StoredPendingRun[]): Promise<void>;
  /** Deletes stored pending runs (dropped: a job removed, a pending run cancelled). */
  removePending(runIds: readonly string[]): Promise<void>;
  /**
   * Per job, the latest `schedule_time` of its runs with `trigger_type` "schedule", finished or
   * running (the last scheduled fire, for catch-up, SPEC-BEYOND §12.1).
   */
  lastScheduledFires(): Promise<Map<string, EpochSeconds>>;
  /** Plain SQL on this store (the outbox, retention); absent: neither is available. */
  sqlRunner?(): SqlRunner;
}
