/** The built daemon and trigger files (SPEC §5.2, §5.4): asserted through SQLite and files. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, runCli, waitFor } from '../helpers/index.js';
import { json, Site } from './daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

function stop(d: { stop: () => Promise<void> }) {
  return d.stop();
}

describe('dsari-daemon: triggers', () => {
  it('runs a trigger at once with its environment and records trigger_data; the file is consumed', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo "G=$GREETING T=$TRIGGER_TYPE"']
`);
    const d = await site.startReady();
    // The native starter, or child_process where this test project asks for it (vitest.config.ts).
    await d.waitForOutput(process.env['DSARI_SPAWN'] === 'child_process' ? /INFO: Runs are started with child_process \(DSARI_SPAWN=child_process\)\n/ : /INFO: Runs are started with posix_spawn \(the native starter\)\n/);
    const file = site.trigger('t', { type: 'git', description: 'new commit', environment: { GREETING: 'hi' }, extra: { k: [1, 2] } });
    const [row] = await site.waitRows(1);
    expect(existsSync(file)).toBe(false);
    expect(row).toMatchObject({ job_name: 't', exit_code: 0, trigger_type: 'file' });
    expect(json(row!.trigger_data)).toEqual({ type: 'git', description: 'new commit', environment: { GREETING: 'hi' }, extra: { k: [1, 2] } });
    expect(readFileSync(join(site.runDir('t', row!.run_id), 'output.txt'), 'utf8')).toBe('G=hi T=file\n');
    await d.waitForOutput(new RegExp(`INFO: \\[t ${row!.run_id}\\] Trigger detected, created run for `));
    await d.waitForOutput(new RegExp(`INFO: \\[t ${row!.run_id}\\] Running PID \\d+: /bin/sh -c 'echo "G=\\$GREETING T=\\$TRIGGER_TYPE"'`));
    await d.waitForOutput(new RegExp(`INFO: \\[t ${row!.run_id}\\] Finished with status 0 in 0:00:0\\d(\\.\\d{6})?`));
    expect(json(row!.run_data)).toMatchObject({ pid: expect.any(Number), hostname: expect.any(String) });
    await stop(d);
    expect(d.exitCode).toBe(0);
  });

  it('rejects bad triggers into rejected/ with the reason beside them and keeps running', async () => {
    site = new Site(`
jobs:
  t:
    command: /bin/true
`);
    const d = await site.startReady();
    const cases: Array<[string, RegExp]> = [
      ['[1, 2]', /the trigger must be a mapping, not a list/],
      ['{"environment": 5}', /environment must be a mapping, not number 5/],
      ['{"schedule_time": "2016-13-45T99:00:00"}', /schedule_time: /],
      ['{"environment": {"RUN_ID": "mine"}}', /environment may not set RUN_ID/],
      ['{"a": ', /not valid JSON/],
    ];
    for (const [content, reason] of cases) {
      const before = site.rejected('t').length;
      site.trigger('t', content);
      await waitFor(`rejection of ${content}`, () => site!.rejected('t').length === before + 2, { timeoutMs: 15_000 });
      const reasonFile = site.rejected('t').filter((f) => f.endsWith('.reason')).map((f) => readFileSync(join(site!.data, 'trigger', 't', 'rejected', f), 'utf8')).find((r) => reason.test(r));
      expect(reasonFile).toBeDefined();
      await d.waitForOutput(new RegExp(`ERROR: \\[t\\] Cannot load trigger: ${reason.source}`));
    }
    site.trigger('nosuchjob', {});
    await d.waitForOutput('ERROR: [nosuchjob] Cannot load trigger: no job named "nosuchjob" in the configuration');
    expect(site.rows()).toEqual([]);
    site.trigger('t', {});
    await site.waitRows(1);
    await stop(d);
  });

  it('a future trigger survives a restart and runs at its time; a naive ISO time is read in schedule_timezone', async () => {
    site = new Site(`
jobs:
  later:
    command: /bin/true
`);
    let d = await site.startReady();
    const at = Math.floor(Date.now() / 1000) + 6;
    // 6 s from now, written as naive wall time in Asia/Tokyo (UTC+9).
    const naive = new Date((at + 9 * 3600) * 1000).toISOString().slice(0, 19);
    site.trigger('later', { schedule_time: naive, schedule_timezone: 'Asia/Tokyo', description: 'kept' });
    await d.waitForOutput('Trigger detected');
    expect(readdirSync(join(site.data, 'trigger', 'later', 'pending'))).toHaveLength(1);
    await stop(d);
    expect(d.stderr).toContain('its trigger is kept for the next start');
    d = await site.startReady();
    expect(d.stderr).toContain('Trigger restored from before the restart');
    const [row] = await site.waitRows(1);
    expect(row!.schedule_time).toBe(at);
    expect(row!.start_time).toBeGreaterThanOrEqual(at);
    expect(json(row!.trigger_data)).toMatchObject({ description: 'kept' });
    expect(readdirSync(join(site.data, 'trigger', 'later', 'pending'))).toEqual([]);
    await stop(d);
  });

  it('a burst of 50 triggers against a concurrency group never exceeds its limit and records the group', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `j${String(i).padStart(2, '0')}`);
    site = new Site(`
concurrency_groups:
  pool:
    max: 3
job_groups:
  burst:
    job_names: [${names.join(', ')}]
    command: [/bin/sh, -c, 'echo "$CONCURRENCY_GROUP"; sleep 0.2']
    concurrency_groups: [pool]
`);
    const d = await site.startReady();
    for (const n of names) site.trigger(n, {});
    const rows = await site.waitRows(50, () => true, 60_000);
    // At no instant were more than 3 runs between their recorded start and stop.
    const edges = rows.flatMap((r) => [[r.start_time, 1] as const, [r.stop_time!, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let max = 0;
    for (const [, delta] of edges) {
      now += delta;
      max = Math.max(max, now);
    }
    expect(max).toBe(3);
    for (const r of rows) {
      expect(json(r.run_data)['concurrency_group']).toBe('pool');
      expect(readFileSync(join(site.runDir(r.job_name, r.run_id), 'output.txt'), 'utf8')).toBe('pool\n');
    }
    await stop(d);
  });
});

describe('dsari trigger', () => {
  it('writes a trigger the daemon runs, and refuses an unknown job', async () => {
    site = new Site(`
jobs:
  t:
    command: [/bin/sh, -c, 'echo "$A $B"']
`);
    const bad = await runCli('dsari', ['trigger', '-c', site.etc, 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^dsari: no job named "nope" in the configuration/);
    const d = await site.startReady();
    const ok = await runCli('dsari', ['trigger', '-c', site.etc, 't', '--env', 'A=1', '--env', 'B=x=y', '--type', 'manual', '--description', 'by hand']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`Triggered t: ${join(site.data, 'trigger', 't', 'trigger.json')}\n`);
    const [row] = await site.waitRows(1);
    expect(json(row!.trigger_data)).toEqual({ type: 'manual', description: 'by hand', environment: { A: '1', B: 'x=y' } });
    expect(readFileSync(join(site.runDir('t', row!.run_id), 'output.txt'), 'utf8')).toBe('1 x=y\n');
    await stop(d);
  });

  it('rejects bad arguments with one line and exit 1', async () => {
    site = new Site(`
jobs:
  t:
    command: /bin/true
`);
    const r1 = await runCli('dsari', ['trigger', '-c', site.etc, 't', '--env', 'RUN_ID=x']);
    expect([r1.code, r1.stderr]).toEqual([1, "dsari: --env may not set RUN_ID (the run's identity)\n"]);
    const r2 = await runCli('dsari', ['trigger', '-c', site.etc, 't', '--at', 'soon']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^dsari: --at: time "soon" is neither ISO 8601/);
    const r3 = await runCli('dsari', ['trigger', '-c', site.etc, 't', '--env', 'novalue']);
    expect(r3.code).toBe(1);
  });

  it('does not overwrite a trigger the daemon has not taken yet', async () => {
    site = new Site(`
jobs:
  t:
    command: /bin/true
`);
    const first = await runCli('dsari', ['trigger', '-c', site.etc, 't', '--description', 'first']);
    expect(first.code).toBe(0);
    const second = await runCli('dsari', ['trigger', '-c', site.etc, 't', '--wait', '0.2', '--description', 'second']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/a trigger for "t" is still waiting to be read .*Not overwritten/);
    expect(json(readFileSync(join(site.data, 'trigger', 't', 'trigger.json'), 'utf8'))).toEqual({ description: 'first' });
  });
});
