/**
 * kill -9 of the BUILT daemon with several runs in flight, and while a finished run waits to be
 * recorded; then a restart. Every run ends up recorded exactly once with its real status (or as
 * lost), and its output is complete.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pidAlive, waitFor } from '../helpers/index.js';
import { endSite, json, Site } from '../integration/daemon-helpers.js';

let site: Site | null = null;
const groups: number[] = [];
afterEach(async () => {
  await endSite(site, groups);
  site = null;
});

/** Every run id across runs and runs_running, with how often it appears. */
function idCounts(s: Site): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of [...s.rows('runs'), ...s.rows('runs_running')]) counts.set(r.run_id, (counts.get(r.run_id) ?? 0) + 1);
  return counts;
}

describe('faults: kill -9 of the daemon', () => {
  it('with several runs in flight: each is adopted, recorded with the status it left, or lost; once each, output complete', async () => {
    site = new Site(`
jobs:
  adopt:
    command: [/bin/sh, -c, 'echo a1; while [ ! -e go ]; do sleep 0.05; done; echo a2; exit 3']
  ended:
    command: [/bin/sh, -c, 'echo e1; while [ ! -e go ]; do sleep 0.05; done; echo e2; exit 4']
  lost:
    command: [/bin/sh, -c, 'echo l1; sleep 60']
  adopt2:
    command: [/bin/sh, -c, 'i=0; while [ $i -lt 40 ]; do echo line$i; i=$((i+1)); sleep 0.05; done; exit 0']
`);
    const d = await site.startReady();
    for (const j of ['adopt', 'ended', 'lost', 'adopt2']) site.trigger(j, {});
    const rows = await site.waitRunning(4);
    const byJob = new Map(rows.map((r) => [r.job_name, r]));
    for (const r of rows) groups.push(json(r.run_data)['pid'] as number);
    const pid = (job: string): number => json(byJob.get(job)!.run_data)['pid'] as number;
    const id = (job: string): string => byJob.get(job)!.run_id;

    d.signal('SIGKILL');
    await d.exited;
    // While no daemon watches: "ended" finishes (its wrapper leaves the status), "lost" dies with
    // no status at all (SIGKILL to its whole group, wrapper included).
    await waitFor('output e1', () => readFileSync(join(site!.runDir('ended', id('ended')), 'output.txt'), 'utf8').includes('e1'));
    writeFileSync(join(site.runDir('ended', id('ended')), 'go'), '');
    await waitFor('"ended" ended', () => !pidAlive(pid('ended')) && existsSync(join(site!.runDir('ended', id('ended')), '.dsari-exit-status')));
    process.kill(-pid('lost'), 'SIGKILL');
    await waitFor('"lost" gone', () => !pidAlive(pid('lost')));
    expect(pidAlive(pid('adopt'))).toBe(true);

    const d2 = await site.startReady();
    expect(d2.stderr).toMatch(new RegExp(`Adopted PID ${pid('adopt')} left running by a previous daemon`));
    writeFileSync(join(site.runDir('adopt', id('adopt')), 'go'), '');
    const done = await site.waitRows(4, () => true, 40_000);
    const fin = new Map(done.map((r) => [r.job_name, r]));
    expect(fin.get('adopt')).toMatchObject({ run_id: id('adopt'), exit_code: 3 });
    expect(json(fin.get('adopt')!.run_data)).toMatchObject({ adopted: true });
    expect(fin.get('adopt2')).toMatchObject({ run_id: id('adopt2'), exit_code: 0 });
    expect(fin.get('ended')).toMatchObject({ run_id: id('ended'), exit_code: 4 });
    expect(json(fin.get('ended')!.run_data)).toMatchObject({ dsari_status: 'recovered' });
    expect(fin.get('lost')).toMatchObject({ run_id: id('lost'), exit_code: 255 });
    expect(json(fin.get('lost')!.run_data)).toMatchObject({ dsari_status: 'lost' });

    const out = (job: string): string => readFileSync(join(site!.runDir(job, id(job)), 'output.txt'), 'utf8');
    expect(out('adopt')).toBe('a1\na2\n');
    expect(out('ended')).toBe('e1\ne2\n');
    expect(out('lost')).toBe('l1\n');
    expect(out('adopt2')).toBe(Array.from({ length: 40 }, (_, i) => `line${i}\n`).join(''));

    // Exactly one row per run id, across both tables; nothing left running.
    expect(site.rows('runs_running')).toEqual([]);
    expect([...idCounts(site).entries()].sort()).toEqual([id('adopt'), id('adopt2'), id('ended'), id('lost')].sort().map((r) => [r, 1]));
    // A further restart records nothing again.
    await d2.stop();
    const d3 = await site.startReady();
    expect(site.rows()).toHaveLength(4);
    await d3.stop();
    expect([...idCounts(site).values()]).toEqual([1, 1, 1, 1]);
  }, 90_000);

  it('between the end of a run and the commit of its record (database held by another process): recorded once after restart, with its real status', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo out; while [ ! -e go ]; do sleep 0.05; done; echo done; exit 7']
`);
    const d = await site.startReady();
    site.trigger('t', {});
    const [row] = await site.waitRunning(1);
    const runId = row!.run_id;
    groups.push(json(row!.run_data)['pid'] as number);
    // Hold the database so the finished record cannot be committed: the daemon has seen the
    // run end but its record is not written when it is killed.
    const db = new Database(join(site.data, 'dsari.sqlite3'));
    try {
      db.exec('BEGIN EXCLUSIVE');
      writeFileSync(join(site.runDir('t', runId), 'go'), '');
      await d.waitForOutput(`[t ${runId}] Finished with status 7`, 20_000);
      d.signal('SIGKILL');
      await d.exited;
      db.exec('COMMIT');
    } finally {
      db.close();
    }
    expect(site.rows()).toEqual([]);
    expect(site.rows('runs_running').map((r) => r.run_id)).toEqual([runId]);

    const d2 = await site.startReady();
    const [fin] = await site.waitRows(1);
    expect(fin).toMatchObject({ run_id: runId, exit_code: 7 });
    expect(json(fin!.run_data)).toMatchObject({ dsari_status: 'recovered' });
    expect(readFileSync(join(site.runDir('t', runId), 'output.txt'), 'utf8')).toBe('out\ndone\n');
    expect(site.rows('runs_running')).toEqual([]);
    expect([...idCounts(site).values()]).toEqual([1]);
    await d2.stop();
  }, 60_000);
});
