/**
 * dsari-info runs from V8's code cache (issue 15, src/cli/code-cache.ts): the first run of a
 * command writes the compiled code to the user's cache directory, later runs use it; data V8
 * refuses (garbage, another Node.js) is replaced; a directory others may write is neither read nor
 * written; DSARI_CODE_CACHE=off turns it off. Output never changes. On the built CLI.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandKey } from '../../src/cli/code-cache.js';
import { makeTempDir, runCli } from '../helpers/index.js';
import { makeInfoFixture, type InfoFixture } from '../info/setup.js';

describe('commandKey', () => {
  it('is the first two words and the --format, so each command has its own data', () => {
    expect(commandKey(['-c', '/etc/dsari', 'run', 'list', '--job', 'backup', '--format', 'json'])).toBe('run-list-json');
    expect(commandKey(['run', 'list'])).toBe('run-list');
    expect(commandKey(['--config-dir=/x', 'job', 'list', '--format', 'tabular'])).toBe('job-list-tabular');
    expect(commandKey(['--version'])).toBe('main');
    expect(commandKey(['run', 'output', '0c2b2ee4-4b1b-4f62-9d2a-6f1e4a1f2b3c'])).toBe('run-output');
    expect(commandKey(['run', 'list', '--format', '../../x'])).toBe('run-list');
  });
});

describe('the code cache of dsari-info', () => {
  let fx: InfoFixture;
  let tmp: { path: string; cleanup: () => void };
  let cache: string;
  beforeEach(() => {
    fx = makeInfoFixture();
    tmp = makeTempDir('dsari-code-cache-');
    cache = join(tmp.path, 'cache');
  });
  afterEach(() => {
    fx.cleanup();
    tmp.cleanup();
  });

  const codeFiles = (): string[] => {
    try {
      return readdirSync(join(cache, 'dsari')).filter((f) => f.startsWith('code-') && f.endsWith('.v8'));
    } catch {
      return [];
    }
  };
  const list = async (env: Record<string, string> = {}): Promise<string> => {
    const r = await runCli('dsari-info', fx.args('run', 'list', '--format', 'json'), { env: { XDG_CACHE_HOME: cache, ...env } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };

  it('is written by the first run of a command (private), used by the next, and changes nothing printed', async () => {
    const plain = await list({ DSARI_CODE_CACHE: 'off' });
    expect(codeFiles()).toEqual([]);
    expect(await list()).toBe(plain);
    const files = codeFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^code-dsari-info-[0-9a-f]{16}-v\d+\.\d+\.\d+-[a-z0-9]+-run-list-json\.v8$/);
    const file = join(cache, 'dsari', files[0] as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(cache, 'dsari')).mode & 0o777).toBe(0o700);
    const made = readFileSync(file);
    expect(made.length).toBeGreaterThan(10_000);
    const mtime = statSync(file).mtimeMs;
    expect(await list()).toBe(plain);
    // used, not made again
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readFileSync(file).equals(made)).toBe(true);
    // another command gets its own
    const jobs = await runCli('dsari-info', fx.args('job', 'list', '--format', 'tabular'), { env: { XDG_CACHE_HOME: cache } });
    expect(jobs.code).toBe(0);
    expect(codeFiles().some((f) => f.endsWith('-job-list-tabular.v8'))).toBe(true);
  });

  it('replaces data V8 refuses (garbage) and still runs', async () => {
    const plain = await list();
    const file = join(cache, 'dsari', codeFiles()[0] as string);
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 0x5a));
    expect(await list()).toBe(plain);
    const replaced = readFileSync(file);
    expect(replaced.length).toBeGreaterThan(10_000);
    expect(replaced.every((b) => b === 0x5a)).toBe(false);
    writeFileSync(file, 'short');
    expect(await list()).toBe(plain);
    expect(readFileSync(file).length).toBeGreaterThan(10_000);
  });

  it('neither reads nor writes a cache directory others may write', async () => {
    mkdirSync(join(cache, 'dsari'), { recursive: true });
    chmodSync(join(cache, 'dsari'), 0o777);
    const plain = await list();
    expect(codeFiles()).toEqual([]);
    // nor a data file others may write, in a private directory: that one is replaced
    chmodSync(join(cache, 'dsari'), 0o700);
    await list();
    const file = join(cache, 'dsari', codeFiles()[0] as string);
    writeFileSync(file, 'not code');
    chmodSync(file, 0o666);
    expect(await list()).toBe(plain);
    expect(readFileSync(file, 'utf8')).not.toBe('not code');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
