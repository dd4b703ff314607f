/**
 * Which files make up the configuration and in what order (SPEC §3): `dsari.yaml`, `dsari.json`,
 * then in config.d (default CONFIG_DIR/config.d, or the top-level `config_d`) every readable
 * `*.yaml` file in sorted order, then every `*.json` file in sorted order.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';
import { mergeMappings, Origins } from './merge.js';
import { readConfigFile, type ConfigFileType } from './read.js';
import { describeValue, type RawMapping } from './values.js';

export interface ReadDirResult {
  readonly raw: RawMapping;
  /** Absolute paths, in merge order. */
  readonly files: readonly string[];
  readonly origins: Origins;
  readonly configD: string;
  readonly warnings: readonly string[];
  /** SHA-256 of each file's bytes as read, in the order of `files`. */
  readonly digests: readonly string[];
  /**
   * The *.yaml and *.json entries of config.d as they were looked at: `name` when read, `-name`
   * when skipped as unreadable; sorted; null without a config.d directory.
   */
  readonly configDEntries: readonly string[] | null;
}

/** How messages name a file: relative to the configuration directory when inside it. */
export function fileLabel(configDir: string, file: string): string {
  const rel = relative(configDir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/** A regular file this process may read. */
export function isReadableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** A `*.yaml` or `*.json` entry of config.d, and whether it is a file that can be read. */
export interface ConfigDEntry {
  readonly name: string;
  readonly type: ConfigFileType;
  readonly readable: boolean;
}

/**
 * The configuration entries of config.d in reading order (the `*.yaml` sorted, then the
 * `*.json` sorted), or null when there is no config.d directory.
 * @throws the listing's error when the directory cannot be listed
 */
export function configDEntries(configD: string): ConfigDEntry[] | null {
  if (!existsSync(configD) || !statSync(configD).isDirectory()) return null;
  const names = readdirSync(configD);
  return (['yaml', 'json'] as const).flatMap((type) =>
    names.filter((n) => n.endsWith(`.${type}`)).sort().map((name) => ({ name, type, readable: isReadableFile(join(configD, name)) })),
  );
}

/** The entries as the configuration cache compares them: `name`, or `-name` when unreadable; sorted. */
export function configDSignature(entries: readonly ConfigDEntry[]): string[] {
  return entries.map((e) => (e.readable ? e.name : `-${e.name}`)).sort();
}

/**
 * Reads and merges every configuration file of `configDir`.
 * @throws ConfigError on a syntax error, a bad `config_d`, or an unreadable config.d
 */
export function readConfigDir(configDir: string): ReadDirResult {
  const origins = new Origins();
  const files: string[] = [];
  const digests: string[] = [];
  const warnings: string[] = [];
  let raw: RawMapping = {};

  const add = (path: string, type: ConfigFileType): void => {
    const label = fileLabel(configDir, path);
    const result = readConfigFile(path, type, label);
    warnings.push(...result.warnings);
    origins.add(label, result.value);
    raw = files.length === 0 ? result.value : mergeMappings(raw, result.value);
    files.push(path);
    digests.push(result.sha256);
  };

  for (const [name, type] of [['dsari.yaml', 'yaml'], ['dsari.json', 'json']] as const) {
    const path = join(configDir, name);
    if (existsSync(path)) add(path, type);
  }

  const configDRaw = raw['config_d'];
  let configD = join(configDir, 'config.d');
  if (configDRaw !== undefined) {
    if (typeof configDRaw !== 'string' || configDRaw === '') {
      const file = origins.fileOf(['config_d']);
      throw new ConfigError(`${file === undefined ? '' : `${file}: `}config_d: expected a directory path, found ${describeValue(configDRaw)}`, { file, key: 'config_d' });
    }
    configD = isAbsolute(configDRaw) ? configDRaw : resolve(configDir, configDRaw);
    if (!existsSync(configD)) warnings.push(`${origins.fileOf(['config_d']) ?? ''}: config_d: directory ${configD} does not exist`);
  }

  let entries: ConfigDEntry[] | null;
  try {
    entries = configDEntries(configD);
  } catch (err) {
    throw new ConfigError(`${configD}: cannot list the config.d directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: configD }, { cause: err });
  }
  for (const { name, type, readable } of entries ?? []) {
    const path = join(configD, name);
    if (readable) add(path, type);
    else if (existsSync(path) && !statSync(path).isDirectory()) warnings.push(`${fileLabel(configDir, path)}: skipped: not readable`);
  }
  return { raw, files, origins, configD, warnings, digests, configDEntries: entries === null ? null : configDSignature(entries) };
}
