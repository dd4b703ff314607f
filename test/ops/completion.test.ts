/**
 * `dsari completion bash|zsh|fish` (SPEC-BEYOND §16): each script loaded into the real shell
 * and asked for completions — commands, options, option values, job names from the
 * configuration and run ids from the database — through a `dsari` on PATH, as a user has it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../../src/log.js';
import { createStore } from '../../src/store/index.js';
import { DIST_CLI, makeTempDir, runCli } from '../helpers/index.js';

let tmp: { path: string; cleanup: () => void };
let etc: string;
let bin: string;
const RUNS = ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002', 'cccccccc-0000-4000-8000-000000000003'];

beforeAll(async () => {
  tmp = makeTempDir('dsari-completion-');
  etc = join(tmp.path, 'etc');
  const data = join(tmp.path, 'var');
  mkdirSync(etc, { recursive: true });
  mkdirSync(data, { recursive: true });
  writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(data)}\njobs:\n  backup:\n    command: /bin/true\n  build:\n    command: /bin/true\n  report:\n    command: /bin/true\n`);
  const store = createStore({ type: 'sqlite3', file: join(data, 'dsari.sqlite3') }, { log: new Logger({ sink: new MemorySink() }) });
  await store.open();
  for (const [i, runId] of RUNS.entries()) {
    await store.finishRun({ jobName: i === 0 ? 'backup' : 'build', runId, scheduleTime: 1000 + i, startTime: 1000 + i, stopTime: 1001 + i, exitCode: i, triggerType: 'schedule', triggerData: {}, runData: {} });
  }
  await store.close();
  // `dsari` on PATH, as after npm install -g.
  bin = join(tmp.path, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'dsari'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(DIST_CLI, 'dsari.js'))} "$@"\n`);
  chmodSync(join(bin, 'dsari'), 0o755);
});
afterAll(() => tmp.cleanup());

/** A shell that is not installed skips its test, except in CI (.ci/run installs it). */
function missing(program: string): boolean {
  return process.env['CI'] !== 'true' && spawnSync(program, ['--version']).error !== undefined;
}

function shell(program: string, args: string[], script: string): string {
  const r = spawnSync(program, [...args, script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, HOME: tmp.path, DSARI_HOME: '' }, timeout: 120_000 });
  if (r.error) throw r.error;
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Each case's COMPREPLY from bash, after loading `dsari completion bash`. */
function bashComplete(cases: string[][]): string[][] {
  const script = [
    'source <(dsari completion bash)',
    'complete -p dsari dsari-info dsari-daemon',
    't() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _dsari_complete; printf "%s\\n" "${COMPREPLY[@]}"; echo ---; }',
    ...cases.map((words) => `t ${words.map(q).join(' ')}`),
  ].join('\n');
  const out = shell('bash', ['-c'], script).split('\n');
  expect(out.slice(0, 3)).toEqual(['complete -F _dsari_complete dsari', 'complete -F _dsari_complete dsari-info', 'complete -F _dsari_complete dsari-daemon']);
  const results: string[][] = [];
  let current: string[] = [];
  for (const line of out.slice(3)) {
    if (line === '---') {
      results.push(current.filter((l) => l !== ''));
      current = [];
    } else current.push(line);
  }
  return results;
}

describe('dsari completion bash, in a real bash', () => {
  it('completes commands, options, values, job names and run ids', () => {
    const cases: Array<[string[], (r: string[]) => void]> = [
      [['dsari', ''], (r) => expect(r).toEqual(['daemon', 'info', 'render', 'prometheus-exporter', 'trigger', 'schedule', 'migrate', 'pause', 'resume', 'doctor', 'completion', 'prune', 'simulate', 'token'])],
      [['dsari', 'in'], (r) => expect(r).toEqual(['info'])],
      [['dsari', 'info', 'j'], (r) => expect(r).toEqual(['job'])],
      [['dsari', 'info', 'job', 'list', '--'], (r) => expect(r).toEqual(['--job', '--format', '--help', '--version', '--config-dir', '--debug'])],
      [['dsari', '--de'], (r) => expect(r).toEqual(['--debug'])],
      [['dsari', '-c', etc, 'trigger', 'b'], (r) => expect(r).toEqual(['backup', 'build'])],
      [['dsari', '--config-dir', etc, 'trigger', '--at', 'x', ''], (r) => expect(r).toEqual(['backup', 'build', 'report'])],
      [['dsari', 'info', '-c', etc, 'job', 'list', '--job', 'r'], (r) => expect(r).toEqual(['report'])],
      // bash splits `--job=b` at the "=".
      [['dsari', 'info', '-c', etc, 'run', 'list', '--job', '=', 'b'], (r) => expect(r).toEqual(['backup', 'build'])],
      [['dsari', '-c', etc, 'info', 'run', 'output', ''], (r) => expect(r).toEqual([...RUNS].reverse())],
      [['dsari-info', '-c', etc, 'run', 'output', 'bb'], (r) => expect(r).toEqual([RUNS[1]])],
      [['dsari', 'daemon', '--log-format', ''], (r) => expect(r).toEqual(['text', 'json'])],
      [['dsari', 'completion', ''], (r) => expect(r).toEqual(['bash', 'zsh', 'fish'])],
      [['dsari', '-c', join(tmp.path, 'e')], (r) => expect(r).toEqual([etc])],
      // No configuration there: no job names, and not a word on stderr.
      [['dsari', '-c', join(tmp.path, 'nowhere'), 'trigger', ''], (r) => expect(r).toEqual([])],
      [['dsari', 'schedule', '--job', ''], (r) => expect(r).toEqual([])],
    ];
    const results = bashComplete(cases.map(([words]) => words));
    cases.forEach(([words, check], i) => {
      try {
        check(results[i] as string[]);
      } catch (err) {
        throw new Error(`completing ${JSON.stringify(words)}: ${(err as Error).message}`, { cause: err });
      }
    });
  });

  it('an unknown shell is a usage error naming the shells there are', async () => {
    const r = await runCli('dsari', ['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.");
  });

  it('__complete without its "--" is a clear error, not a crash', async () => {
    const r = await runCli('dsari', ['__complete', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsari: usage: __complete INDEX -- WORDS…\n');
  });
});

describe('dsari completion zsh, in a real zsh', () => {
  it.skipIf(missing('zsh'))('registers with compdef and offers the candidates with descriptions', () => {
    const script = [
      'autoload -U compinit && compinit -u -D',
      'source <(dsari completion zsh)',
      'print -r -- "registered: $_comps[dsari] $_comps[dsari-info]"',
      // compadd and _files only work inside a completion widget: stand-ins print what they get.
      'compadd() { print -rl -- "${values[@]}" "${descriptions[@]}"; }',
      '_files() { print -r -- "_files $*"; }',
      `t() { words=("$@"); CURRENT=$#; _dsari_complete; print -- ---; }`,
      't dsari info j',
      `t dsari -c ${q(etc)} trigger b`,
      `t dsari --config-dir=${q(etc)} info run output c`,
      't dsari -c ""',
      't dsari daemon --log-format=j',
    ].join('\n');
    const [head, ...rest] = shell('zsh', ['-f', '-c'], script).split('\n');
    expect(head).toBe('registered: _dsari_complete _dsari_complete');
    expect(rest.join('\n').split('---\n').map((s) => s.trimEnd())).toEqual([
      'job\njob -- information about jobs',
      'backup\nbuild\nbackup -- job\nbuild -- job',
      `${RUNS[2]}\n${RUNS[2]} -- build exit 2`,
      '_files -/',
      '--log-format=json\n--log-format=json',
      '',
    ]);
  });
});

describe('dsari completion fish, in a real fish', () => {
  it.skipIf(missing('fish'))('completes through complete -C', () => {
    const out = shell('fish', ['--no-config', '-c'], [
      'dsari completion fish | source',
      'complete -C "dsari info j"',
      'echo ---',
      `complete -C "dsari -c ${etc} trigger b"`,
      'echo ---',
      `complete -C "dsari-info -c ${etc} run output a"`,
      'echo ---',
      'complete -C "dsari doc"',
    ].join('\n'));
    expect(out.split('---\n').map((s) => s.trimEnd())).toEqual([
      'job\tinformation about jobs',
      'backup\tjob\nbuild\tjob',
      `${RUNS[0]}\tbackup exit 0`,
      'doctor\tcheck the configuration, store, data directory, triggers, time zone and native helpers',
    ]);
  });
});
