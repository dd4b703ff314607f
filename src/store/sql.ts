/**
 * SQL shared by the three backends. Statements are written with `?` placeholders (PostgreSQL's
 * client turns them into `$n`); what differs between backends — how a time is written and how
 * the difference of two times is computed — comes from a {@link SqlDialect}.
 */
import type { EpochSeconds } from '../clock.js';
import type { JobSummary, RunQuery, RunRecord, ScanOrder } from './types.js';

export interface SqlDialect {
  /** A time as a statement parameter. */
  encodeTime(t: EpochSeconds): unknown;
  /** SQL for (a − b) in seconds, a and b being time columns. */
  diffSeconds(a: string, b: string): string;
}

export const RUNNING_COLUMNS = 'job_name, run_id, schedule_time, start_time, trigger_type, trigger_data, run_data';
export const FINISHED_COLUMNS =
  'job_name, run_id, schedule_time, start_time, stop_time, exit_code, trigger_type, trigger_data, run_data';

/** An index of ours: `sqliteColumns`, where given, are its columns in SQLite instead. */
export interface IndexDefinition {
  readonly name: string;
  readonly table: string;
  readonly columns: string;
  readonly sqliteColumns?: string;
}

/** Indexes added to the original's tables (names are ours; creating them is idempotent). */
export const INDEXES: readonly IndexDefinition[] = [
  // latest / latest good runs of a job; runs of a job by stop time
  { name: 'dsari_runs_job_exit_stop', table: 'runs', columns: 'job_name, exit_code, stop_time, run_id' },
  // In SQLite it holds every column (the rows of a job in one place): a job page lists all of a
  // job's runs, and a job's rows are spread over the whole table, one page read each (4,000 runs:
  // ~4,000 pages, ~90 here). PostgreSQL and MySQL cannot index long texts, so theirs stays narrow.
  {
    name: 'dsari_runs_job_stop',
    table: 'runs',
    columns: 'job_name, stop_time, run_id',
    sqliteColumns: 'job_name, stop_time, run_id, schedule_time, start_time, exit_code, trigger_type, trigger_data, run_data',
  },
  // runs of a job by start time (job pages, dsari-info --job); also covers the per-job sums,
  // durations and latencies so that those read the index, not the rows with their JSON
  { name: 'dsari_runs_job_start', table: 'runs', columns: 'job_name, start_time, run_id, stop_time, schedule_time, exit_code' },
  // latest runs overall; incremental rendering (stop_time > x); migration paging
  { name: 'dsari_runs_stop', table: 'runs', columns: 'stop_time, run_id' },
  { name: 'dsari_runs_start', table: 'runs', columns: 'start_time, run_id' },
  // Covering index of the exporter's aggregates (jobSummaries, durations, latencies): they read
  // the index alone instead of every row (1M runs: summary 7 s → 0.5 s). Added by the info area.
  { name: 'dsari_runs_job_times', table: 'runs', columns: 'job_name, exit_code, stop_time, start_time, schedule_time' },
  // the last scheduled fire of every job (catch-up, SPEC-BEYOND §12.1), from the index alone
  { name: 'dsari_runs_sched_fires', table: 'runs', columns: 'trigger_type, job_name, schedule_time' },
];

export interface Statement {
  sql: string;
  params: unknown[];
}

function inList(column: string, values: readonly string[], params: unknown[]): string {
  params.push(...values);
  return `${column} IN (${values.map(() => '?').join(', ')})`;
}

/**
 * SELECT of one table for {@link RunQuery}, ordered and limited like the final result, so that
 * merging the two tables' results needs only the first `limit` rows of each (O(log n + limit)
 * with the indexes).
 */
export function selectForQuery(
  table: 'runs' | 'runs_running',
  q: RunQuery,
  dialect: SqlDialect,
  runIds?: readonly string[],
): Statement {
  const params: unknown[] = [];
  const where = namesWhere(q, params, runIds);
  if (q.after !== undefined && q.orderBy !== 'stop_time') {
    const col = q.orderBy ?? 'start_time';
    const op = q.order === 'asc' ? '>' : '<';
    // the leading range lets every backend use the (…, start_time, run_id) indexes
    where.push(`${col} ${op}= ? AND (${col} ${op} ? OR run_id ${op} ?)`);
    params.push(dialect.encodeTime(q.after.time), dialect.encodeTime(q.after.time), q.after.runId);
  }
  if (table === 'runs') {
    if (q.succeededOnly) where.push('exit_code = 0');
    if (q.failedOnly) where.push('exit_code <> 0');
    if (q.stoppedAfter !== undefined) {
      where.push('stop_time > ?');
      params.push(dialect.encodeTime(q.stoppedAfter));
    }
  }
  const dir = q.order === 'asc' ? 'ASC' : 'DESC';
  const key = q.orderBy ?? 'start_time';
  const order = table === 'runs_running' && key === 'stop_time' ? `run_id ${dir}` : `${key} ${dir}, run_id ${dir}`;
  let sql = `SELECT ${table === 'runs' ? FINISHED_COLUMNS : RUNNING_COLUMNS} FROM ${table}`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  sql += ` ORDER BY ${order}`;
  if (q.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(Math.max(0, Math.floor(q.limit)));
  }
  return { sql, params };
}

/** The conditions on job names and run ids of a query (their values pushed onto `params`). */
function namesWhere(q: Pick<RunQuery, 'jobNames' | 'runIds'>, params: unknown[], runIds?: readonly string[]): string[] {
  const where: string[] = [];
  if (q.jobNames && q.jobNames.length > 0) where.push(inList('job_name', q.jobNames, params));
  const ids = runIds ?? q.runIds;
  if (ids && ids.length > 0) where.push(inList('run_id', ids, params));
  return where;
}

const SCAN_ORDER: Readonly<Record<ScanOrder, string>> = {
  run_id: 'run_id',
  start_time_asc: 'start_time, run_id',
  start_time_desc: 'start_time DESC, run_id',
};

/** SELECT of finished runs for {@link RunStore.scanFinished}. */
export function scanFinishedSql(q: Pick<RunQuery, 'jobNames' | 'runIds'>, order: ScanOrder): Statement {
  const params: unknown[] = [];
  const where = namesWhere(q, params);
  return {
    sql: `SELECT ${FINISHED_COLUMNS} FROM runs${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${SCAN_ORDER[order]}`,
    params,
  };
}

/** Whether a query reads runs_running / runs at all. */
export function queryTables(q: RunQuery): { running: boolean; finished: boolean } {
  const filtersFinishedOnly = q.failedOnly === true || q.succeededOnly === true || q.stoppedAfter !== undefined;
  return {
    running: (q.includeRunning ?? true) && !filtersFinishedOnly,
    finished: q.includeFinished ?? true,
  };
}

function sortValue(r: RunRecord, key: 'start_time' | 'stop_time' | 'schedule_time'): number {
  if (key === 'start_time') return r.startTime;
  if (key === 'schedule_time') return r.scheduleTime;
  return r.stopTime ?? Number.POSITIVE_INFINITY;
}

/** The order of {@link RunQuery}: key, then run id, both in the query's direction. */
export function compareForQuery(q: RunQuery): (a: RunRecord, b: RunRecord) => number {
  const key = q.orderBy ?? 'start_time';
  const sign = q.order === 'asc' ? 1 : -1;
  return (a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va !== vb) return va < vb ? -sign : sign;
    if (a.runId === b.runId) return 0;
    return a.runId < b.runId ? -sign : sign;
  };
}

/** Merges the two tables' results of a query into its final order and limit. */
export function mergeForQuery(q: RunQuery, running: RunRecord[], finished: RunRecord[]): RunRecord[] {
  const all = [...running, ...finished].sort(compareForQuery(q));
  return q.limit !== undefined ? all.slice(0, Math.max(0, Math.floor(q.limit))) : all;
}

/** Per-job aggregates, computed by the database (no row is sent to the client). */
export function summarySql(dialect: SqlDialect): string {
  return `SELECT job_name,
      COUNT(*) AS run_count,
      SUM(CASE WHEN exit_code = 0 THEN 1 ELSE 0 END) AS success_count,
      SUM(${dialect.diffSeconds('stop_time', 'start_time')}) AS duration_sum,
      SUM(${dialect.diffSeconds('start_time', 'schedule_time')}) AS latency_sum
    FROM runs GROUP BY job_name ORDER BY job_name`;
}

export const LAST_RUN_SQL = `SELECT ${FINISHED_COLUMNS} FROM runs WHERE job_name = ? ORDER BY stop_time DESC, run_id DESC LIMIT 1`;
export const LAST_GOOD_SQL = `SELECT ${FINISHED_COLUMNS} FROM runs WHERE job_name = ? AND exit_code = 0 ORDER BY stop_time DESC, run_id DESC LIMIT 1`;
/**
 * Latest failed run. `<>` cannot use an index; first the job's latest 100 runs are looked at
 * (cheap when failures are frequent), then {@link LAST_BAD_RANGE_SQL} (two index ranges: cheap
 * when failures are rare).
 */
export const LAST_BAD_RECENT_SQL = `SELECT * FROM (SELECT ${FINISHED_COLUMNS} FROM runs WHERE job_name = ? ORDER BY stop_time DESC, run_id DESC LIMIT 100) recent WHERE exit_code <> 0 ORDER BY stop_time DESC, run_id DESC LIMIT 1`;
export const LAST_BAD_RANGE_SQL = `SELECT ${FINISHED_COLUMNS} FROM runs WHERE job_name = ? AND (exit_code > 0 OR exit_code < 0) ORDER BY stop_time DESC, run_id DESC LIMIT 1`;

/** Sorted durations or latencies of a job, computed and sorted by the database. */
export function differencesSql(dialect: SqlDialect, a: string, b: string): string {
  return `SELECT ${dialect.diffSeconds(a, b)} AS v FROM runs WHERE job_name = ? AND ${a} IS NOT NULL AND ${b} IS NOT NULL ORDER BY v`;
}

/** Keyset pages over runs in (stop_time, run_id) order. */
export const PAGE_FIRST_SQL = `SELECT ${FINISHED_COLUMNS} FROM runs WHERE stop_time IS NOT NULL ORDER BY stop_time, run_id LIMIT ?`;
// the leading `stop_time >= ?` lets every backend use the (stop_time, run_id) index for the range
export const PAGE_NEXT_SQL = `SELECT ${FINISHED_COLUMNS} FROM runs WHERE stop_time >= ? AND (stop_time > ? OR run_id > ?) ORDER BY stop_time, run_id LIMIT ?`;
export const PAGE_NULL_STOP_SQL = `SELECT ${FINISHED_COLUMNS} FROM runs WHERE stop_time IS NULL ORDER BY run_id`;

/** Default page size of iterateFinished. */
export const DEFAULT_PAGE_SIZE = 1000;

/** A row of {@link summarySql}. */
export interface SummaryRow {
  job_name: unknown;
  run_count: unknown;
  success_count: unknown;
  duration_sum: unknown;
  latency_sum: unknown;
}

/** The counting part of a {@link JobSummary}, from a row of {@link summarySql}. */
export function summaryCounts(r: SummaryRow): Omit<JobSummary, 'lastRun' | 'lastSuccessfulRun'> {
  const runCount = Number(r.run_count);
  const successCount = Number(r.success_count ?? 0);
  return {
    jobName: String(r.job_name),
    runCount,
    successCount,
    failureCount: runCount - successCount,
    durationSum: Number(r.duration_sum ?? 0),
    latencySum: Number(r.latency_sum ?? 0),
  };
}
