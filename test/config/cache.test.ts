/**
 * The parsed-configuration cache (src/config/cache.ts), through the built dsari-info as a user
 * runs it: a second command reads the cache, and anything that changes what the files say (an
 * edit, a config.d file added, removed or made unreadable, another build, DSARI_CONFIG_CACHE=off,
 * a broken or unwritable cache) gives exactly what reading the files gives.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as CacheModule from '../../src/config/cache.js';
import type * as FilesModule from '../../src/config/files.js';
import type * as ValidateModule from '../../src/config/validate.js';
import { DIST_CLI, makeTempDir, runCli, waitFor } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';

describe('configuration cache', () => {
  let tmp: { path: string; cleanup: () => void };
  let etc: string;
  let cacheHome: string;
  const env = (): Record<string, string> => ({ XDG_CACHE_HOME: cacheHome });
  // the configuration cache's files (the directory also holds the commands' code caches, src/cli/code-cache.ts)
  const cacheFiles = (): string[] => (existsSync(join(cacheHome, 'dsari')) ? readdirSync(join(cacheHome, 'dsari')).filter((f) => f.startsWith('config-')) : []);
  const jobs = async (extraEnv: Record<string, string> = {}): Promise<Record<string, Record<string, unknown>>> => {
    const r = await runCli('dsari-info', ['-c', etc, 'job', 'list', '--format', 'json'], { env: { ...env(), ...extraEnv } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
  };

  beforeEach(() => {
    tmp = makeTempDir('dsari-cache-');
    etc = join(tmp.path, 'etc');
    cacheHome = join(tmp.path, 'cache');
    mkdirSync(join(etc, 'config.d'), { recursive: true });
    writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(tmp.path, 'data'))}\njobs:\n  a:\n    command: [echo, one]\n`);
  });
  afterEach(() => {
    chmodSync(tmp.path, 0o700);
    tmp.cleanup();
  });

  it('is written by the first command and read by the next, which prints the same', async () => {
    const first = await jobs();
    expect(cacheFiles()).toHaveLength(1);
    const file = join(cacheHome, 'dsari', cacheFiles()[0] as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { config: { jobs: { rows: unknown[][] } } };
    expect(cached.config.jobs.rows).toHaveLength(1);
    // The cache is what the second command reads: a job planted in it shows (the files are unchanged).
    expect(await jobs()).toEqual(first);
    const planted = JSON.parse(readFileSync(file, 'utf8')) as { config: { jobs: { rows: unknown[][] } } };
    const row = planted.config.jobs.rows[0] as unknown[];
    planted.config.jobs.rows.push(row.map((v) => (v === 'a' ? 'planted' : v)));
    writeFileSync(file, JSON.stringify(planted));
    expect(Object.keys(await jobs())).toEqual(['a', 'planted']);
  });

  it('is written by the daemon once it is running, and again after a reload', async () => {
    const site = new Site('jobs:\n  a:\n    command: [echo, one]\n');
    const d = site.start([], env());
    try {
      await d.waitForOutput(/Scheduler running/);
      const file = await waitFor('the cache file', () => (cacheFiles().length === 1 ? join(cacheHome, 'dsari', cacheFiles()[0] as string) : null));
      const rows = (): unknown[][] => (JSON.parse(readFileSync(file, 'utf8')) as { config: { jobs: { rows: unknown[][] } } }).config.jobs.rows;
      expect(rows()).toHaveLength(1);
      expect(rows()[0]).toContain('a');
      site.writeConfig('jobs:\n  a:\n    command: [echo, one]\n  b:\n    command: [echo, two]\n');
      d.signal('SIGHUP');
      await waitFor('the reloaded configuration in the cache', () => rows().length === 2);
      expect(rows()[1]).toContain('b');
    } finally {
      await d.stop();
      site.cleanup();
    }
  });

  it('is not used after an edit, even one of the same size and time', async () => {
    await jobs();
    const path = join(etc, 'dsari.yaml');
    const before = statSync(path);
    writeFileSync(path, readFileSync(path, 'utf8').replace('one', 'two'));
    const { utimesSync } = await import('node:fs');
    utimesSync(path, before.atime, before.mtime);
    expect((await jobs())['a']?.['command']).toEqual(['echo', 'two']);
  });

  it('is not used when a config.d file is added, removed or becomes unreadable', async () => {
    await jobs();
    writeFileSync(join(etc, 'config.d', 'b.yaml'), 'jobs:\n  b:\n    command: [echo, b]\n');
    expect(Object.keys(await jobs())).toEqual(['a', 'b']);
    writeFileSync(join(etc, 'config.d', 'c.json'), '{"jobs": {"c": {"command": ["echo", "c"]}}}');
    expect(Object.keys(await jobs())).toEqual(['a', 'b', 'c']);
    rmSync(join(etc, 'config.d', 'b.yaml'));
    expect(Object.keys(await jobs())).toEqual(['a', 'c']);
    if (process.getuid?.() !== 0) {
      chmodSync(join(etc, 'config.d', 'c.json'), 0o000);
      const r = await runCli('dsari-info', ['-c', etc, 'job', 'list', '--format', 'json'], { env: env() });
      expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['a']);
      expect(r.stderr).toContain('c.json: skipped: not readable');
    }
  });

  it('prints the warnings of the files again when it is used', async () => {
    writeFileSync(join(etc, 'dsari.yaml'), `${readFileSync(join(etc, 'dsari.yaml'), 'utf8')}bogus_key: 1\n`);
    const first = await runCli('dsari-info', ['-c', etc, 'job', 'list'], { env: env() });
    expect(first.stderr).toContain('bogus_key');
    expect(cacheFiles()).toHaveLength(1);
    const second = await runCli('dsari-info', ['-c', etc, 'job', 'list'], { env: env() });
    expect(second.stderr).toBe(first.stderr);
    expect(second.stdout).toBe(first.stdout);
  });

  it('never holds an error: a broken configuration is reported every time', async () => {
    await jobs();
    writeFileSync(join(etc, 'config.d', 'bad.yaml'), 'jobs:\n  b:\n    command: [echo\n');
    for (let i = 0; i < 2; i++) {
      const r = await runCli('dsari-info', ['-c', etc, 'job', 'list'], { env: env() });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('config.d/bad.yaml');
    }
  });

  it('is ignored when broken or from another build, and not written with DSARI_CONFIG_CACHE=off', async () => {
    const first = await jobs({ DSARI_CONFIG_CACHE: 'off' });
    expect(cacheFiles()).toEqual([]);
    await jobs();
    const file = join(cacheHome, 'dsari', cacheFiles()[0] as string);
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { build: string; config: { jobs: { rows: unknown[][] } } };
    cached.build = 'another build';
    cached.config.jobs.rows.length = 0;
    writeFileSync(file, JSON.stringify(cached));
    expect(await jobs()).toEqual(first);
    writeFileSync(file, '{"format": 1, "build": ');
    expect(await jobs()).toEqual(first);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 1 });
  });

  it('does not stand in the way when the cache directory cannot be written', async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: a file where the directory should be stops it instead.
      mkdirSync(cacheHome, { recursive: true });
      writeFileSync(join(cacheHome, 'dsari'), 'not a directory');
    } else {
      mkdirSync(cacheHome, { recursive: true });
      chmodSync(cacheHome, 0o500);
    }
    const r = await runCli('dsari-info', ['-c', etc, 'job', 'list', '--format', 'json'], { env: env() });
    expect(r.stderr).toBe('');
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['a']);
    chmodSync(cacheHome, 0o700);
  });

  it('is not used, nor written, where others could write it', async () => {
    await jobs();
    const dir = join(cacheHome, 'dsari');
    const file = join(dir, cacheFiles()[0] as string);
    const planted = JSON.parse(readFileSync(file, 'utf8')) as { config: { jobs: { rows: unknown[][] } } };
    planted.config.jobs.rows.push((planted.config.jobs.rows[0] as unknown[]).map((v) => (v === 'a' ? 'planted' : v)));
    writeFileSync(file, JSON.stringify(planted));
    expect(Object.keys(await jobs())).toEqual(['a', 'planted']);
    // A cache file others may write is a configuration anyone could have written: not used.
    chmodSync(file, 0o622);
    expect(Object.keys(await jobs())).toEqual(['a']);
    // Nor one in a directory others may write (its file could be replaced); nothing is written there.
    writeFileSync(file, JSON.stringify(planted));
    chmodSync(file, 0o600);
    expect(Object.keys(await jobs())).toEqual(['a', 'planted']);
    chmodSync(dir, 0o777);
    expect(Object.keys(await jobs())).toEqual(['a']);
    rmSync(file);
    await jobs();
    expect(cacheFiles()).toEqual([]);
    chmodSync(dir, 0o700);
  });

  it('records what was read, so a file changed while it was being read makes the cache miss', async () => {
    // The built modules (the cache is only on in a build): read, change the file, then cache
    // what was read, as a command does when an edit lands between its read and its write.
    const dist = (f: string): string => join(DIST_CLI, '..', f);
    const { readConfigDir } = (await import(dist('config/files.js'))) as typeof FilesModule;
    const { validateConfig } = (await import(dist('config/validate.js'))) as typeof ValidateModule;
    const cache = (await import(dist('config/cache.js'))) as typeof CacheModule;
    writeFileSync(join(etc, 'config.d', 'b.yaml'), 'jobs:\n  b:\n    command: [echo, b]\n');
    const key = { configDir: etc, defaultDataDir: join(tmp.path, 'var'), tz: null };
    const file = join(cacheHome, 'dsari', 'config-test.json');
    const readAndCache = (between: () => void): void => {
      const dir = readConfigDir(etc);
      between();
      const config = validateConfig(dir.raw, { configDir: etc, defaultDataDir: key.defaultDataDir, configD: dir.configD, origins: dir.origins, files: dir.files });
      cache.writeCachedConfig(file, key, dir, config);
    };
    readAndCache(() => undefined);
    expect([...(cache.readCachedConfig(file, key)?.jobs.keys() ?? [])]).toEqual(['a', 'b']);
    readAndCache(() => writeFileSync(join(etc, 'dsari.yaml'), readFileSync(join(etc, 'dsari.yaml'), 'utf8').replace('one', 'two')));
    expect(cache.readCachedConfig(file, key)).toBeNull();
    readAndCache(() => writeFileSync(join(etc, 'config.d', 'c.yaml'), 'jobs:\n  c:\n    command: [echo, c]\n'));
    expect(cache.readCachedConfig(file, key)).toBeNull();
    readAndCache(() => undefined);
    expect([...(cache.readCachedConfig(file, key)?.jobs.keys() ?? [])]).toEqual(['a', 'b', 'c']);
  });

  it('removes cache files not written for 30 days when it writes one', async () => {
    const dir = join(cacheHome, 'dsari');
    mkdirSync(dir, { recursive: true });
    const old = join(dir, 'config-0123456789abcdef0123456789abcdef.json');
    const recent = join(dir, 'config-fedcba9876543210fedcba9876543210.json');
    writeFileSync(old, '{}');
    writeFileSync(recent, '{}');
    const { utimesSync } = await import('node:fs');
    const days = (n: number): Date => new Date(Date.now() - n * 86_400_000);
    utimesSync(old, days(31), days(31));
    utimesSync(recent, days(29), days(29));
    await jobs();
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(cacheFiles()).toHaveLength(2);
  });

  it('gives config dump --raw the files as they are', async () => {
    const raw = await runCli('dsari-info', ['-c', etc, 'config', 'dump', '--raw'], { env: { ...env(), DSARI_CONFIG_CACHE: 'off' } });
    await jobs();
    const cachedRaw = await runCli('dsari-info', ['-c', etc, 'config', 'dump', '--raw'], { env: env() });
    expect(cachedRaw.stdout).toBe(raw.stdout);
    expect(cachedRaw.stdout).toContain('"echo"');
  });
});
