import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatIso, localZone } from '../../src/schedule/time.js';
import { runCli } from '../helpers/index.js';
import { NOW, RUNS, makeInfoFixture, type InfoFixture } from './setup.js';

const iso = (t: number): string => formatIso(t, localZone());
const [B1, B2, L1, L2] = RUNS.map((r) => r.id) as [string, string, string, string];

describe('dsari-info run list (database written by the original)', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(() => fx.cleanup());

  it('json: run id → the original fields, ISO times, null stop/exit while running', async () => {
    const r = await runCli('dsari-info', fx.args('run', 'list', '--format', 'json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const runs = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(runs).sort()).toEqual([B1, B2, L1, L2].sort());
    const b2 = RUNS[1]!;
    expect(runs[B2]).toEqual({
      job_name: 'backup',
      schedule_time: iso(b2.schedule),
      start_time: iso(b2.start),
      stop_time: iso(b2.stop!),
      exit_code: 3,
      trigger_type: 'file',
      trigger_data: { type: 'manual', description: 'by hand' },
      run_data: { return_data: { ok: false } },
    });
    expect(runs[L2]).toMatchObject({ job_name: 'lint', stop_time: null, exit_code: null, trigger_type: 'schedule' });
    expect(r.stdout).toMatch(/^\{\n {4}"aaaaaaaa-/);
  });

  it('yaml, filtered by --job and --run', async () => {
    const byJob = await runCli('dsari-info', fx.args('run', 'list', '--format', 'yaml', '--job', 'lint'));
    expect(byJob.code).toBe(0);
    expect(Object.keys(parseYaml(byJob.stdout) as object).sort()).toEqual([L1, L2]);
    const byRun = await runCli('dsari-info', fx.args('run', 'list', '--format', 'json', '--run', B1, '--run', L2));
    expect(Object.keys(JSON.parse(byRun.stdout) as object).sort()).toEqual([B1, L2]);
    const none = await runCli('dsari-info', fx.args('run', 'list', '--format', 'json', '--job', 'manual'));
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual({});
  });

  it('tabular: id, job, exit, trigger, schedule, start, stop; oldest first; running with empty exit/stop', async () => {
    const r = await runCli('dsari-info', fx.args('run', 'list', '--format', 'tabular'));
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    expect(rows.map((row) => row[0])).toEqual([B1, B2, L1, L2]);
    expect(rows[1]).toEqual([B2, 'backup', '3', 'file', iso(RUNS[1]!.schedule), iso(RUNS[1]!.start), iso(RUNS[1]!.stop!)]);
    expect(rows[3]).toEqual([L2, 'lint', '', 'schedule', iso(RUNS[3]!.schedule), iso(RUNS[3]!.start), '']);
  });

  it('pretty: newest first, "..." for a running run, durations and delays as timedeltas', async () => {
    const r = await runCli('dsari-info', fx.args('run', 'list'), { env: { COLUMNS: '' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^\s*Run ID\s+Exit\s+Job\s+Duration\s+Start Time\s+Type\s+Schedule Delay$/);
    expect(lines[2]).toMatch(new RegExp(`^${L2}   \\.\\.\\.    lint     0:00:\\d\\d\\.\\d{6}   ${iso(RUNS[3]!.start).replace(/[+.]/g, '\\$&')}   schedule   0:00:00\\.500000$`));
    expect(lines[4]).toContain(`${B2}   3      backup   0:01:38.750000`);
    expect(lines[4]).toMatch(/file\s+0:00:01$/);
    expect(lines[5]).toMatch(new RegExp(`^${B1}   0 `));
    expect(r.stdout).not.toContain('\x1b');
    // fitted to COLUMNS: the schedule delay column goes first
    const narrow = await runCli('dsari-info', fx.args('run', 'list'), { env: { COLUMNS: '60' } });
    for (const line of narrow.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(narrow.stdout).not.toContain('Schedule Delay');
  });
});

describe('reading a database of 1 run per job without a config entry', () => {
  it('lists runs of jobs no longer configured', async () => {
    const fx = makeInfoFixture([{ job: 'gone', id: 'cccccccc-0000-4000-8000-000000000001', schedule: NOW - 10, start: NOW - 9, stop: NOW - 8, exit: 0 }]);
    try {
      const r = await runCli('dsari-info', fx.args('run', 'list', '--format', 'json'));
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ 'cccccccc-0000-4000-8000-000000000001': { job_name: 'gone', exit_code: 0 } });
    } finally {
      fx.cleanup();
    }
  });
});
