/** Scheduled runs of the built daemon (SPEC §5.1, §5.3), with the seconds field for speed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers } from '../helpers/index.js';
import { Site } from './daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

describe('dsari-daemon: schedules', () => {
  it('runs a job every second at its hashed sub-second offset, recorded as scheduled', async () => {
    site = new Site(`
jobs:
  tick:
    command: /bin/true
    schedule: "* * * * * *"
`);
    const d = await site.startReady();
    const rows = await site.waitRows(3);
    await d.stop();
    const offsets = new Set(rows.map((r) => (r.schedule_time % 1).toFixed(6)));
    expect(offsets.size).toBe(1);
    for (const r of rows) {
      expect(r.trigger_type).toBe('schedule');
      expect(r.exit_code).toBe(0);
      expect(r.start_time - r.schedule_time).toBeGreaterThanOrEqual(0);
      expect(r.start_time - r.schedule_time).toBeLessThan(1);
    }
    const gaps = rows.slice(1).map((r, i) => r.schedule_time - rows[i]!.schedule_time);
    for (const g of gaps) expect(Math.round(g * 1e6) / 1e6).toBeGreaterThanOrEqual(1);
  });

  it('without concurrent_runs a long run is never overlapped and the fire times it covered are skipped', async () => {
    site = new Site(`
jobs:
  slow:
    command: [/bin/sleep, '1.2']
    schedule: "* * * * * *"
`);
    const d = await site.startReady();
    const rows = await site.waitRows(3, () => true, 30_000);
    await d.stop();
    const all = site.rows();
    for (let i = 1; i < all.length; i++) {
      expect(all[i]!.start_time).toBeGreaterThanOrEqual(all[i - 1]!.stop_time!);
      // The next run was computed when the previous one started: one second later, so it
      // waited for the end and started then; nothing was queued behind it.
      expect(all[i]!.schedule_time - all[i - 1]!.start_time).toBeLessThanOrEqual(1.001);
    }
    expect(rows.length).toBeGreaterThanOrEqual(3);
  });

  it('with concurrent_runs runs overlap', async () => {
    site = new Site(`
jobs:
  par:
    command: [/bin/sleep, '1.5']
    schedule: "* * * * * *"
    concurrent_runs: true
`);
    const d = await site.startReady();
    await site.waitRows(2, () => true, 30_000);
    await d.stop();
    const all = site.rows();
    expect(all.some((r, i) => i > 0 && r.start_time < all[i - 1]!.stop_time!)).toBe(true);
  });
});

describe('dsari-daemon: limits and environment', () => {
  it('max_execution ends a run with SIGTERM and is logged; PREVIOUS_* reach the next run', async () => {
    site = new Site(`
jobs:
  long:
    command: [/bin/sleep, '30']
    max_execution: 0.5
  prev:
    command: [/bin/sh, -c, 'echo "$PREVIOUS_RUN_ID $PREVIOUS_EXIT_CODE"; exit 5']
`);
    const d = await site.startReady();
    site.trigger('long', {});
    const [row] = await site.waitRows(1);
    expect(row?.exit_code).toBe(143);
    await d.waitForOutput(/WARNING: \[long [0-9a-f-]{36}\] Max execution \(0\.5s\) exceeded, sending SIGTERM to PID \d+/);
    site.trigger('prev', {});
    const [first] = await site.waitRows(1, (r) => r.job_name === 'prev');
    site.trigger('prev', {});
    const both = await site.waitRows(2, (r) => r.job_name === 'prev');
    expect(readFileSync(join(site.runDir('prev', both[1]!.run_id), 'output.txt'), 'utf8')).toBe(`${first!.run_id} 5\n`);
    await d.stop();
  });
});
