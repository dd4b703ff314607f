/**
 * The in-place upgrade of a database (`dsari migrate` without `--from`/`--to`, and what the
 * daemon does when it opens its store): the tables and indexes a newer dsari uses and the
 * database lacks are created, under the schema lock of the backend (an IMMEDIATE transaction on
 * SQLite, an advisory lock on PostgreSQL, GET_LOCK on MySQL), so that processes starting
 * together take turns. The original's tables are never altered.
 */
import type { DatabaseConfig } from '../config/types.js';
import { mysqlStore } from './mysql.js';
import { postgresqlStore } from './postgresql.js';
import { SqliteStore } from './sqlite.js';

/** A store that can create what its database lacks. */
export interface SchemaUpgrade {
  /**
   * Creates missing tables and indexes under the schema lock; returns what it created, e.g.
   * `["table dsari_pauses", "index dsari_pending_runs_schedule"]` (empty: nothing was missing).
   */
  upgradeSchema(): Promise<string[]>;
}

/** Upgrades the configured database in place and closes it again; returns what was created. */
export async function upgradeDatabase(db: DatabaseConfig): Promise<string[]> {
  const store =
    db.type === 'sqlite3' ? new SqliteStore(db.file) : db.type === 'postgresql' ? postgresqlStore(db.dsn) : mysqlStore(db.connection);
  try {
    return await store.upgradeSchema();
  } finally {
    await store.close();
  }
}
