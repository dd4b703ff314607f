/**
 * Loading what most commands need from their -c/--debug options: the configuration, a logger
 * and (on demand) the opened run store. Every command goes through here so errors read alike.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { createLogger, type Logger } from '../log.js';
import { createStore } from '../store/index.js';
import type { RunStore } from '../store/types.js';
import type { GlobalOptions } from './common.js';
import { logFormatOf } from './log-format.js';

export interface CliContext {
  readonly config: Config;
  readonly log: Logger;
}

/** Options of a leaf command merged with those of its parents (-c may stand anywhere). */
export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** Loads the configuration for a command. @throws ConfigError */
export function loadContext(cmd: Command): CliContext {
  const opts = globalOptions(cmd);
  // A command with --log-format is a long-running service (log-format.ts).
  const format = logFormatOf(cmd);
  const log = createLogger({ debug: opts.debug === true, ...(format === undefined ? {} : { format, service: true }) });
  const config = loadConfig({ configDir: opts.configDir, log });
  return { config, log };
}

/** Opens the configured run store; the caller closes it. @throws StoreError */
export async function openStore(ctx: CliContext): Promise<RunStore> {
  // Readers never journal or replay writes: the outage journal in DATA_DIR is the daemon's.
  const store = createStore(ctx.config.database, { log: ctx.log, dataDir: ctx.config.dataDir, readOnly: true, reader: true });
  await store.open();
  return store;
}
