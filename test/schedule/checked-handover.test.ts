/**
 * The schedules compiled by the configuration check are handed to the first use of each job's
 * schedule (the daemon's start, a listing) instead of being compiled twice: each to its own job,
 * in its own zone, once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { compileJobScheduleOnce, compileSchedule, forgetCheckedSchedules, keepCheckedSchedule } from '../../src/schedule/index.js';
import { jobSchedule } from '../../src/schedule/job.js';
import { makeTempDir } from '../helpers/index.js';

describe('schedules compiled by the configuration check', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir('dsari-handover-');
    forgetCheckedSchedules();
  });
  afterEach(() => {
    forgetCheckedSchedules();
    tmp.cleanup();
  });

  it('are handed out once, to the same job, expression and zone only', () => {
    const kept = compileSchedule('H * * * *', { jobName: 'a', timezone: 'UTC' });
    keepCheckedSchedule('H * * * *', 'a', 'UTC', kept);
    expect(compileJobScheduleOnce('H * * * *', 'b', 'UTC')).not.toBe(kept);
    expect(compileJobScheduleOnce('H * * * *', 'a', 'Europe/Paris')).not.toBe(kept);
    expect(compileJobScheduleOnce('H/2 * * * *', 'a', 'UTC')).not.toBe(kept);
    expect(compileJobScheduleOnce('H * * * *', 'a', 'UTC')).toBe(kept);
    expect(compileJobScheduleOnce('H * * * *', 'a', 'UTC')).not.toBe(kept);
  });

  it('a loaded configuration: each job gets the fire times of its own schedule, as if compiled afresh', () => {
    const etc = join(tmp.path, 'etc');
    mkdirSync(etc);
    const names = ['alpha', 'beta', 'gamma', 'delta'];
    writeFileSync(
      join(etc, 'dsari.yaml'),
      `data_dir: ${JSON.stringify(join(tmp.path, 'data'))}\njobs:\n${names.map((n, i) => `  ${n}:\n    command: ["true"]\n    schedule: "H H * * *"\n${i % 2 ? '    schedule_timezone: Asia/Tokyo\n' : ''}`).join('')}`,
    );
    const config = loadConfig({ configDir: etc, env: { ...process.env, DSARI_CONFIG_CACHE: 'off' } });
    const after = Date.UTC(2026, 11, 7, 12) / 1000;
    const taken = names.map((n) => jobSchedule(config.jobs.get(n)!, 'UTC')!.next(after));
    const fresh = names.map((n, i) => compileSchedule('H H * * *', { jobName: n, timezone: i % 2 ? 'Asia/Tokyo' : 'UTC' }).next(after));
    expect(taken).toEqual(fresh);
    expect(new Set(taken).size).toBeGreaterThan(1);
  });
});
