import { afterEach, describe, expect, it } from 'vitest';
import { normalisedConfig, nextScheduledRun } from '../../src/config/dump.js';
import { ConfigError, ScheduleError } from '../../src/errors.js';
import { cleanupTemp, errorOf, loadFiles, loadYaml } from './helpers.js';

afterEach(cleanupTemp);

const withSchedule = (schedule: string, extra = ''): string =>
  `jobs:\n  backup:\n    command: [/bin/true]\n    schedule: ${JSON.stringify(schedule)}\n${extra}`;

describe('schedules are compiled at load (SPEC §3, §4)', () => {
  it.each([
    ['H H * *', 'dsari.yaml: job "backup": schedule: "H H * *" has 4 fields, expected 5 or 6'],
    ['* * * * * * *', 'dsari.yaml: job "backup": schedule: "* * * * * * *" has 7 fields, expected 5 or 6'],
    ['61 * * * *', 'dsari.yaml: job "backup": schedule: "61 * * * *": minute field "61": value 61 out of range 0-59'],
    ['RRULE:FREQ=DAILY;COUNT=3', 'dsari.yaml: job "backup": schedule: "RRULE:FREQ=DAILY;COUNT=3": COUNT is not supported (use UNTIL)'],
  ])('%j is an error naming file, job and key', (schedule, message) => {
    let err: unknown;
    try {
      loadYaml(withSchedule(schedule));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(message);
    expect((err as ConfigError).key).toBe('schedule');
    expect((err as ConfigError).job).toBe('backup');
    expect((err as Error).cause).toBeInstanceOf(ScheduleError);
  });

  it('names the config.d file and the job group', () => {
    expect(
      errorOf(() =>
        loadFiles({
          'dsari.yaml': 'job_groups:\n  nightly:\n    job_names: [a]\n    command: [x]\n    schedule: "0 3 * * *"\n',
          'config.d/50-override.yaml': 'job_groups:\n  nightly:\n    schedule: "0 3 * *"\n',
        }),
      ),
    ).toBe('config.d/50-override.yaml: job "a" (job group "nightly"): schedule: "0 3 * *" has 4 fields, expected 5 or 6');
  });

  it.each(['H/15 * * * *', '0 3 * * 1-5', '@daily', '*/10 * * * * *', 'RRULE:FREQ=DAILY;BYHOUR=14;BYMINUTE=30'])('accepts %j', (schedule) => {
    expect(loadYaml(withSchedule(schedule, '    schedule_timezone: Europe/Berlin\n')).jobs.get('backup')?.schedule).toBe(schedule);
  });
});

describe('next_scheduled_run', () => {
  it('is ISO 8601 in the job zone for a scheduled job, null for a trigger-only one', () => {
    const config = loadYaml(`jobs:
  utc:
    command: [x]
    schedule: "30 14 * * * 0"
    schedule_timezone: UTC
  berlin:
    command: [x]
    schedule: "30 14 * * * 0"
    schedule_timezone: Europe/Berlin
  manual:
    command: [x]
`);
    const now = Date.UTC(2026, 0, 15, 12, 0, 0) / 1000;
    const utc = nextScheduledRun(config.jobs.get('utc')!, now);
    expect(utc).toMatch(/^2026-01-15T14:30:00\.\d{6}\+00:00$/);
    expect(nextScheduledRun(config.jobs.get('berlin')!, now)).toMatch(/^2026-01-15T14:30:00\.\d{6}\+01:00$/);
    expect(nextScheduledRun(config.jobs.get('manual')!, now)).toBeNull();
    const dump = normalisedConfig(config, now) as { jobs: Record<string, { next_scheduled_run: string | null }> };
    expect(dump.jobs['utc']?.next_scheduled_run).toBe(utc);
    expect(dump.jobs['manual']?.next_scheduled_run).toBeNull();
  });
});
