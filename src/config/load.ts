import { NotImplementedError } from '../cli/common.js';
import type { Logger } from '../log.js';
import type { Config } from './types.js';

export interface LoadConfigOptions {
  /** `-c/--config-dir`; when absent the directory is located per SPEC §2. */
  configDir?: string | undefined;
  /** Environment to read DSARI_HOME/HOME from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where warnings (unknown keys …) are logged, besides Config.warnings. */
  log?: Logger;
}

/**
 * Locates, reads, merges and validates the configuration (SPEC §2, §3) into a frozen Config.
 * @throws ConfigError naming the file, job and key
 */
export function loadConfig(_options: LoadConfigOptions = {}): Config {
  throw new NotImplementedError('configuration loading');
}
