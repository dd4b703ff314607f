/**
 * The daemon's background retention through the built daemon (SPEC-BEYOND §12.7): a pass after
 * start-up removes what `retention` excludes, keeps the newest and the last failed run, logs one
 * line, and the daemon goes on starting runs meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { killLeftovers } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

describe('background retention in the daemon', () => {
  it('removes old runs after start-up while runs go on starting', async () => {
    site = new Site(`
retention: {keep_runs: 3}
jobs:
  old: {command: [/bin/true]}
  tick: {command: [/bin/true], schedule: "* * * * * *", retention: {keep_runs: null}}
`);
    mkdirSync(site.data, { recursive: true });
    const store = new SqliteStore(join(site.data, 'dsari.sqlite3'));
    await store.open();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const runId = randomUUID();
      const t = 1_700_000_000 + i * 60;
      await store.finishRun({ jobName: 'old', runId, scheduleTime: t, startTime: t, stopTime: t + 1, exitCode: i === 5 ? 1 : 0, triggerType: 'schedule', triggerData: {}, runData: {} });
      mkdirSync(site.runDir('old', runId), { recursive: true });
      writeFileSync(join(site.runDir('old', runId), 'output.txt'), 'x\n');
      ids.push(runId);
    }
    await store.close();
    const d = await site.startReady();
    await d.waitForOutput(/INFO: Retention: removed 36 run\(s\), 72 B freed; compressed 0 output\(s\)/, 45_000);
    const left = site.rows().filter((r) => r.job_name === 'old').map((r) => r.run_id).sort();
    expect(left).toEqual([ids[5]!, ...ids.slice(-3)].sort());
    expect(existsSync(site.runDir('old', ids[0]!))).toBe(false);
    expect(existsSync(site.runDir('old', ids[39]!))).toBe(true);
    // runs went on starting throughout (one a second); the pass did not stop the scheduler
    expect(site.rows().filter((r) => r.job_name === 'tick').length).toBeGreaterThanOrEqual(5);
    await d.stop();
    expect(d.exitCode).toBe(0);
  });
});
