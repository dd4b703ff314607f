import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NATIVE_ADDON, SPAWN_METHOD_VARIABLE, nativeSpawn, spawnMethod } from '../../src/executor/native.js';
import { processStartTime } from '../../src/executor/proc.js';
import { startRun } from '../../src/executor/spawn.js';
import { readExitStatus } from '../../src/executor/status.js';
import type { RunHandle, RunResult } from '../../src/executor/types.js';
import { ROOT, makeTempDir } from '../helpers/index.js';
import { FakeClock, leftoverProcesses, prepareRun, program, track, waitForOutput } from './support.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('dsari-exec-');
});
afterEach(() => {
  tmp.cleanup();
  expect(leftoverProcesses()).toEqual([]);
});

function start(runId: string, argv: string[], options: { maxExecution?: number; maxExecutionGrace?: number; envExtra?: Record<string, string> } = {}): { handle: RunHandle; runDir: string; env: Record<string, string> } {
  const { runDir, env } = prepareRun(tmp.path, runId, options.envExtra ? { jobEnvironment: options.envExtra } : {});
  const handle = startRun({
    argv,
    env,
    runDir,
    ...(options.maxExecution !== undefined ? { maxExecution: options.maxExecution } : {}),
    ...(options.maxExecutionGrace !== undefined ? { maxExecutionGrace: options.maxExecutionGrace } : {}),
  });
  track(handle.pid);
  return { handle, runDir, env };
}

function output(runDir: string): string {
  return readFileSync(join(runDir, 'output.txt'), 'utf8');
}

function expectTimes(result: RunResult, handle: RunHandle): void {
  expect(result.startTime).toBe(handle.startTime);
  expect(result.stopTime).toBeGreaterThanOrEqual(result.startTime);
  expect(Math.abs(result.startTime - Date.now() / 1000)).toBeLessThan(60);
}

describe('startRun: the RunResult of each way a run ends', () => {
  it('exit 0', async () => {
    const { handle, runDir } = start('r-ok', ['true']);
    expect(handle.pid).toBeGreaterThan(0);
    expect(handle.processStartTime).toBeGreaterThan(0);
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, terminated: false, killed: false, spawnError: null });
    expectTimes(result, handle);
    expect(readExitStatus(runDir)).toBe(0);
    expect(output(runDir)).toBe('');
  });

  it('exit 3', async () => {
    const { handle, runDir } = start('r-3', [program('exit-3')]);
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, terminated: false, killed: false, spawnError: null });
    expectTimes(result, handle);
    expect(output(runDir)).toBe('exiting with 3\n');
    expect(readExitStatus(runDir)).toBe(3);
  });

  it('killed by a signal: 128 + n and the signal name', async () => {
    const { handle, runDir } = start('r-sig', [program('kill-self'), 'KILL']);
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 137, signal: 'SIGKILL', timedOut: false, terminated: false, killed: false, spawnError: null });
    expect(readExitStatus(runDir)).toBe(137);
    const usr = start('r-sig2', [program('kill-self'), 'USR1']);
    expect(await usr.handle.exited).toMatchObject({ exitCode: 138, signal: 'SIGUSR1' });
  });

  it('timed out: SIGTERM at max_execution', async () => {
    const { handle, runDir } = start('r-to', [program('sleep-forever')], { maxExecution: 0.3, maxExecutionGrace: 30 });
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 143, signal: 'SIGTERM', timedOut: true, terminated: false, killed: false, spawnError: null });
    expect(result.stopTime - result.startTime).toBeGreaterThanOrEqual(0.29);
    expect(readExitStatus(runDir)).toBe(143);
    expect(output(runDir)).toContain('started\n');
  });

  it('timed out and ignoring SIGTERM: SIGKILL after max_execution_grace', async () => {
    const { handle, runDir } = start('r-to-kill', [program('ignore-term')], { maxExecution: 0.2, maxExecutionGrace: 0.5 });
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 137, signal: 'SIGKILL', timedOut: true, terminated: false, killed: true, spawnError: null });
    expect(result.stopTime - result.startTime).toBeGreaterThanOrEqual(0.69);
    // The wrapper outlived its command and recorded the status.
    expect(readExitStatus(runDir)).toBe(137);
  });

  it('missing binary: 127, a line in output.txt, no process', async () => {
    const { handle, runDir } = start('r-missing', ['dsari-no-such-command', 'arg']);
    expect(handle.pid).toBeNull();
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 127, signal: null, timedOut: false, terminated: false, killed: false });
    expect(result.spawnError).toMatch(/^command "dsari-no-such-command" not found in PATH=/);
    expect(output(runDir)).toBe(`dsari: cannot start the run: ${result.spawnError}\n`);
    expect(readExitStatus(runDir)).toBe(127);
    const abs = start('r-missing-abs', ['/nonexistent/bin/x']);
    expect((await abs.handle.exited).spawnError).toBe('command "/nonexistent/bin/x" not found');
  });

  it('not executable: 126 and a line in output.txt', async () => {
    const { handle, runDir } = start('r-noexec', [program('not-executable')]);
    const result = await handle.exited;
    expect(result).toMatchObject({ exitCode: 126, signal: null, timedOut: false, killed: false });
    expect(result.spawnError).toBe(`command ${JSON.stringify(program('not-executable'))} is not an executable file`);
    expect(output(runDir)).toContain(result.spawnError ?? '<none>');
    const dir = start('r-dir', ['/tmp']);
    expect(await dir.handle.exited).toMatchObject({ exitCode: 126, spawnError: 'command "/tmp" is not an executable file' });
  });

  it('a non-executable file earlier on PATH is skipped, as execvp does', async () => {
    const bin = join(tmp.path, 'bin');
    const { runDir, env } = prepareRun(tmp.path, 'r-path');
    writeFileSync(join(tmp.path, 'exit-3'), 'not me');
    chmodSync(join(tmp.path, 'exit-3'), 0o644);
    const handle = startRun({ argv: ['exit-3'], env: { ...env, PATH: `${tmp.path}:${bin}:${join(program('exit-3'), '..')}` }, runDir });
    track(handle.pid);
    expect((await handle.exited).exitCode).toBe(3);
  });

  it('searches the command on the run environment PATH, not the daemon PATH', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-runpath');
    const handle = startRun({ argv: ['exit-3'], env: { ...env, PATH: join(program('exit-3'), '..') }, runDir });
    track(handle.pid);
    expect((await handle.exited).exitCode).toBe(3);
  });

  it('a command name that is also a shell builtin runs the program', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-builtin');
    writeFileSync(join(tmp.path, 'echo'), '#!/bin/sh\necho "not the builtin"\n');
    chmodSync(join(tmp.path, 'echo'), 0o755);
    const handle = startRun({ argv: ['echo', 'x'], env: { ...env, PATH: `${tmp.path}:/usr/bin:/bin` }, runDir });
    track(handle.pid);
    await handle.exited;
    expect(output(runDir)).toBe('not the builtin\n');
  });

  it('an unusable working directory: 126', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-cwd');
    const handle = startRun({ argv: ['true'], env, runDir, cwd: join(tmp.path, 'gone') });
    const result = await handle.exited;
    expect(result.exitCode).toBe(126);
    expect(result.spawnError).toMatch(/^working directory .*gone cannot be used: ENOENT$/);
    expect(output(runDir)).toContain('working directory');
  });

  it('an argument or variable that cannot be passed to a process: 126, nothing thrown', async () => {
    const nul = start('r-nul', ['echo', 'a\0b']);
    expect(await nul.handle.exited).toMatchObject({ exitCode: 126, spawnError: 'argument 1 of the command contains a NUL character' });
    const badKey = start('r-badkey', ['true'], { envExtra: { 'A=B': 'x' } });
    expect((await badKey.handle.exited).spawnError).toMatch(/^environment variable "A=B" cannot be passed/);
    expect(output(badKey.runDir)).toMatch(/^dsari: cannot start the run: environment variable "A=B"/);
  });

  it('max_execution 0 means no limit, as in the original', async () => {
    const clock = new FakeClock();
    const { runDir, env } = prepareRun(tmp.path, 'r-max0');
    const handle = startRun({ argv: ['true'], env, runDir, clock, maxExecution: 0 });
    track(handle.pid);
    expect(clock.pending).toBe(0);
    expect((await handle.exited).timedOut).toBe(false);
  });

  it('a missing RUN_DIR: 126 with the reason, nothing thrown', async () => {
    const { env } = prepareRun(tmp.path, 'r-x');
    const handle = startRun({ argv: ['true'], env, runDir: join(tmp.path, 'no-run-dir') });
    const result = await handle.exited;
    expect(result.exitCode).toBe(126);
    expect(result.spawnError).toMatch(/^cannot open .*no-run-dir\/output.txt/);
  });
});

describe('startRun: what the process gets', () => {
  beforeEach(() => {
    process.env['DSARI_TEST_MARKER'] = 'must-not-leak';
  });
  afterEach(() => {
    delete process.env['DSARI_TEST_MARKER'];
  });

  it('exactly the run environment, nothing inherited from the daemon', async () => {
    const { handle, runDir, env } = start('r-env', [program('print-env')], { envExtra: { EXTRA: 'from job' } });
    expect((await handle.exited).exitCode).toBe(0);
    const seen = Object.fromEntries(
      readFileSync(join(runDir, 'env.out'), 'utf8')
        .split('\0')
        .filter((s) => s !== '')
        .map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)]),
    );
    expect(seen).toEqual(env);
    expect(seen['EXTRA']).toBe('from job');
    expect(seen).not.toHaveProperty('DSARI_TEST_MARKER');
  });

  it('stdin is /dev/null, the working directory is PWD', async () => {
    const { handle, runDir } = start('r-stdin', [program('read-stdin')]);
    await handle.exited;
    expect(output(runDir)).toBe(`stdin-bytes=0\ncwd=${runDir}\n`);
    const other = start('r-stdin-pwd', [program('read-stdin')], { envExtra: { PWD: tmp.path } });
    await other.handle.exited;
    expect(output(other.runDir)).toBe(`stdin-bytes=0\ncwd=${tmp.path}\n`);
  });

  it('no descriptor the daemon inherited stays open in the run: each is /dev/null there', async () => {
    // A daemon that inherited a pipe on fd 200 without close-on-exec (as from a supervisor)
    // starts a run. Runs the built dist/ (npm test builds first) in a separate Node process.
    const { runDir, env } = prepareRun(tmp.path, 'r-fds');
    const entry = pathToFileURL(join(ROOT, 'dist', 'executor', 'index.js')).href;
    const script = [
      `import { startRun } from ${JSON.stringify(entry)};`,
      "const argv = ['sh', '-c', 'ls -l /proc/$$/fd'];",
      'const r = await startRun({ argv, env: JSON.parse(process.argv[1]), runDir: process.argv[2] }).exited;',
      'process.exitCode = r.exitCode;',
    ].join('\n');
    const child = spawn('bash', ['-c', 'exec "$0" --input-type=module -e "$1" "$2" "$3" 200>&3 3>&-', process.execPath, script, JSON.stringify(env), runDir], {
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const fds = Object.fromEntries(
      output(runDir)
        .split('\n')
        .filter((l) => l.includes(' -> '))
        .map((l) => /([0-9]+) -> (.*)$/.exec(l)?.slice(1) ?? []),
    );
    expect(fds['1']).toBe(join(runDir, 'output.txt'));
    expect(fds['200']).toBe('/dev/null');
    for (const [fd, target] of Object.entries(fds)) if (Number(fd) > 2) expect(target).toBe('/dev/null');
  });

  it('stdout and stderr interleaved in one file, appended to what is there', async () => {
    const { runDir, env } = prepareRun(tmp.path, 'r-inter');
    writeFileSync(join(runDir, 'output.txt'), 'before\n');
    const handle = startRun({ argv: [program('interleave')], env, runDir });
    track(handle.pid);
    await handle.exited;
    expect(output(runDir)).toBe('before\nout1\nerr1\nout2\nerr2\nout3\nerr3\n');
  });

  it('a run printing a lot does not pass through the daemon memory', async () => {
    const before = process.memoryUsage().rss;
    const { handle, runDir } = start('r-lots', [program('print-lots'), '128']);
    const result = await handle.exited;
    const grown = process.memoryUsage().rss - before;
    expect(result.exitCode).toBe(0);
    expect(statSync(join(runDir, 'output.txt')).size).toBe(128 * 1024 * 1024);
    // No pipe: growth near the output size would mean the output was buffered by us.
    expect(grown).toBeLessThan(32 * 1024 * 1024);
  });

  it('runs in its own session and process group', async () => {
    const { handle, runDir } = start('r-sess', [program('sleep-forever')]);
    await waitForOutput(runDir, 'started');
    const stat = readFileSync(`/proc/${handle.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(fields[2])).toBe(handle.pid); // pgrp
    expect(Number(fields[3])).toBe(handle.pid); // session
    expect(processStartTime(handle.pid ?? 0)).toBe(handle.processStartTime);
    handle.terminate({ graceSeconds: 5 });
    expect(await handle.exited).toMatchObject({ exitCode: 143, terminated: true, timedOut: false, signal: 'SIGTERM' });
    expect(existsSync(join(runDir, '.dsari-exit-status'))).toBe(true);
  });
});

describe('the process starter (native posix_spawn, or child_process)', () => {
  it('is the one this test project asks for; the native one is built wherever CI runs', () => {
    const { method, reason, chosen } = spawnMethod();
    if (process.env[SPAWN_METHOD_VARIABLE] === 'child_process') {
      expect({ method, reason, chosen }).toEqual({ method: 'child_process', reason: 'DSARI_SPAWN=child_process', chosen: true });
    } else if (process.env['CI'] === 'true' || method === 'posix_spawn') {
      // npm install builds it on this machine kind; a CI run without it must not pass quietly.
      expect({ method, reason, chosen }).toEqual({ method: 'posix_spawn', reason: null, chosen: false });
    } else {
      console.warn(`\n*** the native process starter is NOT available (${reason}): these tests ran with child_process only ***\n`);
    }
  });

  it('leaves no signal ignored or blocked in the run (the daemon itself ignores SIGPIPE)', async () => {
    const { handle, runDir } = start('r-sig', ['grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status']);
    expect((await handle.exited).exitCode).toBe(0);
    expect(output(runDir)).toMatch(/^SigBlk:\s*0+\nSigIgn:\s*0+\n$/);
  });

  it('200 runs started at once: each gets its own exit status', async () => {
    const runs = Array.from({ length: 200 }, (_, i) => start(`r-many-${i}`, ['sh', '-c', `exit ${i % 256}`]));
    const results = await Promise.all(runs.map((r) => r.handle.exited));
    expect(results.map((r) => r.exitCode)).toEqual(runs.map((_, i) => i % 256));
    expect(runs.map((r) => readExitStatus(r.runDir))).toEqual(runs.map((_, i) => i % 256));
    expect(new Set(runs.map((r) => r.handle.pid)).size).toBe(200);
  });

  it.runIf(nativeSpawn() !== null)('native: a process that cannot start is an Error with errno, code and syscall', () => {
    const native = nativeSpawn();
    expect(() => native?.spawn('/bin/true', ['/bin/true'], [], join(tmp.path, 'gone'), [], () => undefined)).toThrow(
      expect.objectContaining({ code: 'ENOENT', errno: 2, syscall: 'posix_spawn' }),
    );
    expect(() => native?.spawn('/bin/true', ['a\0b'], [], tmp.path, [], () => undefined)).toThrow(/without null bytes/);
    expect(() => native?.spawn('/bin/true', ['x'], [], tmp.path, [1], () => undefined)).toThrow(/pairs/);
  });

  it.runIf(nativeSpawn() !== null)('native: an exception thrown by an exit callback reaches uncaughtException, and watching goes on', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      `const native = createRequire(import.meta.url)(${JSON.stringify(NATIVE_ADDON)});`,
      "process.on('uncaughtException', (err) => console.log('caught', err.message));",
      "native.spawn('/bin/true', ['/bin/true'], [], '/', [], () => { throw new Error('from onExit'); });",
      "native.spawn('/bin/sh', ['sh', '-c', 'exit 7'], [], '/', [], (code) => console.log('second', code));",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').sort()).toEqual(['', 'caught from onExit', 'second 7']);
  });
});
