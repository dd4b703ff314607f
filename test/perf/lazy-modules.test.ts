/**
 * Each command loads only the modules it uses (issue 15): a database driver, the template
 * engine, the RRULE library, the YAML writer or the REPL that a command does not need is not
 * loaded at all. Asserted on the built CLI, with a preloaded module that lists at exit what the
 * process loaded; the positive cases show the listing sees a package when it is used.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/index.js';
import { makeInfoFixture, type InfoFixture } from '../info/setup.js';

const PRELOAD = new URL('./fixtures/loaded-modules.mjs', import.meta.url).href;

interface Loaded {
  packages: Set<string>;
  builtins: Set<string>;
}

/** Runs `bin args` and returns the packages (node_modules names) and built-ins it loaded. */
async function loadedBy(dir: string, bin: string, args: readonly string[]): Promise<Loaded> {
  const file = join(dir, `loaded-${Math.random().toString(36).slice(2)}.json`);
  const r = await runCli(bin, args, { env: { NODE_OPTIONS: `--import ${PRELOAD}`, DSARI_LOADED_MODULES: file } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { cjs, builtin } = JSON.parse(readFileSync(file, 'utf8')) as { cjs: string[]; builtin: string[] };
  const packages = new Set(cjs.flatMap((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1] ?? []));
  const builtins = new Set(builtin.flatMap((b) => /^NativeModule (.+)$/.exec(b)?.[1] ?? []));
  return { packages, builtins };
}

const NOT_FOR_READERS = ['yaml', 'rrule', 'nunjucks', 'pg', 'mysql2'];

describe('modules loaded by a command', () => {
  let fx: InfoFixture;
  let tmp: { path: string; cleanup: () => void };
  beforeEach(() => {
    fx = makeInfoFixture();
    tmp = makeTempDir('dsari-lazy-');
  });
  afterEach(() => {
    fx.cleanup();
    tmp.cleanup();
  });

  it('dsari-info run list (SQLite, json) loads better-sqlite3 and no driver, template engine, RRULE, YAML writer or REPL', async () => {
    const l = await loadedBy(tmp.path, 'dsari-info', fx.args('run', 'list', '--format', 'json'));
    expect(l.packages.has('better-sqlite3')).toBe(true);
    for (const p of NOT_FOR_READERS) expect(l.packages.has(p), p).toBe(false);
    expect(l.builtins.has('repl')).toBe(false);
    // the output readers (zlib, xz through a child process) are loaded by `run output` only, and
    // commander's child_process (executable subcommands, unused) on first use
    for (const b of ['zlib', 'child_process', 'fs/promises']) expect(l.builtins.has(b), b).toBe(false);
  });

  it('dsari-info run show and --version load no output reader; --version no database driver', async () => {
    const show = await loadedBy(tmp.path, 'dsari-info', fx.args('run', 'show', '--help'));
    for (const b of ['zlib', 'child_process']) expect(show.builtins.has(b), b).toBe(false);
    const version = await loadedBy(tmp.path, 'dsari-info', ['--version']);
    expect(version.packages.has('better-sqlite3')).toBe(false);
    for (const b of ['zlib', 'child_process']) expect(version.builtins.has(b), b).toBe(false);
  });

  it('but run output loads them when it needs them: an xz output runs xz as a child process', async () => {
    const id = 'aaaaaaaa-0000-4000-8000-000000000001';
    fx.writeOutput('backup', id, 'output.txt.xz', execFileSync('xz', ['-c'], { input: 'compressed output\n' }));
    const out = await loadedBy(tmp.path, 'dsari-info', fx.args('run', 'output', id));
    expect(out.builtins.has('child_process')).toBe(true);
  });

  it('dsari-info job list loads no template engine, RRULE (cron schedules only), YAML writer or driver', async () => {
    const l = await loadedBy(tmp.path, 'dsari-info', fx.args('job', 'list', '--format', 'tabular'));
    for (const p of NOT_FOR_READERS) expect(l.packages.has(p), p).toBe(false);
  });

  it('dsari schedule with a cron expression loads no database driver, configuration reader or report code', async () => {
    const l = await loadedBy(tmp.path, 'dsari', ['schedule', 'H 3 * * 1-5', '--job', 'backup', '-n', '5']);
    for (const p of ['better-sqlite3', 'js-yaml', ...NOT_FOR_READERS]) expect(l.packages.has(p), p).toBe(false);
    expect(l.builtins.has('repl')).toBe(false);
  });

  it('but loads what is used: rrule for an RRULE, yaml for --format yaml', async () => {
    const rrule = await loadedBy(tmp.path, 'dsari', ['schedule', 'RRULE:FREQ=DAILY', '--job', 'backup', '-n', '2']);
    expect(rrule.packages.has('rrule')).toBe(true);
    const yaml = await loadedBy(tmp.path, 'dsari-info', fx.args('run', 'list', '--format', 'yaml'));
    expect(yaml.packages.has('yaml')).toBe(true);
  });
});
