import { loadConfig, type LoadConfigOptions } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { makeTempDir, writeTree } from '../helpers/index.js';

export interface Loaded {
  config: Config;
  dir: string;
}

/** Temp directories made by these helpers, removed by {@link cleanupTemp}. */
const temps: Array<() => void> = [];

export function cleanupTemp(): void {
  while (temps.length > 0) temps.pop()?.();
}

/** A fresh temp directory holding `files` (relative path → content); returns its path. */
export function tempTree(files: Record<string, string> = {}): string {
  const t = makeTempDir('dsari-config-');
  temps.push(t.cleanup);
  writeTree(t.path, files);
  return t.path;
}

/** Loads a configuration directory made of `files`, with a HOME inside the temp dir. */
export function loadFiles(files: Record<string, string>, options: Omit<LoadConfigOptions, 'configDir'> = {}): Loaded {
  const dir = tempTree(files);
  const config = loadConfig({ configDir: dir, env: { HOME: `${dir}/home` }, ...options });
  return { config, dir };
}

/** Loads a single dsari.yaml. */
export function loadYaml(text: string, options: Omit<LoadConfigOptions, 'configDir'> = {}): Config {
  return loadFiles({ 'dsari.yaml': text }, options).config;
}

/** The message of the error thrown by `fn`, or a failure marker. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return '(no error)';
}
