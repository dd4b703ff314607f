/**
 * The policy tables on SQLite (see policy-sql.ts): the statements, run synchronously inside the
 * transactions and lock retries of {@link SqliteStore}, which calls them.
 */
import type Database from 'better-sqlite3';
import type { EpochSeconds } from '../clock.js';
import {
  DELETE_PAUSE_SQL,
  deletePendingSql,
  isMissingTableError,
  lastScheduledSql,
  LIST_PAUSES_SQL,
  LIST_PENDING_SQL,
  mergeLastFires,
  PAUSES_TABLE,
  pauseFromRow,
  pauseParams,
  PENDING_TABLE,
  pendingFromRow,
  pendingParams,
} from './policy-sql.js';
import type { PauseRecord, StoredPendingRun } from './types.js';

/** A pause, unless that job is already paused (params: pauseParams). */
const INSERT_PAUSE_SQL = `INSERT INTO ${PAUSES_TABLE} (job_name, paused_at, paused_by, reason) VALUES (?, ?, ?, ?)
  ON CONFLICT (job_name) DO NOTHING`;
/** A pending run, unless its id is pending, running or finished already (params: pendingParams). */
const INSERT_PENDING_SQL = `INSERT INTO ${PENDING_TABLE} (run_id, job_name, schedule_time, trigger_type, trigger_data, created_at)
  SELECT ?, ?, ?, ?, ?, ?
  WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?) AND NOT EXISTS (SELECT 1 FROM runs_running WHERE run_id = ?)
  ON CONFLICT (run_id) DO NOTHING`;

/** SQLite keeps times as epoch seconds (real). */
function sqliteTime(value: unknown): EpochSeconds | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

const asIs = (t: EpochSeconds): EpochSeconds => t;

/** Synchronous statements on the policy tables, through the store's statement cache. */
export class SqlitePolicyRows {
  constructor(private readonly stmt: (sql: string) => Database.Statement) {}

  private rows(sql: string): Record<string, unknown>[] {
    try {
      return this.stmt(sql).all() as Record<string, unknown>[];
    } catch (err) {
      // a database not upgraded yet: nothing paused, nothing pending (and nothing created)
      if (isMissingTableError(err)) return [];
      throw err;
    }
  }

  /** Stores a pending run unless its id is pending, running or finished. */
  addPending(p: StoredPendingRun): void {
    this.stmt(INSERT_PENDING_SQL).run(...pendingParams(p, asIs));
  }

  /** Deletes a pending run (no-op for undefined or an unknown id). */
  removePending(runId: string | undefined): void {
    if (runId !== undefined) this.stmt(deletePendingSql(1)).run(runId);
  }

  listPending(): StoredPendingRun[] {
    return this.rows(LIST_PENDING_SQL).map((r) => pendingFromRow(r, sqliteTime));
  }

  listPauses(): PauseRecord[] {
    return this.rows(LIST_PAUSES_SQL).map((r) => pauseFromRow(r, sqliteTime));
  }

  addPause(pause: PauseRecord): boolean {
    return this.stmt(INSERT_PAUSE_SQL).run(...pauseParams(pause, asIs)).changes === 1;
  }

  removePause(jobName: string): boolean {
    return this.stmt(DELETE_PAUSE_SQL).run(jobName).changes > 0;
  }

  lastScheduledFires(): Map<string, EpochSeconds> {
    const all = (sql: string): Record<string, unknown>[] => this.stmt(sql).all() as Record<string, unknown>[];
    return mergeLastFires([...all(lastScheduledSql('runs', true)), ...all(lastScheduledSql('runs_running'))], sqliteTime);
  }
}
