import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { cacheFile, readCachedConfig, writeCachedConfig, type CacheKey, type CachedRead } from './cache.js';
import { readConfigDir } from './files.js';
import { deepFreeze, FrozenMap } from './freeze.js';
import type { ScheduleCheck } from './job.js';
import { hasConfig, locateConfig } from './locate.js';
import { scheduleChecker } from './schedule-check.js';
import type { Config } from './types.js';
import { validateConfig } from './validate.js';

export interface LoadConfigOptions {
  /** `-c/--config-dir`; when absent the directory is located per SPEC §2. */
  configDir?: string | undefined;
  /** Environment to read DSARI_HOME/HOME from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where warnings (unknown keys …) are logged, besides Config.warnings. */
  log?: Logger;
  /**
   * How each job's schedule is checked at load.
   * @default compiles it with the schedule module (SPEC §4)
   */
  scheduleCheck?: ScheduleCheck;
  /**
   * Given the writing of the configuration cache (after a read of the files) to do later, e.g.
   * once the daemon is running: it is not needed to use this configuration. @default written at once
   */
  deferCacheWrite?: (write: () => void) => void;
}

/**
 * Locates, reads, merges and validates the configuration (SPEC §2, §3) into a frozen Config.
 * No configuration file at all is an empty configuration (as in the original), with a warning;
 * a `-c` directory that does not exist is an error.
 * @throws ConfigError naming the file, job and key
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const location = locateConfig({ configDir: options.configDir, env });
  const { configDir } = location;
  const explicit = (options.configDir !== undefined && options.configDir !== '') || (env['DSARI_HOME'] ?? '') !== '';
  if (existsSync(configDir) && !statSync(configDir).isDirectory()) {
    throw new ConfigError(`${configDir}: the configuration directory is not a directory`, { file: configDir });
  }
  if (explicit && options.configDir !== undefined && options.configDir !== '' && !existsSync(configDir)) {
    throw new ConfigError(`${configDir}: the configuration directory does not exist`, { file: configDir });
  }
  // The cache stands in for reading and validating only with the standard schedule check.
  const cacheKey: CacheKey = { configDir, defaultDataDir: location.defaultDataDir, tz: env['TZ'] ?? null };
  const cache = options.scheduleCheck === undefined ? cacheFile(configDir, env) : null;
  if (cache !== null) {
    const cached = readCachedConfig(cache, cacheKey);
    if (cached !== null) {
      for (const w of cached.warnings) options.log?.warning(w);
      return freezeWithLazyRaw(cached, () => readConfigDir(configDir).raw);
    }
  }
  const dir = readConfigDir(configDir);
  const readWarnings = [...dir.warnings];
  if (dir.files.length === 0 && !hasConfig(configDir)) {
    readWarnings.push(`no configuration found in ${configDir} (dsari.yaml, dsari.json or config.d): no jobs are defined`);
  }
  const config = validateConfig(dir.raw, {
    configDir,
    defaultDataDir: location.defaultDataDir,
    configD: dir.configD,
    origins: dir.origins,
    files: dir.files,
    readWarnings,
    scheduleCheck: options.scheduleCheck ?? scheduleChecker(),
  });
  for (const w of config.warnings) options.log?.warning(w);
  if (cache !== null) {
    const write = (): void => writeCachedConfig(cache, cacheKey, dir, config);
    if (options.deferCacheWrite) options.deferCacheWrite(write);
    else write();
  }
  return freezeConfig(config);
}

/**
 * A cached configuration frozen like {@link freezeConfig}'s, with `raw` read from the files on
 * first use (only `config dump --raw` wants it).
 */
function freezeWithLazyRaw(cached: CachedRead, readRaw: () => Config['raw']): Config {
  const config: Record<string, unknown> = {
    ...cached,
    jobs: cached.jobs instanceof FrozenMap ? cached.jobs : new FrozenMap(cached.jobs),
    concurrencyGroups: new FrozenMap(cached.concurrencyGroups),
  };
  for (const v of Object.values(config)) deepFreeze(v);
  let raw: Config['raw'] | undefined;
  Object.defineProperty(config, 'raw', { enumerable: true, get: () => (raw ??= deepFreeze(readRaw())) });
  return Object.freeze(config) as unknown as Config;
}

/** The Config deeply frozen, its maps made unchangeable. */
export function freezeConfig(config: Config): Config {
  return deepFreeze({
    ...config,
    jobs: new FrozenMap(config.jobs),
    concurrencyGroups: new FrozenMap(config.concurrencyGroups),
  });
}
