/**
 * The parsed-configuration cache (issue 15, docs/configuration.md "Configuration cache").
 *
 * Reading a large configuration is mostly YAML parsing and validation: 10,000 jobs take about
 * half a second, on every `dsari-info` command. A command that has read and validated the
 * configuration writes the result to `$XDG_CACHE_HOME/dsari/` (default `~/.cache/dsari/`), one
 * file per configuration directory; the next command uses it only if it would read exactly the
 * same thing: the same files, byte for byte (SHA-256 of each), the same list of files (which
 * config.d entries there are), the same build of dsari, the same Node.js (its time zone data)
 * and the same environment where the configuration depends on it. Anything else, or any trouble
 * reading or writing the cache, and the configuration is read as without it. Nothing but speed
 * changes: warnings are printed again, errors are never cached (a configuration with an error is
 * read every time), and `config dump --raw` reads the files again.
 *
 * DSARI_CONFIG_CACHE=off turns it off; a build without dist/build-id.txt (tests running the
 * sources) has none. Cache files not written for 30 days are removed when another is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { cacheDir, cacheOff, currentBuild, nodeId, readPrivateFile, writePrivateFile } from './cache-dir.js';
import { configDEntries, configDSignature } from './files.js';
import { FrozenMap } from './freeze.js';
import { bytesDigest } from './read.js';
import type { Config, JobConfig } from './types.js';

/** Bumped when the cache file's shape changes. */
const FORMAT = 1;

/** What decides whether a cached configuration is still the one that would be read. */
export interface CacheKey {
  readonly configDir: string;
  readonly defaultDataDir: string;
  /** The environment the configuration depends on (time zone of schedules without one). */
  readonly tz: string | null;
}

/**
 * What a read of the files saw (config/files.ts): the files, the digests of the bytes it parsed
 * and the config.d entries it looked at. The cache records these, not a second look at the
 * files, so that a file changed while the configuration was being read makes the cache miss.
 */
export interface ReadFiles {
  /** Absolute paths, in merge order. */
  readonly files: readonly string[];
  readonly digests: readonly string[];
  readonly configD: string;
  readonly configDEntries: readonly string[] | null;
}

interface CacheFile {
  readonly format: number;
  readonly build: string;
  readonly node: string;
  readonly key: CacheKey;
  /** [path, SHA-256 of its bytes] in merge order. */
  readonly files: readonly (readonly [string, string])[];
  /** Names in config.d that are configuration files (readable *.yaml, *.json), sorted; null: no config.d. */
  readonly configDEntries: readonly string[] | null;
  /** Which of dsari.yaml, dsari.json exist. */
  readonly topFiles: readonly string[];
  readonly config: CachedConfig;
}

/** The Config without `raw` (read again when asked for), maps as entry lists, jobs as {@link CompactJobs}. */
type CachedConfig = Omit<Config, 'raw' | 'jobs' | 'concurrencyGroups'> & {
  readonly jobs: CompactJobs;
  readonly concurrencyGroups: readonly (readonly [string, unknown])[];
};

/**
 * Jobs without their keys repeated: each distinct list of keys once (`shapes`), each job as the
 * index of its shape followed by its values. A third smaller than objects, and quicker to parse.
 */
interface CompactJobs {
  readonly shapes: readonly (readonly string[])[];
  readonly rows: readonly (readonly unknown[])[];
}

function compactJobs(jobs: Iterable<JobConfig>): CompactJobs {
  const shapes: string[][] = [];
  const shapeIndex = new Map<string, number>();
  const rows: unknown[][] = [];
  for (const job of jobs) {
    const keys = Object.keys(job);
    const id = keys.join('\0');
    let index = shapeIndex.get(id);
    if (index === undefined) {
      index = shapes.length;
      shapes.push(keys);
      shapeIndex.set(id, index);
    }
    const row: unknown[] = [index];
    for (const k of keys) row.push((job as unknown as Record<string, unknown>)[k]);
    rows.push(row);
  }
  return { shapes, rows };
}

function* jobEntries(jobs: readonly JobConfig[]): Generator<[string, JobConfig]> {
  for (const job of jobs) yield [job.name, job];
}

function expandJobs(compact: CompactJobs): JobConfig[] {
  const jobs: JobConfig[] = [];
  for (const row of compact.rows) {
    const keys = compact.shapes[row[0] as number] as readonly string[];
    const job: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) job[keys[i] as string] = row[i + 1];
    jobs.push(job as unknown as JobConfig);
  }
  return jobs;
}

/** The cache file for a configuration directory, or null when caching is off. */
export function cacheFile(configDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return configCacheFile('config', configDir, env);
}

/** The next-runs cache file (next-runs.ts) beside the configuration cache of `configDir`, or null when caching is off. */
export function nextRunsFile(configDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return configCacheFile('next', configDir, env);
}

/** `KIND-HASH.json` of a configuration directory in the cache directory; null when DSARI_CONFIG_CACHE turns it off. */
function configCacheFile(kind: string, configDir: string, env: NodeJS.ProcessEnv): string | null {
  if (cacheOff(env, 'DSARI_CONFIG_CACHE')) return null;
  if (currentBuild() === null) return null;
  const base = cacheDir(env);
  if (base === null) return null;
  return join(base, `${kind}-${createHash('sha256').update(configDir).digest('hex').slice(0, 32)}.json`);
}

function sha256(path: string): string {
  return bytesDigest(readFileSync(path));
}

/** What readConfigDir would see in config.d now ({@link configDSignature}), null without one or when it cannot be listed. */
function configDNow(configD: string): string[] | null {
  try {
    const entries = configDEntries(configD);
    return entries === null ? null : configDSignature(entries);
  } catch {
    return null;
  }
}

function topFiles(configDir: string): string[] {
  return ['dsari.yaml', 'dsari.json'].filter((n) => existsSync(join(configDir, n)));
}

/** A configuration from the cache: everything but `raw`, not yet frozen. */
export type CachedRead = Omit<Config, 'raw'>;

/** The cached configuration for `key`, if the cache holds one that reading the files now would give; else null. */
export function readCachedConfig(file: string, key: CacheKey): CachedRead | null {
  let cached: CacheFile;
  try {
    const bytes = readPrivateFile(file);
    if (bytes === null) return null;
    cached = JSON.parse(bytes.toString('utf8')) as CacheFile;
  } catch {
    return null;
  }
  try {
    if (cached.format !== FORMAT || cached.build !== currentBuild() || cached.node !== nodeId()) return null;
    if (!isDeepStrictEqual(cached.key, key)) return null;
    if (!isDeepStrictEqual(cached.topFiles, topFiles(key.configDir))) return null;
    if (!isDeepStrictEqual(cached.configDEntries, configDNow(cached.config.configD))) return null;
    for (const [path, hash] of cached.files) if (sha256(path) !== hash) return null;
  } catch {
    return null;
  }
  const { jobs, concurrencyGroups, ...rest } = cached.config;
  return {
    ...rest,
    // the map the configuration keeps (load.ts freezes it as it is: one map of 10,000 jobs, not two)
    jobs: new FrozenMap(jobEntries(expandJobs(jobs))),
    concurrencyGroups: new Map(concurrencyGroups),
  } as CachedRead;
}

/**
 * Writes `config` (as validated, before freezing) to the cache. Quietly does nothing when the
 * cache cannot be written, or when the configuration holds something JSON would not give back.
 */
export function writeCachedConfig(file: string, key: CacheKey, read: ReadFiles, config: Config): void {
  try {
    const { raw: _raw, jobs, concurrencyGroups, ...rest } = config;
    const cachedConfig: CachedConfig = { ...rest, jobs: compactJobs(jobs.values()), concurrencyGroups: [...concurrencyGroups] };
    const data: CacheFile = {
      format: FORMAT,
      build: currentBuild() ?? '',
      node: nodeId(),
      key,
      files: read.files.map((f, i) => [f, read.digests[i] as string] as const),
      configDEntries: read.configDEntries,
      topFiles: ['dsari.yaml', 'dsari.json'].filter((n) => read.files.includes(join(key.configDir, n))),
      config: cachedConfig,
    };
    // Only what JSON gives back unchanged is cached: plain objects, arrays, strings, finite
    // numbers, booleans and null (a configuration holding anything else is not cached at all).
    writePrivateFile(file, JSON.stringify(data, jsonExact), 'config-');
  } catch {
    // no cache: the next command reads the files
  }
}


/** A JSON.stringify replacer that throws on anything JSON.parse would not give back as it was. */
function jsonExact(this: unknown, _key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) throw new TypeError('not exact in JSON');
      return value;
    case 'object': {
      if (value === null) return value;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (Array.isArray(value) ? proto === Array.prototype && Object.keys(value).length === value.length : proto === Object.prototype || proto === null) {
        return value;
      }
      throw new TypeError('not exact in JSON');
    }
    default:
      throw new TypeError('not exact in JSON');
  }
}

