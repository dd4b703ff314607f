/**
 * The notification outbox table (SPEC-BEYOND §12.6) of every backend: its DDL, created with
 * CREATE TABLE IF NOT EXISTS by each store's schema creation, and the insert that puts a
 * finished run's notifications in the same transaction as its record. Rows stay after delivery
 * (state `delivered` / `failed` / `dropped`): they are the run's notification history, removed
 * with the run by retention.
 */
import type { OutboxEntry } from './types.js';

/** The table's name. */
export const NOTIFICATIONS_TABLE = 'dsari_notifications';

/** Columns written by {@link insertNotificationSql}, in order. */
const COLUMNS = 'job_name, run_id, event, notifier, label, created_at, next_attempt, attempts, state, last_error, finished_at';

type Kind = 'sqlite3' | 'postgresql' | 'mysql';

/** The statements creating the table and its indexes, idempotent, for one backend. */
export function notificationsDdl(kind: Kind): string[] {
  const id =
    kind === 'sqlite3' ? 'id INTEGER PRIMARY KEY AUTOINCREMENT' : kind === 'postgresql' ? 'id bigserial PRIMARY KEY' : 'id bigint AUTO_INCREMENT PRIMARY KEY';
  const real = kind === 'sqlite3' ? 'real' : kind === 'postgresql' ? 'double precision' : 'double';
  const str = (n: number): string => (kind === 'sqlite3' ? 'text' : `varchar(${n})`);
  const inline = kind === 'mysql' ? `,\n  INDEX dsari_notifications_due (state, next_attempt),\n  INDEX dsari_notifications_run (run_id)` : '';
  const table = `CREATE TABLE IF NOT EXISTS ${NOTIFICATIONS_TABLE} (
  ${id},
  job_name ${str(255)} NOT NULL,
  run_id ${str(36)} NOT NULL,
  event ${str(32)} NOT NULL,
  notifier ${str(64)} NOT NULL,
  label ${str(255)} NOT NULL,
  created_at ${real} NOT NULL,
  next_attempt ${real} NOT NULL,
  attempts integer NOT NULL,
  state ${str(16)} NOT NULL,
  last_error text,
  finished_at ${real}${inline}
)`;
  if (kind === 'mysql') return [table];
  return [
    table,
    `CREATE INDEX IF NOT EXISTS dsari_notifications_due ON ${NOTIFICATIONS_TABLE} (state, next_attempt)`,
    `CREATE INDEX IF NOT EXISTS dsari_notifications_run ON ${NOTIFICATIONS_TABLE} (run_id)`,
  ];
}

/**
 * Inserts one notification unless the same run already has it for the same notifier (recording
 * a run twice — a journal replayed after a crash — notifies once). Params: {@link notificationParams}.
 */
export function insertNotificationSql(kind: Kind): string {
  const from = kind === 'mysql' ? ' FROM DUAL' : '';
  return `INSERT INTO ${NOTIFICATIONS_TABLE} (${COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, 0, 'pending', NULL, NULL${from}
    WHERE NOT EXISTS (SELECT 1 FROM ${NOTIFICATIONS_TABLE} WHERE run_id = ? AND notifier = ?)`;
}

/** Parameters of {@link insertNotificationSql}. */
export function notificationParams(n: OutboxEntry): unknown[] {
  return [n.jobName, n.runId, n.event, n.notifier, n.label, n.createdAt, n.createdAt, n.runId, n.notifier];
}
