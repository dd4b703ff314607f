/** Bad input to the built daemon: a specific log line, the daemon keeps running, no record lost. */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, readFileSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, makeTempDir, startProcess } from '../helpers/index.js';
import { json, Site } from './daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

describe('dsari-daemon: bad input', () => {
  it('a missing binary and a non-executable command are recorded (127, 126) and the daemon carries on', async () => {
    site = new Site(`
jobs:
  missing:
    command: /no/such/program --flag
  notexec:
    command: ${JSON.stringify(join('/tmp', 'placeholder'))}
  fine:
    command: /bin/true
`);
    const script = join(site.root, 'script.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    site.writeConfig(`
jobs:
  missing:
    command: /no/such/program --flag
  notexec:
    command: ${JSON.stringify(script)}
  fine:
    command: /bin/true
`);
    const d = await site.startReady();
    site.trigger('missing', {});
    site.trigger('notexec', {});
    site.trigger('fine', {});
    const rows = await site.waitRows(3);
    const byJob = Object.fromEntries(rows.map((r) => [r.job_name, r]));
    expect(byJob['missing']?.exit_code).toBe(127);
    expect(json(byJob['missing']!.run_data)).toMatchObject({ dsari_status: 'failed_to_start', dsari_reason: expect.stringContaining('/no/such/program') });
    expect(byJob['notexec']?.exit_code).toBe(126);
    expect(byJob['fine']?.exit_code).toBe(0);
    await d.waitForOutput(/ERROR: \[missing [0-9a-f-]{36}\] Cannot run \/no\/such\/program --flag: /);
    expect(d.running).toBe(true);
    await d.stop();
  });

  it('odd job names get their runs and directories', async () => {
    const name = 'we ird+job@host:1.0_x-y';
    site = new Site(`
jobs:
  ${JSON.stringify(name)}:
    command: [/bin/sh, -c, 'echo "$JOB_NAME"']
`);
    const d = await site.startReady();
    site.trigger(name, {});
    const [row] = await site.waitRows(1);
    expect(row?.job_name).toBe(name);
    expect(readFileSync(join(site.runDir(name, row!.run_id), 'output.txt'), 'utf8')).toBe(`${name}\n`);
    await d.stop();
  });

  it('return_data: valid is stored, not JSON or 100 MB is logged and the run still recorded', async () => {
    site = new Site(`
jobs:
  good:
    command: [/bin/sh, -c, 'echo "{\\"n\\": 1}" > return_data.json']
  notjson:
    command: [/bin/sh, -c, 'echo "{nope" > return_data.json']
  huge:
    command: [/bin/sh, -c, 'truncate -s 100M return_data.json']
`);
    const d = await site.startReady();
    for (const j of ['good', 'notjson', 'huge']) site.trigger(j, {});
    const rows = await site.waitRows(3);
    const data = Object.fromEntries(rows.map((r) => [r.job_name, json(r.run_data)]));
    expect(data['good']?.['return_data']).toEqual({ n: 1 });
    expect(data['notjson']?.['return_data']).toBeUndefined();
    expect(data['huge']?.['return_data']).toBeUndefined();
    await d.waitForOutput(/WARNING: \[notjson [0-9a-f-]{36}\] return_data ignored: .*return_data\.json/);
    await d.waitForOutput(/WARNING: \[huge [0-9a-f-]{36}\] return_data ignored: .*return_data\.json/);
    expect(rssKb(d.pid)).toBeLessThan(200_000);
    await d.stop();
  });

  it('a run printing 1 GB of output leaves the daemon memory flat and the output complete', async () => {
    // 1 GB as the issue asks (about 2 s of writing here); a machine with little free disk gets a
    // smaller run and says so loudly.
    const free = statfsSync(tmpdir());
    let bytes = 1_000_000_000;
    if (free.bavail * free.bsize < 4 * bytes) {
      bytes = 150_000_000;
      console.warn(`\n!!!!!!!! less than 4 GB free in ${tmpdir()}: the output-volume test writes 150 MB, not 1 GB !!!!!!!!\n`);
    }
    site = new Site(`
jobs:
  loud:
    command: [/bin/sh, -c, 'head -c ${bytes} /dev/zero | tr "\\\\0" x; echo']
`);
    const d = await site.startReady();
    const before = rssKb(d.pid);
    site.trigger('loud', {});
    const [row] = await site.waitRows(1, () => true, 120_000);
    expect(row?.exit_code).toBe(0);
    expect(rssKb(d.pid) - before).toBeLessThan(30_000);
    expect(statSync(join(site.runDir('loud', row!.run_id), 'output.txt')).size).toBe(bytes + 1);
    await d.stop();
  }, 150_000);

  it('stderr closed by its reader (an orphaned daemon): runs are still recorded and the daemon does not spin', async () => {
    site = new Site(`
jobs:
  t:
    command: /bin/true
`);
    const d = await site.startReady();
    d.child.stderr?.destroy(); // the reader goes away: the daemon's next log line gets EPIPE
    site.trigger('t', {});
    await site.waitRows(1);
    site.trigger('t', {});
    await site.waitRows(2);
    // Each failed log write once raised an error that was logged to stderr again, in a loop
    // that took a whole core. Idle, the daemon now uses next to no CPU.
    const cpu = (): number => {
      const f = readFileSync(`/proc/${d.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    };
    const before = cpu();
    await new Promise((r) => setTimeout(r, 3000));
    expect(cpu() - before).toBeLessThan(0.5);
    expect(d.running).toBe(true);
    await d.stop();
    expect(d.exitCode).toBe(0);
  });

  it('an unusable data directory: refuses to start with one line', async () => {
    const tmp = makeTempDir();
    try {
      mkdirSync(join(tmp.path, 'etc'));
      writeFileSync(join(tmp.path, 'blocker'), 'a file, not a directory');
      writeFileSync(join(tmp.path, 'etc', 'dsari.yaml'), `data_dir: ${join(tmp.path, 'blocker', 'var')}\njobs: {}\n`);
      const d = startProcess('dsari-daemon', ['-c', join(tmp.path, 'etc')]);
      await d.exited;
      expect(d.exitCode).toBe(1);
      expect(d.stderr.trim().split('\n')).toHaveLength(1);
      expect(d.stderr).toMatch(/^dsari-daemon: .*blocker\/var/);
    } finally {
      tmp.cleanup();
    }
  });

  it('a corrupt database: refuses to start with one line', async () => {
    site = new Site('jobs: {}\n');
    mkdirSync(site.data, { recursive: true });
    writeFileSync(join(site.data, 'dsari.sqlite3'), 'this is not a database, just text that is long enough '.repeat(100));
    const d = site.start();
    await d.exited;
    expect(d.exitCode).toBe(1);
    expect(d.stderr.trim().split('\n')).toHaveLength(1);
    expect(d.stderr).toMatch(/^dsari-daemon: .*dsari\.sqlite3.*(not a SQLite database|corrupt)/);
  });

  it('a database locked by another process: the run is recorded once the lock is gone', async () => {
    site = new Site(`
jobs:
  t:
    command: /bin/true
`);
    const d = await site.startReady();
    const db = new Database(join(site.data, 'dsari.sqlite3'));
    db.exec('BEGIN EXCLUSIVE');
    site.trigger('t', {});
    await d.waitForOutput('Finished with status 0');
    await d.waitForOutput(/WARNING: \[t [0-9a-f-]{36}\] Still waiting to record the (run as running|finished run) after 2s \(is the database locked by another process\?\)/);
    expect(site.rows()).toEqual([]);
    db.exec('COMMIT');
    db.close();
    await site.waitRows(1);
    expect(d.running).toBe(true);
    await d.stop();
    expect(d.exitCode).toBe(0);
  });
});
