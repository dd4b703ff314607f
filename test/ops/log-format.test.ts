/**
 * `--log-format text|json` and timestamps (SPEC-BEYOND §16): JSON lines with level, msg, job,
 * run_id, pid and exit_code; timestamps by default for the daemon, none when JOURNAL_STREAM names
 * its stderr; an unknown format is a usage error.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger, MemorySink, stderrIsJournal } from '../../src/log.js';
import { DIST_CLI, killLeftovers, makeTempDir, ManagedProcess, ROOT, runCli, waitFor } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('Logger formats', () => {
  it('json: one object per line with level, msg, job, run_id, pid, exit_code where they apply', () => {
    const sink = new MemorySink();
    const log = new Logger({ sink, format: 'json', level: 'debug' });
    log.info('Scheduler running');
    log.child({ job: 'backup', run: 'r1' }).info('Running PID 12: /bin/true', { pid: 12 });
    log.child({ job: 'backup', run: 'r1' }).warning('Finished with status 3 in 0:00:01', { exitCode: 3, pid: 12 });
    log.child({ job: 'backup' }).debug('multi\nline "quoted"\n');
    expect(sink.lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { level: 'info', msg: 'Scheduler running' },
      { level: 'info', msg: 'Running PID 12: /bin/true', job: 'backup', run_id: 'r1', pid: 12 },
      { level: 'warning', msg: 'Finished with status 3 in 0:00:01', job: 'backup', run_id: 'r1', pid: 12, exit_code: 3 },
      { level: 'debug', msg: 'multi\nline "quoted"', job: 'backup' },
    ]);
  });

  it('json with timestamps puts the time first; text keeps the original shape', () => {
    const sink = new MemorySink();
    new Logger({ sink, format: 'json', timestamps: true }).error('x', { exitCode: 1 });
    new Logger({ sink, format: 'text' }).child({ job: 'j', run: 'r' }).info('Finished with status 0', { exitCode: 0, pid: 5 });
    const first = JSON.parse(sink.lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['time', 'level', 'msg', 'exit_code']);
    expect(first['time']).toMatch(ISO);
    expect(sink.lines[1]).toBe('INFO: [j r] Finished with status 0');
  });

  it('stderrIsJournal: true only when JOURNAL_STREAM is the device:inode of that descriptor', () => {
    const tmp = makeTempDir('dsari-journal-');
    const fd = openSync(join(tmp.path, 'stderr'), 'w');
    try {
      const st = fstatSync(fd);
      expect(stderrIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd)).toBe(true);
      expect(stderrIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd)).toBe(false);
      expect(stderrIsJournal({ JOURNAL_STREAM: 'garbage' }, fd)).toBe(false);
      expect(stderrIsJournal({}, fd)).toBe(false);
    } finally {
      closeSync(fd);
      tmp.cleanup();
    }
  });
});

const CONFIG = `
jobs:
  fails:
    command: [/bin/sh, -c, 'exit 3']
`;

/**
 * Starts the built daemon with its stderr in a file, so that JOURNAL_STREAM can name it
 * (`journal: 'stderr'`) the way systemd does, or name another file (`'elsewhere'`).
 */
function startWithStderrFile(args: string[], opts: { journal?: 'stderr' | 'elsewhere' } = {}, name = 'daemon.stderr'): { d: ManagedProcess; file: string } {
  const file = join(site!.root, name);
  const fd = openSync(file, 'w');
  const st = fstatSync(fd);
  const env: Record<string, string> = { TZ: 'UTC' };
  if (opts.journal === 'stderr') env['JOURNAL_STREAM'] = `${st.dev}:${st.ino}`;
  if (opts.journal === 'elsewhere') env['JOURNAL_STREAM'] = `${st.dev}:${st.ino + 1}`;
  const base = { ...process.env };
  delete base['JOURNAL_STREAM'];
  const child = spawn(process.execPath, [join(DIST_CLI, 'dsari-daemon.js'), '-c', site!.etc, ...args], { env: { ...base, ...env }, cwd: ROOT, stdio: ['ignore', 'pipe', fd] });
  closeSync(fd);
  return { d: new ManagedProcess(child), file };
}

async function runOnce(file: string, d: ManagedProcess): Promise<string[]> {
  await waitFor('Scheduler running', () => readFileSync(file, 'utf8').includes('Scheduler running'), { timeoutMs: 30_000 });
  const before = site!.rows().length;
  site!.trigger('fails', {});
  await site!.waitRows(before + 1);
  await d.stop('SIGTERM');
  expect(d.exitCode).toBe(0);
  return readFileSync(file, 'utf8').trimEnd().split('\n');
}

describe('dsari-daemon --log-format', () => {
  it('json: every line is an object; a run\'s lines carry job, run_id, pid and exit_code; stamped by default', async () => {
    site = new Site(CONFIG);
    const { d, file } = startWithStderrFile(['--log-format', 'json']);
    const lines = (await runOnce(file, d)).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) {
      expect(l['time']).toMatch(ISO);
      expect(['debug', 'info', 'warning', 'error']).toContain(l['level']);
      expect(typeof l['msg']).toBe('string');
    }
    const [row] = site.rows();
    const running = lines.find((l) => String(l['msg']).startsWith('Running PID'));
    const finished = lines.find((l) => String(l['msg']).startsWith('Finished with status'));
    expect(running).toMatchObject({ level: 'info', job: 'fails', run_id: row!.run_id, pid: expect.any(Number) });
    expect(finished).toMatchObject({ level: 'info', job: 'fails', run_id: row!.run_id, pid: running!['pid'], exit_code: 3 });
    expect(lines.find((l) => l['msg'] === 'Scheduler running')).toEqual({ time: expect.stringMatching(ISO), level: 'info', msg: 'Scheduler running' });
  });

  it('text: timestamps by default, none when JOURNAL_STREAM names stderr (the journal stamps lines itself)', async () => {
    site = new Site(CONFIG);
    // JOURNAL_STREAM naming some other file (inherited from a parent under systemd) changes nothing.
    const stamped = startWithStderrFile([], { journal: 'elsewhere' });
    for (const l of await runOnce(stamped.file, stamped.d)) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING|ERROR|DEBUG): /);

    const journal = startWithStderrFile(['--log-format', 'text'], { journal: 'stderr' }, 'journal.stderr');
    const lines = await runOnce(journal.file, journal.d);
    for (const l of lines) expect(l).toMatch(/^(INFO|WARNING|ERROR|DEBUG): /);
    expect(lines).toContain('INFO: Scheduler running');
    expect(lines.find((l) => l.includes('Finished with status 3'))).toMatch(/^INFO: \[fails [0-9a-f-]{36}\] Finished with status 3 in /);

    const json = startWithStderrFile(['--log-format', 'json'], { journal: 'stderr' }, 'json.stderr');
    for (const l of await runOnce(json.file, json.d)) expect(Object.keys(JSON.parse(l) as object)[0]).toBe('level');
  });

  it('--log-format xml is a usage error (exit 2) naming the allowed formats', async () => {
    for (const bin of ['dsari-daemon', 'dsari-prometheus-exporter']) {
      const r = await runCli(bin, ['--log-format', 'xml']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("option '--log-format <format>' argument 'xml' is invalid. Allowed choices are text, json.");
    }
  });
});
