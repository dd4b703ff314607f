import { describe, expect, it } from 'vitest';
import type { JobConfig } from '../../src/config/types.js';
import { ScheduleError } from '../../src/errors.js';
import { jobSchedule } from '../../src/schedule/job.js';
import { formatIso, parseDateTime } from '../../src/schedule/time.js';

function job(over: Partial<JobConfig>): JobConfig {
  return {
    name: 'hello', command: ['true'], commandAppendRun: false, schedule: null, scheduleTimezone: null,
    environment: {}, maxExecution: null, maxExecutionGrace: 60, concurrencyGroups: [], renderReports: true,
    jenkinsEnvironment: false, jobGroup: null, concurrentRuns: false, ...over,
  };
}

describe('jobSchedule', () => {
  it('is null for a trigger-only job', () => {
    expect(jobSchedule(job({ schedule: null }))).toBeNull();
  });
  it('uses schedule_timezone and the job name', () => {
    const s = jobSchedule(job({ schedule: '@midnight', scheduleTimezone: 'Europe/Berlin' }));
    const t = s?.next(parseDateTime('2020-01-01T00:00:00', 'Europe/Berlin')) as number;
    expect(formatIso(t, 'Europe/Berlin')).toBe('2020-01-01T02:10:32.211192+01:00');
  });
  it('falls back to the host zone (TZ)', () => {
    const saved = process.env['TZ'];
    try {
      process.env['TZ'] = 'America/Los_Angeles';
      const s = jobSchedule(job({ schedule: '0 9 * * *' }));
      const t = s?.next(parseDateTime('2020-07-01T00:00:00Z', 'UTC')) as number;
      expect(formatIso(t, 'America/Los_Angeles')).toBe('2020-07-01T09:00:32.211192-07:00');
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });
  it('throws the ScheduleError of a bad expression', () => {
    expect(() => jobSchedule(job({ schedule: 'H H * *' }))).toThrow(ScheduleError);
  });
});
