/**
 * Where the configuration and the data live (SPEC §2).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The configuration directory and the data directory to use when `data_dir` is not set. */
export interface Location {
  readonly configDir: string;
  readonly defaultDataDir: string;
}

/** True when `dir` contains `dsari.json`, `dsari.yaml` or `config.d` (SPEC §2). */
export function hasConfig(dir: string): boolean {
  return ['dsari.json', 'dsari.yaml', 'config.d'].some((name) => existsSync(join(dir, name)));
}

function homeOf(env: NodeJS.ProcessEnv): string {
  const home = env['HOME'];
  return home !== undefined && home !== '' ? home : homedir();
}

/** The fixed candidates, in order, with the data directory paired with each. */
export function candidateLocations(env: NodeJS.ProcessEnv): Location[] {
  const home = homeOf(env);
  return [
    { configDir: join(home, '.dsari', 'etc'), defaultDataDir: join(home, '.dsari', 'var') },
    { configDir: '/usr/local/etc/dsari', defaultDataDir: '/usr/local/lib/dsari' },
    { configDir: '/etc/dsari', defaultDataDir: '/var/lib/dsari' },
  ];
}

/**
 * Resolves the configuration directory: `-c DIR` if given, else `$DSARI_HOME/etc`, else the
 * first of `~/.dsari/etc`, `/usr/local/etc/dsari`, `/etc/dsari` that has config, else
 * `~/.dsari/etc`. With `-c DIR` the data directory default is `$DSARI_HOME/var` when DSARI_HOME
 * is set, the directory paired with DIR when DIR is one of the standard places, else
 * `~/.dsari/var`.
 */
export function locateConfig(options: { configDir?: string | undefined; env: NodeJS.ProcessEnv }): Location {
  const { env } = options;
  const dsariHome = env['DSARI_HOME'];
  const fromHome: Location | undefined =
    dsariHome !== undefined && dsariHome !== ''
      ? { configDir: resolve(dsariHome, 'etc'), defaultDataDir: resolve(dsariHome, 'var') }
      : undefined;
  const candidates = candidateLocations(env);
  const fallback = candidates[0] as Location;
  if (options.configDir !== undefined && options.configDir !== '') {
    const configDir = resolve(options.configDir);
    if (fromHome) return { configDir, defaultDataDir: fromHome.defaultDataDir };
    const paired = candidates.find((c) => resolve(c.configDir) === configDir);
    return { configDir, defaultDataDir: (paired ?? fallback).defaultDataDir };
  }
  if (fromHome) return fromHome;
  return candidates.find((c) => hasConfig(c.configDir)) ?? fallback;
}
