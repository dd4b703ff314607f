/** kill -9 of the daemon during a run, then a restart (SPEC §5.6). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pidAlive, waitFor } from '../helpers/index.js';
import { endSite, json, Site } from './daemon-helpers.js';

let site: Site | null = null;
const groups: number[] = [];
afterEach(async () => {
  await endSite(site, groups);
  site = null;
});

async function crashDuringRun(command: string): Promise<{ runId: string; pid: number }> {
  site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, '${command}']
concurrency_groups:
  g:
    max: 1
`);
  const d = await site.startReady();
  site.trigger('t', {});
  const [row] = await site.waitRunning(1);
  const pid = json(row!.run_data)['pid'] as number;
  groups.push(pid);
  d.signal('SIGKILL');
  await d.exited;
  return { runId: row!.run_id, pid };
}

describe('dsari-daemon: crashes', () => {
  it('a run still going at restart is adopted and recorded with its real status and output', async () => {
    // The run goes on until the test creates JOB_DIR/go: no race with a slow restart.
    const { runId, pid } = await crashDuringRun('echo start; while [ ! -e "$JOB_DIR/go" ]; do sleep 0.05; done; echo end; exit 3');
    expect(pidAlive(pid)).toBe(true);
    const d = await site!.startReady();
    await d.waitForOutput(new RegExp(`INFO: \\[t ${runId}\\] Adopted PID ${pid} left running by a previous daemon`));
    writeFileSync(join(site!.data, 'runs', 't', 'go'), '');
    const [row] = await site!.waitRows(1);
    expect(row).toMatchObject({ run_id: runId, exit_code: 3 });
    expect(json(row!.run_data)).toMatchObject({ pid, adopted: true });
    expect(readFileSync(join(site!.runDir('t', runId), 'output.txt'), 'utf8')).toBe('start\nend\n');
    expect(site!.rows('runs_running')).toEqual([]);
    await d.stop();
  });

  it('a run that ended while no daemon watched is recorded with the status it left', async () => {
    const { runId, pid } = await crashDuringRun('sleep 0.5; exit 4');
    await waitFor('run ended', () => !pidAlive(pid) && existsSync(join(site!.runDir('t', runId), '.dsari-exit-status')));
    const d = await site!.startReady();
    const [row] = await site!.waitRows(1);
    expect(row).toMatchObject({ run_id: runId, exit_code: 4 });
    expect(json(row!.run_data)).toMatchObject({ dsari_status: 'recovered' });
    await d.stop();
  });

  it('a run whose processes died with the daemon is recorded as lost with exit code 255', async () => {
    const { runId, pid } = await crashDuringRun('echo before; sleep 30');
    process.kill(-pid, 'SIGKILL');
    await waitFor('run group gone', () => !pidAlive(pid));
    const before = Date.now() / 1000;
    const d = await site!.startReady();
    const [row] = await site!.waitRows(1);
    expect(row).toMatchObject({ run_id: runId, exit_code: 255 });
    expect(row!.stop_time).toBeGreaterThanOrEqual(before - 1);
    const data = json(row!.run_data);
    expect(data['dsari_status']).toBe('lost');
    expect(data['dsari_reason']).toMatch(new RegExp(`process ${pid} ended while no daemon was watching`));
    await d.waitForOutput(new RegExp(`WARNING: \\[t ${runId}\\] Run lost: `));
    expect(readFileSync(join(site!.runDir('t', runId), 'output.txt'), 'utf8')).toBe('before\n');
    await d.stop();
  });
});
