import { join } from 'node:path';
import type { DatabaseConfig } from '../config/types.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../log.js';
import { SqliteStore } from './sqlite.js';
import { JournaledStore } from './journal.js';
import { mysqlStore } from './mysql.js';
import type { ServerStore } from './network.js';
import { postgresqlStore } from './postgresql.js';
import type { RunStore } from './types.js';

export type * from './types.js';
export { StoreError };
export { SqliteStore } from './sqlite.js';
export { JournaledStore } from './journal.js';
export { ServerStore, StoreUnavailableError } from './network.js';
export { redactDsn } from './redact.js';

export interface OpenStoreOptions {
  log: Logger;
  /** DATA_DIR, for the outage journal of network databases. */
  dataDir?: string;
  /**
   * A reader (dsari-info, render, exporter): no outage journal — an unreachable server is an
   * error at once. @default false
   */
  readOnly?: boolean;
  /**
   * Never writes the database, not even tables or indexes it lacks (dsari-info, render, the
   * exporter; issue 15): those are the daemon's and `dsari migrate`'s. @default false
   */
  reader?: boolean;
}

/** File name of the outage journal of PostgreSQL/MySQL stores, in DATA_DIR. */
export const JOURNAL_FILE = 'store-journal.jsonl';

/**
 * A RunStore for the configured database (SPEC §7), not yet opened: call `open()`.
 * PostgreSQL and MySQL stores are wrapped in a journal that keeps writes through an outage.
 */
export function createStore(db: DatabaseConfig, options: OpenStoreOptions): RunStore {
  switch (db.type) {
    case 'sqlite3':
      return new SqliteStore(db.file, { log: options.log, reader: options.reader === true });
    default:
      return createNetworkStore(db, options);
  }
}

function createNetworkStore(db: DatabaseConfig, options: OpenStoreOptions): RunStore {
  let inner: ServerStore;
  const reader = { reader: options.reader === true };
  if (db.type === 'postgresql') inner = postgresqlStore(db.dsn, reader);
  else if (db.type === 'mysql') inner = mysqlStore(db.connection, reader);
  else throw new StoreError(`unknown database type ${(db as { type: string }).type}`);
  if (options.readOnly) return inner;
  return new JournaledStore(inner, {
    log: options.log,
    file: options.dataDir !== undefined ? join(options.dataDir, JOURNAL_FILE) : undefined,
  });
}
