/**
 * The run store's side of retention: a job's runs from the oldest in pages, what protects runs,
 * and removing rows (the run and its notifications in one transaction).
 */
import { NOTIFICATIONS_TABLE } from '../store/notifications-table.js';
import type { SqlRunner } from '../store/types.js';
import type { JobFacts, RunFacts } from './plan.js';

/** Ids per DELETE statement; every statement has exactly this many (SQLite caches one shape). */
export const DELETE_CHUNK = 50;

/** Names of the jobs that have finished runs. */
export async function jobsWithRuns(sql: SqlRunner): Promise<string[]> {
  return (await sql.query('SELECT DISTINCT job_name FROM runs')).map((r) => String(r['job_name'])).sort();
}

/** What protects a job's runs. */
export async function jobFacts(sql: SqlRunner, jobName: string): Promise<JobFacts> {
  const count = await sql.query('SELECT COUNT(*) AS n FROM runs WHERE job_name = ?', [jobName]);
  const newest = await sql.query('SELECT run_id FROM runs WHERE job_name = ? ORDER BY stop_time DESC, run_id DESC LIMIT 1', [jobName]);
  const failed = await sql.query('SELECT run_id FROM runs WHERE job_name = ? AND exit_code <> 0 ORDER BY stop_time DESC, run_id DESC LIMIT 1', [jobName]);
  const running = await sql.query('SELECT run_id FROM runs_running WHERE job_name = ?', [jobName]);
  return {
    total: Number(count[0]?.['n'] ?? 0),
    newestId: newest[0] === undefined ? null : String(newest[0]['run_id']),
    lastFailedId: failed[0] === undefined ? null : String(failed[0]['run_id']),
    running: new Set(running.map((r) => String(r['run_id']))),
  };
}

/** Up to `limit` finished runs of a job after `after` in (stop_time, run_id) order. */
export async function runsPage(sql: SqlRunner, jobName: string, after: RunFacts | null, limit: number): Promise<RunFacts[]> {
  const n = Math.trunc(limit);
  const rows =
    after === null
      ? await sql.query(`SELECT run_id, stop_time FROM runs WHERE job_name = ? AND stop_time IS NOT NULL ORDER BY stop_time, run_id LIMIT ${n}`, [jobName])
      : await sql.query(
          `SELECT run_id, stop_time FROM runs WHERE job_name = ? AND (stop_time > ? OR (stop_time = ? AND run_id > ?)) ORDER BY stop_time, run_id LIMIT ${n}`,
          [jobName, sql.encodeTime(after.stopTime), sql.encodeTime(after.stopTime), after.runId],
        );
  return rows.map((r) => ({ runId: String(r['run_id']), stopTime: sql.decodeTime(r['stop_time']) ?? 0 }));
}

/** Finished runs of a job that stopped in [from, to), in pages (for compression). */
export async function runsStoppedBetween(sql: SqlRunner, jobName: string, from: number | null, to: number, after: RunFacts | null, limit: number): Promise<RunFacts[]> {
  const params: unknown[] = [jobName, sql.encodeTime(to)];
  let where = 'job_name = ? AND stop_time < ?';
  if (from !== null) {
    where += ' AND stop_time >= ?';
    params.push(sql.encodeTime(from));
  }
  if (after !== null) {
    where += ' AND (stop_time > ? OR (stop_time = ? AND run_id > ?))';
    params.push(sql.encodeTime(after.stopTime), sql.encodeTime(after.stopTime), after.runId);
  }
  const rows = await sql.query(`SELECT run_id, stop_time FROM runs WHERE ${where} ORDER BY stop_time, run_id LIMIT ${Math.trunc(limit)}`, params);
  return rows.map((r) => ({ runId: String(r['run_id']), stopTime: sql.decodeTime(r['stop_time']) ?? 0 }));
}

/** Removes the rows of these runs and their notifications, in one transaction. */
export async function deleteRuns(sql: SqlRunner, runIds: readonly string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  const statements: { sql: string; params: string[] }[] = [];
  const marks = Array.from({ length: DELETE_CHUNK }, () => '?').join(', ');
  for (let i = 0; i < runIds.length; i += DELETE_CHUNK) {
    const chunk = runIds.slice(i, i + DELETE_CHUNK);
    // padded with its last id: one statement shape whatever the count
    const ids = [...chunk, ...Array.from({ length: DELETE_CHUNK - chunk.length }, () => chunk[chunk.length - 1]!)];
    statements.push({ sql: `DELETE FROM runs WHERE run_id IN (${marks})`, params: ids });
    statements.push({ sql: `DELETE FROM ${NOTIFICATIONS_TABLE} WHERE run_id IN (${marks})`, params: ids });
  }
  // Not synced: a deletion a crash undoes is done again by the next pass (the files are gone first).
  const changed = await sql.batch(statements, { durable: false });
  return changed.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
}
