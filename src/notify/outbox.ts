/**
 * The outbox table's queries (SPEC-BEYOND §12.6): due notifications, the outcome of an attempt,
 * a run's notification history and the metrics. Rows are written with the run's record by the
 * stores (store/notifications-table.ts); everything else is here.
 */
import { NOTIFICATIONS_TABLE as T } from '../store/notifications-table.js';
import type { SqlRunner } from '../store/types.js';

export type NotificationState = 'pending' | 'delivered' | 'failed' | 'dropped';

export interface NotificationRow {
  readonly id: number;
  readonly jobName: string;
  readonly runId: string;
  readonly event: string;
  readonly notifier: string;
  readonly label: string;
  readonly createdAt: number;
  readonly nextAttempt: number;
  readonly attempts: number;
  readonly state: NotificationState;
  readonly lastError: string | null;
  readonly finishedAt: number | null;
}

const COLUMNS = 'id, job_name, run_id, event, notifier, label, created_at, next_attempt, attempts, state, last_error, finished_at';

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function fromRow(r: Record<string, unknown>): NotificationRow {
  return {
    id: num(r['id']),
    jobName: String(r['job_name']),
    runId: String(r['run_id']),
    event: String(r['event']),
    notifier: String(r['notifier']),
    label: String(r['label']),
    createdAt: num(r['created_at']),
    nextAttempt: num(r['next_attempt']),
    attempts: num(r['attempts']),
    state: String(r['state']) as NotificationState,
    lastError: r['last_error'] === null || r['last_error'] === undefined ? null : String(r['last_error']),
    finishedAt: r['finished_at'] === null || r['finished_at'] === undefined ? null : num(r['finished_at']),
  };
}

/** Pending notifications due at `now`, earliest first. */
export async function dueNotifications(sql: SqlRunner, now: number, limit: number): Promise<NotificationRow[]> {
  const rows = await sql.query(`SELECT ${COLUMNS} FROM ${T} WHERE state = 'pending' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ${Math.trunc(limit)}`, [now]);
  return rows.map(fromRow);
}

/** The earliest next attempt of a pending notification; null when none is pending. */
export async function nextDue(sql: SqlRunner): Promise<number | null> {
  const rows = await sql.query(`SELECT MIN(next_attempt) AS t FROM ${T} WHERE state = 'pending'`);
  const t = rows[0]?.['t'];
  return t === null || t === undefined ? null : num(t);
}

/** Records an attempt: delivered, failed for good, or pending again at `nextAttempt`. */
export async function recordAttempt(
  sql: SqlRunner,
  id: number,
  result: { state: NotificationState; error: string | null; nextAttempt: number; finishedAt: number | null },
): Promise<void> {
  await sql.batch([
    {
      sql: `UPDATE ${T} SET attempts = attempts + 1, state = ?, last_error = ?, next_attempt = ?, finished_at = ? WHERE id = ?`,
      params: [result.state, result.error, result.nextAttempt, result.finishedAt, id],
    },
  ]);
}

/** A run's notifications, oldest first (for `dsari-info run show` and the run page). */
export async function runNotifications(sql: SqlRunner, runId: string): Promise<NotificationRow[]> {
  return (await sql.query(`SELECT ${COLUMNS} FROM ${T} WHERE run_id = ? ORDER BY id`, [runId])).map(fromRow);
}

/**
 * The ids of the runs that have notifications (from the run-id index): a report of 200,000 runs
 * asks once instead of once per run page (most runs have none).
 */
export async function runIdsWithNotifications(sql: SqlRunner): Promise<Set<string>> {
  const rows = await sql.query(`SELECT DISTINCT run_id FROM ${T}`);
  return new Set(rows.map((r) => String(r['run_id'])));
}

/** Pending notifications and notifications given up, for the metrics. */
export async function outboxCounts(sql: SqlRunner): Promise<{ pending: number; failed: number }> {
  const rows = await sql.query(`SELECT state, COUNT(*) AS n FROM ${T} WHERE state IN ('pending', 'failed') GROUP BY state`);
  const out = { pending: 0, failed: 0 };
  for (const r of rows) {
    if (r['state'] === 'pending') out.pending = num(r['n']);
    if (r['state'] === 'failed') out.failed = num(r['n']);
  }
  return out;
}
