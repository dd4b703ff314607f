/** Misbehaving runs under the BUILT daemon: closing stdout early, escaping with setsid + double fork. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, pidAlive, waitFor } from '../helpers/index.js';
import { json, Site } from '../integration/daemon-helpers.js';

let site: Site | null = null;
const pids: number[] = [];
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  site?.cleanup();
  site = null;
});

describe('faults: misbehaving runs', () => {
  it('a run that closes its stdout and stderr early is still followed to its end and recorded with its status', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo before; exec >&- 2>&-; sleep 0.5; touch ended; exit 5']
`);
    const d = await site.startReady();
    site.trigger('t', {});
    const [row] = await site.waitRows(1);
    expect(row?.exit_code).toBe(5);
    expect(existsSync(join(site.runDir('t', row!.run_id), 'ended'))).toBe(true);
    expect(readFileSync(join(site.runDir('t', row!.run_id), 'output.txt'), 'utf8')).toBe('before\n');
    await d.stop();
  });

  it('a run escaping with setsid and a double fork is killed with its run at max_execution', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, '( setsid sh -c "echo \\$\\$ > escaped.pid; trap \\"\\" TERM; while :; do sleep 1; done" & ) ; sleep 1000']
    max_execution: 1
    max_execution_grace: 0.5
`);
    const d = await site.startReady();
    site.trigger('t', {});
    const dir = await waitFor('the run directory', () => {
      const rows = site!.rows('runs_running');
      return rows.length === 1 ? site!.runDir('t', rows[0]!.run_id) : false;
    });
    const escaped = await waitFor('escaped.pid', () => {
      const f = join(dir, 'escaped.pid');
      const n = existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0;
      return n > 0 ? n : false;
    });
    pids.push(escaped);
    const [row] = await site.waitRows(1);
    expect(json(row!.run_data)).toMatchObject({ dsari_timed_out: true });
    await waitFor(`escaped process ${escaped} gone`, () => !pidAlive(escaped), { timeoutMs: 10_000 });
    await d.stop();
  });
});
