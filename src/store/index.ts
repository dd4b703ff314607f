import type { DatabaseConfig } from '../config/types.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../log.js';
import { SqliteStore } from './sqlite.js';
import type { RunStore } from './types.js';

export type * from './types.js';
export { StoreError };
export { SqliteStore } from './sqlite.js';

export interface OpenStoreOptions {
  log: Logger;
  /** DATA_DIR, for the outage journal of network databases. */
  dataDir?: string;
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
      return new SqliteStore(db.file, { log: options.log });
    default:
      return createNetworkStore(db, options);
  }
}

function createNetworkStore(db: DatabaseConfig, _options: OpenStoreOptions): RunStore {
  throw new StoreError(`database type ${db.type} is not built yet`);
}
