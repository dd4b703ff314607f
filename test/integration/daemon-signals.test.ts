/** The built daemon and its signals (SPEC §5.5, §5.7). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, waitFor } from '../helpers/index.js';
import { json, Site } from './daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

/** True once the process catches SIGHUP (bit 0 of SigCgt): our handlers are installed. */
function catchesSighup(pid: number): boolean {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /SigCgt:\s*([0-9a-f]+)/.exec(status);
  return m !== null && (BigInt(`0x${m[1]}`) & 1n) === 1n;
}

describe('dsari-daemon: signals', () => {
  it('SIGHUP with a good config applies it; with a bad one logs why and keeps the old one', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo old']
`);
    const d = await site.startReady();
    site.writeConfig(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo new']
  u:
    command: [/bin/sh, -c, 'echo u']
`);
    d.signal('SIGHUP');
    await d.waitForOutput('INFO: Configuration reloaded: 2 job(s)');
    site.trigger('u', {});
    site.trigger('t', {});
    const rows = await site.waitRows(2);
    const out = (r: (typeof rows)[number]) => readFileSync(join(site!.runDir(r.job_name, r.run_id), 'output.txt'), 'utf8');
    expect(Object.fromEntries(rows.map((r) => [r.job_name, out(r)]))).toEqual({ t: 'new\n', u: 'u\n' });
    site.writeConfig(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo broken']
    schedule: 5
`);
    d.signal('SIGHUP');
    await d.waitForOutput(/ERROR: Reload failed, still running the previous configuration: .*dsari\.yaml.*t.*schedule/);
    site.trigger('u', {});
    await site.waitRows(3);
    await d.stop();
    expect(d.exitCode).toBe(0);
  });

  it('a job changed while its run runs keeps its old command for that run', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, 'sleep 1; echo first']
`);
    const d = await site.startReady();
    site.trigger('t', {});
    await d.waitForOutput('Running PID');
    site.writeConfig(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo second']
`);
    d.signal('SIGHUP');
    await d.waitForOutput('Configuration reloaded');
    site.trigger('t', {});
    const rows = await site.waitRows(2);
    expect(rows.map((r) => readFileSync(join(site!.runDir('t', r.run_id), 'output.txt'), 'utf8'))).toEqual(['first\n', 'second\n']);
    await d.stop();
  });

  it('SIGTERM waits for running runs, records them and exits 0', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, 'while [ ! -e "$JOB_DIR/go" ]; do sleep 0.05; done; echo done']
`);
    const d = await site.startReady();
    site.trigger('t', {});
    await d.waitForOutput('Running PID');
    d.signal('SIGTERM');
    await d.waitForOutput('INFO: Shutdown will proceed after runs have completed');
    expect(d.running).toBe(true);
    writeFileSync(join(site.data, 'runs', 't', 'go'), '');
    await d.exited;
    expect(d.exitCode).toBe(0);
    expect(d.stderr).toMatch(/INFO: SIGTERM received, beginning shutdown[\s\S]*Finished with status 0[\s\S]*INFO: Shutdown complete/);
    expect(site.rows()).toHaveLength(1);
    expect(site.rows('runs_running')).toEqual([]);
  });

  it('SIGINT with shutdown_kill_runs terminates the runs (SIGKILL after the grace) and records them', async () => {
    site = new Site(`
shutdown_kill_runs: true
shutdown_kill_grace: 1
jobs:
  polite:
    command: [/bin/sleep, '30']
  stubborn:
    command: [/bin/sh, -c, 'trap "" TERM; touch "$JOB_DIR/ready"; while :; do sleep 0.1; done']
`);
    const d = await site.startReady();
    site.trigger('polite', {});
    site.trigger('stubborn', {});
    await waitFor('two running', () => site!.rows('runs_running').length === 2);
    // Only once the stubborn run ignores SIGTERM (its trap is set) is the outcome certain.
    await waitFor('stubborn run ready', () => existsSync(join(site!.data, 'runs', 'stubborn', 'ready')));
    d.signal('SIGINT');
    await d.exited;
    expect(d.exitCode).toBe(0);
    const rows = Object.fromEntries(site.rows().map((r) => [r.job_name, r.exit_code]));
    expect(rows).toEqual({ polite: 143, stubborn: 137 });
    expect(d.stderr).toMatch(/Shutdown requested, sending SIGTERM to PID \d+/);
  });

  it('SIGQUIT logs running runs, groups and pending runs; SIGUSR1 scans', async () => {
    site = new Site(`
concurrency_groups:
  g:
    max: 2
jobs:
  t:
    command: [/bin/sh, -c, 'while [ ! -e "$JOB_DIR/go" ]; do sleep 0.05; done']
    concurrency_groups: [g]
  later:
    command: /bin/true
`);
    const d = await site.startReady();
    site.trigger('t', {});
    site.trigger('later', { schedule_time: Math.floor(Date.now() / 1000) + 3600 });
    await d.waitForOutput('Running PID');
    await d.waitForOutput('[later ');
    d.signal('SIGQUIT');
    await d.waitForOutput(/INFO: \[t [0-9a-f-]{36}\] PID \d+ running since \d{4}-\d\d-\d\d [\d:.]+ \(0:00:0/);
    await d.waitForOutput(/INFO: \[t [0-9a-f-]{36}\] Concurrency group: g \(1 out of 2\)/);
    await d.waitForOutput(/INFO: \[later [0-9a-f-]{36}\] Next run \(file\): .* \(0:59:/);
    d.signal('SIGUSR1');
    writeFileSync(join(site.data, 'runs', 't', 'go'), '');
    await d.stop();
    expect(d.stderr).not.toContain('Debugger listening');
  });

  it.each([
    ['dsari-daemon', false],
    ['dsari daemon', true],
  ])('signals during start-up of %s neither kill it nor start the inspector', async (_name, asSubcommand) => {
    const jobs = Array.from({ length: 2000 }, (_, i) => `  j${i}:\n    command: /bin/true\n`).join('');
    site = new Site(`jobs:\n${jobs}`);
    const d = site.start([], {}, asSubcommand);
    await waitFor('signal handlers installed', () => catchesSighup(d.pid), { intervalMs: 2 });
    let ready = false;
    const spam = (async () => {
      while (!ready && d.running) {
        d.signal('SIGUSR1');
        d.signal('SIGHUP');
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await d.waitForOutput('Scheduler running', 30_000);
    ready = true;
    await spam;
    expect(d.stderr).not.toContain('Debugger listening');
    expect(d.running).toBe(true);
    await d.stop();
    expect(d.exitCode).toBe(0);
  });

  it('--fork returns once the daemon is ready; the daemon runs on detached', async () => {
    site = new Site(`
jobs:
  t:
    command: /bin/true
`);
    const parent = site.start(['--fork']);
    await parent.exited;
    expect(parent.exitCode).toBe(0);
    expect(parent.stderr).toContain('Scheduler running');
    site.trigger('t', {});
    const [row] = await site.waitRows(1);
    const daemonPid = json(row!.run_data)['pid'] as number;
    expect(daemonPid).toBeGreaterThan(0);
    // Find the detached daemon by its config dir and stop it.
    const { execFileSync } = await import('node:child_process');
    const pids = execFileSync('pgrep', ['-f', `dsari-daemon.js -c ${site.etc}`], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, 'SIGTERM');
    await waitFor('forked daemon gone', () => {
      try {
        process.kill(pids[0]!, 0);
        return false;
      } catch {
        return true;
      }
    });
  });

  it('a bad configuration at start is one line and exit 1', async () => {
    site = new Site(`
jobs:
  t:
    schedule: "* * * *"
`);
    const d = site.start();
    await d.exited;
    expect(d.exitCode).toBe(1);
    expect(d.stderr.trim().split('\n')).toHaveLength(1);
    expect(d.stderr).toMatch(/^dsari-daemon: .*dsari\.yaml.*"t"/);
  });
});
