export { loadConfig, freezeConfig, type LoadConfigOptions } from './load.js';
export { splitCommand, joinCommand, quoteWord, CommandSplitError } from './command.js';
export { redactDatabase, redactDsn, redactRawConfig, REDACTED } from './database.js';
export { normalisedConfig, normalisedJobs, normalisedJob, nextScheduledRun } from './dump.js';
export { locateConfig, hasConfig } from './locate.js';
export type * from './types.js';
