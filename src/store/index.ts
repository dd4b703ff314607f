import { NotImplementedError } from '../cli/common.js';
import type { DatabaseConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { RunStore } from './types.js';

export type * from './types.js';

export interface OpenStoreOptions {
  log: Logger;
  /** DATA_DIR, for the outage journal of network databases. */
  dataDir?: string;
}

/**
 * A RunStore for the configured database (SPEC §7), not yet opened: call `open()`.
 */
export function createStore(_db: DatabaseConfig, _options: OpenStoreOptions): RunStore {
  throw new NotImplementedError('run store');
}
