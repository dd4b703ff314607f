/**
 * The run policies end to end (SPEC-BEYOND §12): the built daemon, real processes, a real SQLite
 * file, the CLI as a user types it. Times come from the wall clock, so every wait is for an
 * event (a row, a log line), never a fixed sleep.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, runCli, waitFor } from '../helpers/index.js';
import { json, type Row, Site } from './daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

const catchupOf = (r: Row) => json(r.run_data)['dsari_catchup'] === true;

/** A UTC second at least `lead` seconds ahead whose minute still holds `span` more seconds. */
async function secondAhead(lead: number, span: number): Promise<number> {
  return waitFor('a second with room in its minute', () => {
    const t = Math.ceil(Date.now() / 1000) + lead;
    return t % 60 <= 59 - span ? t : false;
  }, { timeoutMs: 70_000, intervalMs: 200 });
}

function pendingRows(s: Site): Array<{ run_id: string; trigger_type: string; schedule_time: number }> {
  const db = new Database(join(s.data, 'dsari.sqlite3'), { readonly: true });
  try {
    return db.prepare('SELECT run_id, trigger_type, schedule_time FROM dsari_pending_runs').all() as Array<{ run_id: string; trigger_type: string; schedule_time: number }>;
  } finally {
    db.close();
  }
}

describe('dsari-daemon: catch-up (§12.1)', () => {
  it('after three missed fires, catchup: latest runs exactly 1 and catchup: all exactly 3', async () => {
    const a = await secondAhead(6, 16);
    const d0 = new Date(a * 1000);
    const secs = [a, a + 5, a + 10, a + 15].map((t) => t % 60).join(',');
    const cron = `${d0.getUTCMinutes()} ${d0.getUTCHours()} * * * ${secs}`;
    site = new Site(`
jobs:
  latest:
    command: "true"
    schedule: "${cron}"
    catchup: latest
  all:
    command: "true"
    schedule: "${cron}"
    catchup: all
  none:
    command: "true"
    schedule: "${cron}"
`);
    const d = await site.startReady();
    // Each job fires at its own fraction of a second (a hash of its name), so compare whole seconds.
    const sec = (r: Row) => Math.floor(r.schedule_time);
    await site.waitRows(3, (r) => sec(r) === a, 20_000);
    await d.stop();
    expect(site.rows().filter((r) => sec(r) > a)).toEqual([]); // stopped before the next fire
    await waitFor('the last fire to pass', () => Date.now() / 1000 > a + 16.1, { timeoutMs: 30_000, intervalMs: 100 });
    const d2 = await site.startReady();
    const rows = await site.waitRows(4, catchupOf);
    await d2.waitForOutput('[latest] Catch-up: 2 older missed fire(s) not run');
    await d2.stop();
    const caught = site.rows().filter(catchupOf);
    expect(caught.filter((r) => r.job_name === 'latest').map(sec)).toEqual([a + 15]);
    expect(caught.filter((r) => r.job_name === 'all').map(sec)).toEqual([a + 5, a + 10, a + 15]);
    expect(site.rows().filter((r) => r.job_name === 'none')).toHaveLength(1);
    for (const r of rows) expect(r).toMatchObject({ trigger_type: 'schedule', exit_code: 0 });
  });
});

describe('dsari-daemon: overlap (§12.2)', () => {
  it('skip and replace with an every-second job whose command takes 2.5 s', async () => {
    site = new Site(`
jobs:
  skipper:
    command: [/bin/sh, -c, 'sleep 2.5']
    schedule: "* * * * * *"
    overlap: skip
  replacer:
    command: [/bin/sh, -c, 'trap "exit 9" TERM; sleep 2.5 & wait']
    schedule: "* * * * * *"
    overlap: replace
    max_execution_grace: 2
`);
    const d = await site.startReady();
    await site.waitRows(2, (r) => r.job_name === 'skipper', 30_000);
    await site.waitRows(3, (r) => r.job_name === 'replacer', 30_000);
    // The running daemon's skip count shows in dsari-info job list (from DATA_DIR/daemon-state.json).
    await waitFor('skipped fires in job list', async () => {
      const info = await runCli('dsari-info', ['job', 'list', '-c', site!.etc, '--format', 'json']);
      const state = json<Record<string, { state?: { skipped_fires?: number } }>>(info.stdout)['skipper']?.state;
      return (state?.skipped_fires ?? 0) >= 2;
    });
    await d.stop();
    const skip = site.rows().filter((r) => r.job_name === 'skipper');
    for (let i = 1; i < skip.length; i++) {
      // Never two at once: each starts after the previous one ended, 3 s after it (two fires skipped).
      expect(skip[i]!.start_time).toBeGreaterThanOrEqual(skip[i - 1]!.stop_time!);
      expect(skip[i]!.schedule_time - skip[i - 1]!.schedule_time).toBeGreaterThanOrEqual(3);
    }
    for (const r of skip) expect(r.exit_code).toBe(0);
    expect(d.stderr).toMatch(/\[skipper [^\]]+\] Scheduled run for .* skipped: the job is still running \(overlap: skip\)/);
    const rep = site.rows().filter((r) => r.job_name === 'replacer');
    const replaced = rep.filter((r) => json(r.run_data)['dsari_status'] === 'replaced');
    expect(replaced.length).toBeGreaterThanOrEqual(2);
    for (const r of replaced) expect(r.exit_code).toBe(9);
    for (let i = 1; i < rep.length; i++) expect(rep[i]!.start_time).toBeGreaterThanOrEqual(rep[i - 1]!.stop_time!);
    expect(d.stderr).toMatch(/\[replacer [^\]]+\] Replaced by [\w-]+ \(overlap: replace\), sending SIGTERM to PID \d+/);
  });
});

describe('dsari-daemon: retries (§12.3)', () => {
  it('a retry pending when the daemon is killed with SIGKILL runs at its time after the restart', async () => {
    site = new Site(`
jobs:
  flaky:
    command: [/bin/sh, -c, 'echo "attempt=$RETRY_ATTEMPT of=$RETRY_OF"; [ "$RETRY_ATTEMPT" = 1 ]']
    retry: {attempts: 2, delay: 4}
`);
    const d = await site.startReady();
    site.trigger('flaky', {});
    const [failed] = await site.waitRows(1);
    expect(failed!.exit_code).toBe(1);
    const retry = json(failed!.run_data)['dsari_retry'] as { run_id: string; schedule_time: number; attempt: number };
    expect(retry).toMatchObject({ attempt: 1 });
    expect(retry.schedule_time).toBeCloseTo(failed!.stop_time! + 4, 3);
    expect(pendingRows(site)).toEqual([{ run_id: retry.run_id, trigger_type: 'retry', schedule_time: retry.schedule_time }]);
    d.signal('SIGKILL');
    await d.exited;
    const d2 = await site.startReady();
    await d2.waitForOutput(`Pending retry run restored from before the restart`);
    const [ok] = await site.waitRows(1, (r) => r.trigger_type === 'retry');
    expect(ok).toMatchObject({ run_id: retry.run_id, exit_code: 0 });
    expect(ok!.start_time).toBeGreaterThanOrEqual(retry.schedule_time);
    expect(json(ok!.trigger_data)).toEqual({ retry_of: failed!.run_id, previous_run: failed!.run_id, attempt: 1 });
    expect(readFileSync(join(site.runDir('flaky', ok!.run_id), 'output.txt'), 'utf8')).toBe(`attempt=1 of=${failed!.run_id}\n`);
    expect(pendingRows(site)).toEqual([]);
    await d2.stop();
  });
});

describe('dsari-daemon: pause and resume (§12.4)', () => {
  it('a trigger waits while the job is paused and runs after dsari resume', async () => {
    site = new Site(`
jobs:
  j:
    command: "true"
`);
    const d = await site.startReady();
    const paused = await runCli('dsari', ['pause', '-c', site.etc, 'j', '--reason', 'maintenance']);
    expect(paused).toMatchObject({ code: 0, stdout: 'Paused job j: maintenance\n' });
    expect((await runCli('dsari', ['pause', '-c', site.etc, 'j'])).stdout).toMatch(/^Job j is already paused \(since .*, by .*: maintenance\)\n$/);
    await d.waitForOutput(/INFO: \[j\] Job paused by .*: maintenance/);
    site.trigger('j', {});
    await d.waitForOutput('Trigger detected');
    d.signal('SIGQUIT');
    await d.waitForOutput(/Next run \(file\): .*, waiting: paused/);
    expect(site.rows('runs_running')).toEqual([]);
    const info = await runCli('dsari-info', ['job', 'list', '-c', site.etc, '--format', 'json']);
    expect(json<Record<string, { state?: { paused?: { reason: string } } }>>(info.stdout)['j']?.state?.paused?.reason).toBe('maintenance');
    expect(await runCli('dsari', ['resume', '-c', site.etc, 'j'])).toMatchObject({ code: 0, stdout: 'Resumed job j\n' });
    await site.waitRows(1);
    await d.waitForOutput('INFO: [j] Job resumed');
    expect((await runCli('dsari', ['pause', '-c', site.etc, 'nosuch'])).stderr).toBe('dsari: pause: no job named "nosuch" in the configuration\n');
    await d.stop();
  });
});

describe('dsari-daemon: dependencies (§12.5)', () => {
  it('after: runs once both upstream jobs have succeeded; a cycle in a reload is refused, naming it', async () => {
    site = new Site(`
jobs:
  a:
    command: "true"
  b:
    command: "true"
  deploy:
    command: [/bin/sh, -c, 'echo "$UPSTREAM_RUN_IDS"']
    after: [a, b]
`);
    const d = await site.startReady();
    const waitingOn = async (): Promise<string[] | undefined> =>
      json<Record<string, { state?: { waiting_on?: string[] } }>>((await runCli('dsari-info', ['job', 'list', '-c', site!.etc, '--format', 'json'])).stdout)['deploy']?.state?.waiting_on;
    expect(await waitingOn()).toEqual(['a', 'b']);
    site.trigger('a', {});
    const [a] = await site.waitRows(1, (r) => r.job_name === 'a');
    expect(await waitingOn()).toEqual(['b']);
    site.trigger('b', {});
    const [b] = await site.waitRows(1, (r) => r.job_name === 'b');
    const [dep] = await site.waitRows(1, (r) => r.job_name === 'deploy');
    expect(dep!.trigger_type).toBe('after');
    expect(json(dep!.trigger_data)).toEqual({ after: { a: a!.run_id, b: b!.run_id } });
    expect(readFileSync(join(site.runDir('deploy', dep!.run_id), 'output.txt'), 'utf8').trim().split(' ').sort()).toEqual([`a=${a!.run_id}`, `b=${b!.run_id}`]);
    site.writeConfig(`
jobs:
  a:
    command: "true"
    on_success: [b]
  b:
    command: "true"
    on_success: [deploy]
  deploy:
    command: "true"
    on_failure: [a]
`);
    d.signal('SIGHUP');
    await d.waitForOutput(/Reload failed, still running the previous configuration: .*dependency cycle: a → b → deploy → a/);
    await d.stop();
    expect(site.rows().filter((r) => r.job_name === 'deploy')).toHaveLength(1);
  });
});
