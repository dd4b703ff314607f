/**
 * Storage faults under the BUILT daemon: the SQLite file locked by another process for ~10 s,
 * the data directory made read-only, and a full disk (a small tmpfs; we run as root). The
 * daemon keeps running, says so ONCE per condition (log lines counted), and writes the records
 * when it can.
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIST_CLI, killLeftovers, ManagedProcess, waitFor } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';

let site: Site | null = null;
const mounts: string[] = [];
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch (err) {
      console.error(`umount ${m}: ${String(err)}`);
    }
  }
  site?.cleanup();
  site = null;
});

/** Mounts a tmpfs of `size` on the site's data directory; false when mounting is not allowed. */
function tmpfsData(s: Site, size: string): boolean {
  mkdirSync(s.data, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', s.data], { stdio: 'pipe' });
  } catch {
    return false;
  }
  mounts.push(s.data);
  return true;
}

function count(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

const isRoot = process.getuid?.() === 0;
const canMount = ((): boolean => {
  try {
    execFileSync('mount', ['--version'], { stdio: 'pipe' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
})();

describe('faults: storage', () => {
  it('the database locked by another process for 10 s while runs finish every second: one warning, every run recorded', async () => {
    site = new Site(`
jobs:
  tick:
    command: /bin/true
    schedule: '* * * * * *'
`);
    const d = await site.startReady();
    await site.waitRows(1);
    const db = new Database(join(site.data, 'dsari.sqlite3'));
    let locked = true;
    const lines0 = d.stderr.split('\n').length - 1;
    try {
      db.exec('BEGIN EXCLUSIVE');
      const started = Date.now();
      await waitFor('10 s of lock', () => Date.now() - started >= 10_000, { timeoutMs: 15_000, intervalMs: 200 });
      db.exec('COMMIT');
      locked = false;
    } finally {
      if (locked) db.exec('ROLLBACK');
      db.close();
    }
    const during = d.stderr.split('\n').slice(lines0).join('\n');
    // One "still waiting" line for the whole outage, not one per run or per second.
    expect(count(during, /Still waiting to record/)).toBe(1);
    expect(count(during, /ERROR/)).toBe(0);
    // Runs went on meanwhile (one per second), and each is recorded once the lock is gone.
    expect(count(during, /Finished with status 0/)).toBeGreaterThanOrEqual(5);
    const finished = count(d.stderr, /Finished with status 0/);
    await waitFor('every finished run recorded', () => site!.rows().length >= finished, { timeoutMs: 20_000 });
    expect(d.running).toBe(true);
    await d.stop();
    expect(d.exitCode).toBe(0);
    const ids = site.rows().map((r) => r.run_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length, d.stderr).toBe(count(d.stderr, /Finished with status 0/));
  }, 60_000);

  it.skipIf(!isRoot)('the data directory made read-only while runs go on (daemon as an unprivileged user): it carries on, logs once, runs again when writable', async () => {
    site = new Site(`
jobs:
  tick:
    command: [/bin/sh, -c, 'echo hi']
    schedule: '* * * * * *'
`);
    mkdirSync(site.data, { recursive: true });
    execFileSync('chown', ['-R', '65534:65534', site.root]);
    // Root ignores permissions: the daemon runs as nobody, so a read-only directory is one.
    const d = new ManagedProcess(
      spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(DIST_CLI, 'dsari-daemon.js'), '-c', site.etc], {
        env: { ...process.env, TZ: 'UTC' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await d.waitForOutput('Scheduler running', 30_000);
    await site.waitRows(2);
    const lines0 = d.stderr.split('\n').length - 1;
    execFileSync('chmod', ['-R', 'a-w', site.data]);
    const roAt = Date.now();
    await waitFor('10 s read-only', () => Date.now() - roAt >= 10_000, { timeoutMs: 15_000, intervalMs: 200 });
    const during = d.stderr.split('\n').slice(lines0);
    execFileSync('chmod', ['-R', 'u+w', site.data]);
    expect(d.running).toBe(true);
    const errors = during.filter((l) => /ERROR|WARNING/.test(l));
    expect(errors, d.stderr).toHaveLength(1);
    // Meanwhile each run was still recorded (exit 126, failed_to_start), none lost.
    expect(site.rows().filter((r) => r.exit_code === 126).length).toBeGreaterThanOrEqual(5);
    expect(d.stderr).toMatch(/ERROR: \[tick [0-9a-f-]{36}\] Cannot start the run: cannot create the run directory .*EACCES.*further runs failing the same way/);
    const ok = site.rows().filter((r) => r.exit_code === 0).length;
    await waitFor('runs succeed again', () => site!.rows().filter((r) => r.exit_code === 0).length > ok + 2, { timeoutMs: 20_000 });
    expect(d.stderr).toContain('INFO: Run directories can be created again');
    await d.stop();
    expect(d.exitCode).toBe(0);
  }, 60_000);

  it.skipIf(!canMount)('a full disk (4 MB tmpfs filled by a run): the daemon carries on, and records runs once space is back', async () => {
    site = new Site(`
jobs:
  fill:
    command: [/bin/sh, -c, 'head -c 100000000 /dev/zero > big; echo exit $?']
  tick:
    command: /bin/true
    schedule: '* * * * * *'
`);
    expect(tmpfsData(site, '4m')).toBe(true);
    const d = await site.startReady();
    await site.waitRows(1);
    const lines0 = d.stderr.split('\n').length - 1;
    site.trigger('fill', {});
    const fill = await waitFor('the fill run to end', () => /\[fill ([0-9a-f-]{36})\] Finished with status/.exec(d.stderr)?.[1], { timeoutMs: 20_000 });
    const fullAt = Date.now();
    await waitFor('8 s of full disk', () => Date.now() - fullAt >= 8_000, { timeoutMs: 15_000, intervalMs: 200 });
    const during = d.stderr.split('\n').slice(lines0);
    execFileSync('rm', ['-f', join(site.runDir('fill', fill), 'big')]);
    expect(d.running).toBe(true);
    const errors = during.filter((l) => /ERROR|WARNING/.test(l));
    expect(errors, errors.join('\n')).toHaveLength(1);
    await waitFor('the fill run recorded', () => site!.rows().some((r) => r.run_id === fill), { timeoutMs: 30_000 });
    const before = site.rows().length;
    await waitFor('runs recorded again', () => site!.rows().length > before + 2, { timeoutMs: 20_000 });
    await d.stop();
    expect(d.exitCode).toBe(0);
  }, 60_000);
});
