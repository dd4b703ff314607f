/**
 * RRULE schedules (SPEC §4.2). For job "hello", crc mod 86400 = 907060870 mod 86400 = 33670 s,
 * so DTSTART is at wall time 09:21:10 and rules that leave hour/minute/second open fire then;
 * the sub-second offset is .211192.
 */
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../src/errors.js';
import { compileSchedule } from '../../src/schedule/index.js';
import { formatIso, parseDateTime } from '../../src/schedule/time.js';

function run(expr: string, zone: string, from: string, n: number, job = 'hello'): (string | null)[] {
  const s = compileSchedule(expr, { jobName: job, timezone: zone });
  const out: (string | null)[] = [];
  let t: number | null = parseDateTime(from, zone);
  for (let i = 0; i < n; i++) {
    t = t === null ? null : s.next(t);
    out.push(t === null ? null : formatIso(t, zone));
  }
  return out;
}

describe('RRULE next times', () => {
  it.each<[string, string, string, (string | null)[]]>([
    ['RRULE:FREQ=DAILY', 'UTC', '2020-01-01T00:00:00', ['2020-01-01T09:21:10.211192+00:00', '2020-01-02T09:21:10.211192+00:00', '2020-01-03T09:21:10.211192+00:00']],
    ['rrule:freq=daily', 'UTC', '2020-01-01T00:00:00', ['2020-01-01T09:21:10.211192+00:00', '2020-01-02T09:21:10.211192+00:00']],
    // started after today's hashed time: tomorrow
    ['RRULE:FREQ=DAILY', 'UTC', '2020-01-01T12:00:00', ['2020-01-02T09:21:10.211192+00:00']],
    // hour and minute from the rule, second from DTSTART
    ['RRULE:FREQ=DAILY;BYHOUR=14;BYMINUTE=30', 'UTC', '2020-01-01T00:00:00', ['2020-01-01T14:30:10.211192+00:00', '2020-01-02T14:30:10.211192+00:00']],
    // 2020-01-02 is a Thursday
    ['RRULE:FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=14;BYMINUTE=30', 'UTC', '2020-01-01T00:00:00', ['2020-01-02T14:30:10.211192+00:00', '2020-01-06T14:30:10.211192+00:00', '2020-01-09T14:30:10.211192+00:00']],
    // last weekday of the month
    ['RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', 'UTC', '2020-01-01T00:00:00', ['2020-01-31T09:21:10.211192+00:00', '2020-02-28T09:21:10.211192+00:00', '2020-03-31T09:21:10.211192+00:00']],
    ['RRULE:FREQ=HOURLY;INTERVAL=6', 'UTC', '2020-01-01T00:00:00', ['2020-01-01T03:21:10.211192+00:00', '2020-01-01T09:21:10.211192+00:00', '2020-01-01T15:21:10.211192+00:00']],
    ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=0;BYMINUTE=0;BYSECOND=0', 'UTC', '2020-03-01T00:00:00', ['2024-02-29T00:00:00.211192+00:00', '2028-02-29T00:00:00.211192+00:00']],
    // the hashed DTSTART is a wall time of the schedule's zone
    ['RRULE:FREQ=DAILY', 'Europe/Berlin', '2020-01-01T00:00:00', ['2020-01-01T09:21:10.211192+01:00', '2020-01-02T09:21:10.211192+01:00']],
    ['RRULE:FREQ=DAILY', 'America/Los_Angeles', '2020-07-01T00:00:00', ['2020-07-01T09:21:10.211192-07:00', '2020-07-02T09:21:10.211192-07:00']],
    // UNTIL with Z is UTC; inclusive
    ['RRULE:FREQ=DAILY;UNTIL=20200103T092110Z', 'UTC', '2020-01-01T00:00:00', ['2020-01-01T09:21:10.211192+00:00', '2020-01-02T09:21:10.211192+00:00', '2020-01-03T09:21:10.211192+00:00', null]],
    ['RRULE:FREQ=DAILY;UNTIL=20200103T000000Z', 'UTC', '2020-01-01T00:00:00', ['2020-01-01T09:21:10.211192+00:00', '2020-01-02T09:21:10.211192+00:00', null]],
    // UNTIL without Z is read in the zone: 09:30 Berlin excludes 10:00 Berlin (read as UTC it would include it)
    ['RRULE:FREQ=DAILY;BYHOUR=10;BYMINUTE=0;BYSECOND=0;UNTIL=20200103T093000', 'Europe/Berlin', '2020-01-01T00:00:00', ['2020-01-01T10:00:00.211192+01:00', '2020-01-02T10:00:00.211192+01:00', null]],
    ['RRULE:FREQ=DAILY;BYHOUR=10;BYMINUTE=0;BYSECOND=0;UNTIL=20200103T093000Z', 'Europe/Berlin', '2020-01-01T00:00:00', ['2020-01-01T10:00:00.211192+01:00', '2020-01-02T10:00:00.211192+01:00', '2020-01-03T10:00:00.211192+01:00', null]],
    // a rule past its last occurrence
    ['RRULE:FREQ=DAILY;UNTIL=20100101T000000Z', 'UTC', '2020-01-01T00:00:00', [null]],
  ])('%s in %s from %s', (expr, zone, from, times) => {
    expect(run(expr, zone, from, times.length)).toEqual(times);
  });

  it('hashes the time of day per job name (non-ASCII too)', () => {
    // crc32("日本語ジョブ") = 1670433876; mod 86400 = 62676 s = 17:24:36; offset = .388928
    expect(run('RRULE:FREQ=DAILY', 'UTC', '2020-01-01T00:00:00', 1, '日本語ジョブ')).toEqual(['2020-01-01T17:24:36.388928+00:00']);
    // job "" → crc 0 → midnight, no offset
    expect(run('RRULE:FREQ=DAILY', 'UTC', '2020-01-01T00:00:00', 1, '')).toEqual(['2020-01-02T00:00:00.000000+00:00']);
  });
});

describe('sub-daily rules', () => {
  it('keep their phase from the hashed DTSTART (job "": midnight)', () => {
    // every 7 minutes from 00:00: 10:00 is minute 600, the next multiple of 7 is 602 = 10:02
    expect(run('RRULE:FREQ=MINUTELY;INTERVAL=7', 'UTC', '2020-01-01T10:00:00', 3, '')).toEqual([
      '2020-01-01T10:02:00.000000+00:00',
      '2020-01-01T10:09:00.000000+00:00',
      '2020-01-01T10:16:00.000000+00:00',
    ]);
    // every 13 s from 00:00:00: 23:59:50 is second 86390 → 86398 = 23:59:58; asked from there,
    // DTSTART is still 2020-01-01T00:00:00, so 86411 s = 2020-01-02T00:00:11
    expect(run('RRULE:FREQ=SECONDLY;INTERVAL=13', 'UTC', '2020-01-01T23:59:50', 2, '')).toEqual([
      '2020-01-01T23:59:58.000000+00:00',
      '2020-01-02T00:00:11.000000+00:00',
    ]);
    expect(run('RRULE:FREQ=HOURLY;INTERVAL=5;BYMINUTE=15;BYSECOND=0', 'UTC', '2020-01-01T12:00:00', 2, '')).toEqual([
      '2020-01-01T15:15:00.000000+00:00',
      '2020-01-01T20:15:00.000000+00:00',
    ]);
  });
  it('are cheap late in the day (no iteration from DTSTART)', () => {
    const s = compileSchedule('RRULE:FREQ=SECONDLY', { jobName: '', timezone: 'Europe/Berlin' });
    const from = parseDateTime('2020-01-01T23:00:00', 'Europe/Berlin');
    const started = performance.now();
    let t = from;
    for (let i = 0; i < 200; i++) t = s.next(t) as number;
    expect(t - from).toBe(200);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('RRULE errors', () => {
  it.each<[string, RegExp]>([
    ['RRULE:FREQ=DAILY;COUNT=3', /COUNT is not supported/],
    ['RRULE:', /empty rule/],
    ['RRULE:BYHOUR=3', /FREQ is missing/],
    ['RRULE:FREQ=FORTNIGHTLY', /FREQ|frequency/i],
    ['RRULE:FREQ=DAILY;BYHOUR=25', /BYHOUR value 25 out of range 0-23/],
    ['RRULE:FREQ=DAILY;BYMINUTE=60', /BYMINUTE value 60 out of range 0-59/],
    ['RRULE:FREQ=MONTHLY;BYMONTHDAY=0', /BYMONTHDAY value 0 out of range ±1-31/],
    ['RRULE:FREQ=DAILY;INTERVAL=0', /INTERVAL 0 is not a positive integer/],
    ['RRULE:FREQ=DAILY;FOO=1', /Unknown RRULE property 'FOO'/],
    ['RRULE:FREQ=DAILY;UNTIL=garbage', /UNTIL/],
    ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', /never fires/],
    ['RRULE:FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31', /never fires/],
  ])('%s', (expr, message) => {
    let caught: unknown;
    try {
      compileSchedule(expr, { jobName: 'hello', timezone: 'UTC' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScheduleError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain(expr.split(';')[0] as string);
  });
});
