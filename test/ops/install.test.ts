/**
 * Installing as users do (SPEC-BEYOND §16): `npm pack`, then `npm install -g ./dsari-*.tgz` into
 * a fresh prefix, gives working commands, built native addons and `man dsari-daemon`. Slow: the
 * install compiles the addons (and better-sqlite3 where no prebuilt binary can be fetched).
 * Dependencies come from npm's cache (--prefer-offline), which `npm install` filled.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, ManagedProcess, ROOT, waitFor } from '../helpers/index.js';

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; man: string[]; bin: Record<string, string> };

let tmp: { path: string; cleanup: () => void };
let prefix: string;
let env: NodeJS.ProcessEnv;
const started: ManagedProcess[] = [];

function sh(cmd: string, args: string[], options: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: options.cwd ?? tmp.path, env: options.env ?? env, timeout: options.timeout ?? 60_000 });
  if (r.error) throw r.error;
  return r;
}

beforeAll(() => {
  tmp = makeTempDir('dsari-install-');
  prefix = join(tmp.path, 'prefix');
  // The installed commands first on PATH, their pages on MANPATH; nothing of the work tree.
  env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env['PATH'] ?? ''}`, MANPATH: join(prefix, 'share', 'man'), TZ: 'UTC', HOME: tmp.path, npm_config_cache: process.env['npm_config_cache'] ?? join(process.env['HOME'] ?? '/root', '.npm') };
  // --ignore-scripts: `prepare` would rebuild dist/ under the other test files; `npm test` built it.
  const pack = sh('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp.path], { cwd: ROOT, timeout: 120_000 });
  expect(pack.status, pack.stderr).toBe(0);
  const tgz = readdirSync(tmp.path).find((f) => /^dsari-.*\.tgz$/.test(f));
  if (tgz === undefined) throw new Error(`npm pack left no dsari-*.tgz: ${pack.stdout}${pack.stderr}`);
  const install = sh('npm', ['install', '-g', `./${tgz}`, '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund'], { timeout: INSTALL_TIMEOUT_MS });
  expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const d of started) await d.stop('SIGKILL');
  tmp?.cleanup();
});

describe('npm pack + npm install -g on a fresh prefix', () => {
  it('gives every command, each answering --version and --help', () => {
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(Object.keys(pkg.bin).sort());
    for (const bin of Object.keys(pkg.bin)) {
      const v = sh(bin, ['--version']);
      expect(v.stdout, bin).toBe(`${pkg.version}\n`);
      const h = sh(bin, ['--help']);
      expect(h.status, bin).toBe(0);
      expect(h.stdout, bin).toMatch(/^Usage: /);
    }
  });

  it('installs the manual pages: `man dsari-daemon` and every page in package.json "man"', () => {
    expect(readdirSync(join(prefix, 'share', 'man', 'man1')).sort()).toEqual(pkg.man.map((m) => m.replace(/^\.\/man\//, '')).sort());
    const r = sh('man', ['dsari-daemon'], { env: { ...env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/DSARI-DAEMON\(1\)/);
    expect(r.stdout).toMatch(/dsari-daemon - run the dsari scheduler daemon/);
    expect(r.stdout).toContain('--log-format <format>');
    for (const page of pkg.man) {
      const name = page.replace(/^.*\//, '').replace(/\.1$/, '');
      // npm links PREFIX/share/man/man1/NAME.1 to the page in the package; man -w names the target.
      expect(realpathSync(sh('man', ['-w', name]).stdout.trim()), name).toBe(realpathSync(join(prefix, 'share', 'man', 'man1', `${name}.1`)));
    }
  });

  it('builds the native addons at install: doctor finds posix_spawn and the notify addon', () => {
    const etc = join(tmp.path, 'etc-doctor');
    mkdirSync(etc);
    writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(tmp.path, 'var-doctor'))}\njobs: {}\n`);
    const r = sh('dsari', ['doctor', '-c', etc]);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ok +native starter +runs are started with posix_spawn$/m);
    expect(r.stdout).toMatch(/^ok +systemd notify +the notify addon is built$/m);
  });

  it('runs: the installed daemon runs a triggered job that the installed dsari-info lists', async () => {
    const etc = join(tmp.path, 'etc');
    const data = join(tmp.path, 'var');
    mkdirSync(etc);
    writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(data)}\njobs:\n  hello:\n    command: [/bin/echo, hello]\n`);
    const child = spawn(join(prefix, 'bin', 'dsari-daemon'), ['-c', etc, '--log-format', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const d = new ManagedProcess(child);
    started.push(d);
    await d.waitForOutput('"msg":"Scheduler running"', 60_000);
    expect(sh('dsari', ['trigger', '-c', etc, 'hello']).status).toBe(0);
    const list = await waitFor('the run in dsari-info', () => {
      const r = sh('dsari-info', ['-c', etc, 'run', 'list', '--format', 'json']);
      return r.status === 0 && r.stdout.includes('"exit_code": 0') ? r.stdout : false;
    }, { timeoutMs: 60_000 });
    expect(list).toContain('"job_name": "hello"');
    await d.stop('SIGTERM');
    expect(d.exitCode).toBe(0);
  });

  it('the completion script loads into bash', () => {
    const r = sh('bash', ['-c', 'source <(dsari completion bash) && complete -p dsari']);
    expect(r.stdout).toBe('complete -F _dsari_complete dsari\n');
  });
});
