/**
 * Daylight-saving changes (SPEC §4.3) at real transitions. Job "" has no sub-second offset, so
 * the times below are exact. Six-field expressions fix the second.
 *
 * - America/Los_Angeles 2021-03-14 02:00 PST → 03:00 PDT; 2021-11-07 02:00 PDT → 01:00 PST
 * - Europe/Berlin 2021-03-28 02:00 CET → 03:00 CEST; 2021-10-31 03:00 CEST → 02:00 CET
 * - Australia/Lord_Howe (30 minutes) 2021-10-03 02:00 +10:30 → 02:30 +11:00;
 *   2021-04-04 02:00 +11:00 → 01:30 +10:30
 */
import { describe, expect, it } from 'vitest';
import { compileSchedule } from '../../src/schedule/index.js';
import { formatIso, parseDateTime } from '../../src/schedule/time.js';

function run(expr: string, zone: string, from: string, n: number): string[] {
  const s = compileSchedule(expr, { jobName: '', timezone: zone });
  const out: string[] = [];
  let t: number | null = parseDateTime(from, zone);
  for (let i = 0; i < n && t !== null; i++) {
    t = s.next(t);
    if (t !== null) out.push(formatIso(t, zone, 0));
  }
  return out;
}

/** Real seconds between consecutive times. */
function gaps(times: readonly string[]): number[] {
  const ts = times.map((t) => Date.parse(t) / 1000);
  return ts.slice(1).map((t, i) => t - (ts[i] as number));
}

describe('spring forward: a wall time that does not exist fires once, at the first instant after the gap', () => {
  it.each<[string, string, string, string[]]>([
    ['America/Los_Angeles', '30 2 * * * 0', '2021-03-13T12:00:00', ['2021-03-14T03:00:00-07:00', '2021-03-15T02:30:00-07:00']],
    ['America/Los_Angeles', '0 2 * * * 0', '2021-03-13T12:00:00', ['2021-03-14T03:00:00-07:00', '2021-03-15T02:00:00-07:00']],
    ['America/Los_Angeles', '0,30 2 * * * 0', '2021-03-13T12:00:00', ['2021-03-14T03:00:00-07:00', '2021-03-15T02:00:00-07:00', '2021-03-15T02:30:00-07:00']],
    ['America/Los_Angeles', '30 3 * * * 0', '2021-03-13T12:00:00', ['2021-03-14T03:30:00-07:00', '2021-03-15T03:30:00-07:00']],
    ['America/Los_Angeles', '0 1-3 * * * 0', '2021-03-14T00:00:00', ['2021-03-14T01:00:00-08:00', '2021-03-14T03:00:00-07:00', '2021-03-15T01:00:00-07:00']],
    ['Europe/Berlin', '30 2 * * * 0', '2021-03-27T12:00:00', ['2021-03-28T03:00:00+02:00', '2021-03-29T02:30:00+02:00']],
    ['Europe/Berlin', '59 2 28 3 * 59', '2021-01-01T00:00:00', ['2021-03-28T03:00:00+02:00', '2022-03-28T02:59:59+02:00']],
    ['Australia/Lord_Howe', '15 2 * * * 0', '2021-10-02T12:00:00', ['2021-10-03T02:30:00+11:00', '2021-10-04T02:15:00+11:00']],
    ['Australia/Lord_Howe', '45 2 * * * 0', '2021-10-02T12:00:00', ['2021-10-03T02:45:00+11:00', '2021-10-04T02:45:00+11:00']],
  ])('%s %s', (zone, expr, from, times) => {
    expect(run(expr, zone, from, times.length)).toEqual(times);
  });
});

describe('fall back: a repeated wall time fires once, at its first occurrence', () => {
  it.each<[string, string, string, string[]]>([
    ['America/Los_Angeles', '30 1 * * * 0', '2021-11-06T12:00:00', ['2021-11-07T01:30:00-07:00', '2021-11-08T01:30:00-08:00']],
    ['America/Los_Angeles', '0,30 1 * * * 0', '2021-11-06T12:00:00', ['2021-11-07T01:00:00-07:00', '2021-11-07T01:30:00-07:00', '2021-11-08T01:00:00-08:00']],
    ['America/Los_Angeles', '0 1-2 * * * 0', '2021-11-07T00:00:00', ['2021-11-07T01:00:00-07:00', '2021-11-07T02:00:00-08:00', '2021-11-08T01:00:00-08:00']],
    ['Europe/Berlin', '30 2 * * * 0', '2021-10-30T12:00:00', ['2021-10-31T02:30:00+02:00', '2021-11-01T02:30:00+01:00']],
    ['Australia/Lord_Howe', '45 1 * * * 0', '2021-04-03T12:00:00', ['2021-04-04T01:45:00+11:00', '2021-04-05T01:45:00+10:30']],
    // 01:15 is not repeated (only 01:30-01:59 is)
    ['Australia/Lord_Howe', '15 1 * * * 0', '2021-04-03T12:00:00', ['2021-04-04T01:15:00+11:00', '2021-04-05T01:15:00+10:30']],
  ])('%s %s', (zone, expr, from, times) => {
    expect(run(expr, zone, from, times.length)).toEqual(times);
  });

  it('does not fire again when asked from inside the second occurrence', () => {
    const s = compileSchedule('30 1 * * * 0', { jobName: '', timezone: 'America/Los_Angeles' });
    const inside = parseDateTime('2021-11-07T01:10:00-08:00', 'UTC');
    expect(formatIso(s.next(inside) as number, 'America/Los_Angeles', 0)).toBe('2021-11-08T01:30:00-08:00');
  });
});

describe('schedules firing every hour keep their real-time pace', () => {
  it.each<[string, string, string, number, number]>([
    // zone, expression, from, count, expected real interval (s)
    ['America/Los_Angeles', '*/5 * * * * 0', '2021-03-14T01:30:00', 12, 300],
    ['America/Los_Angeles', '*/5 * * * * 0', '2021-11-07T00:30:00', 40, 300],
    ['America/Los_Angeles', '0 * * * * 0', '2021-03-13T22:00:00', 8, 3600],
    ['America/Los_Angeles', '10 * * * * 0', '2021-11-06T22:00:00', 8, 3600],
    ['Europe/Berlin', '*/15 * * * * 0', '2021-03-28T01:00:00', 12, 900],
    ['Europe/Berlin', '*/15 * * * * 0', '2021-10-31T01:30:00', 16, 900],
    ['Europe/Berlin', '* * * * * */10', '2021-10-31T02:58:00', 30, 10],
    ['Australia/Lord_Howe', '*/10 * * * * 0', '2021-10-03T01:00:00', 20, 600],
    ['Australia/Lord_Howe', '*/15 * * * * 0', '2021-04-04T01:00:00', 16, 900],
  ])('%s %s from %s', (zone, expr, from, n, interval) => {
    const times = run(expr, zone, from, n);
    expect(times).toHaveLength(n);
    expect(new Set(gaps(times))).toEqual(new Set([interval]));
  });

  it('LA spring forward, */5: 01:55 PST then 03:00 PDT', () => {
    expect(run('*/5 * * * * 0', 'America/Los_Angeles', '2021-03-14T01:50:00', 3)).toEqual([
      '2021-03-14T01:55:00-08:00',
      '2021-03-14T03:00:00-07:00',
      '2021-03-14T03:05:00-07:00',
    ]);
  });

  it('LA fall back, */20: the repeated hour runs twice', () => {
    expect(run('*/20 * * * * 0', 'America/Los_Angeles', '2021-11-07T00:50:00', 7)).toEqual([
      '2021-11-07T01:00:00-07:00',
      '2021-11-07T01:20:00-07:00',
      '2021-11-07T01:40:00-07:00',
      '2021-11-07T01:00:00-08:00',
      '2021-11-07T01:20:00-08:00',
      '2021-11-07T01:40:00-08:00',
      '2021-11-07T02:00:00-08:00',
    ]);
  });

  it('Lord Howe spring forward (30 min), hourly at :10: 02:10 does not exist and is read as 02:40', () => {
    expect(run('10 * * * * 0', 'Australia/Lord_Howe', '2021-10-03T00:30:00', 3)).toEqual([
      '2021-10-03T01:10:00+10:30',
      '2021-10-03T02:40:00+11:00',
      '2021-10-03T03:10:00+11:00',
    ]);
  });
});

describe('RRULE across changes', () => {
  it('a daily rule at a nonexistent time fires at the end of the gap', () => {
    expect(run('RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYSECOND=0', 'America/Los_Angeles', '2021-03-13T12:00:00', 3)).toEqual([
      '2021-03-14T03:00:00-07:00',
      '2021-03-15T02:30:00-07:00',
      '2021-03-16T02:30:00-07:00',
    ]);
  });
  it('a daily rule at a repeated time fires once', () => {
    expect(run('RRULE:FREQ=DAILY;BYHOUR=1;BYMINUTE=30;BYSECOND=0', 'America/Los_Angeles', '2021-11-06T12:00:00', 2)).toEqual([
      '2021-11-07T01:30:00-07:00',
      '2021-11-08T01:30:00-08:00',
    ]);
  });
  it('a plain daily rule keeps its hashed wall time of day through the change', () => {
    // job "" → crc 0 → DTSTART at 00:00:00 local
    expect(run('RRULE:FREQ=DAILY', 'Europe/Berlin', '2021-03-27T12:00:00', 3)).toEqual([
      '2021-03-28T00:00:00+01:00',
      '2021-03-29T00:00:00+02:00',
      '2021-03-30T00:00:00+02:00',
    ]);
  });
  it('an hourly rule keeps its real-time pace', () => {
    const times = run('RRULE:FREQ=HOURLY;BYMINUTE=0;BYSECOND=0', 'America/Los_Angeles', '2021-11-06T22:30:00', 8);
    expect(new Set(gaps(times))).toEqual(new Set([3600]));
  });
});

describe('bounded searches', () => {
  it.each<[string, string]>([
    ['0 1 30 3 *', 'Europe/Lisbon'],
    ['0 1 * 3 0', 'Europe/Lisbon'],
    ['30 2 * 3 0', 'America/New_York'],
    ['0 0 * * *', 'America/Santiago'],
    ['0 0 * * *', 'Asia/Beirut'],
    ['0 0 29 2 *', 'Pacific/Apia'],
    ['0 0 30 12 *', 'Pacific/Apia'],
  ])('%s in %s returns within bounded time for 30 years', (expr, zone) => {
    const s = compileSchedule(expr, { jobName: 'hello', timezone: zone });
    const started = performance.now();
    let t: number | null = parseDateTime('2000-01-01T00:00:00Z', 'UTC');
    let count = 0;
    while (t !== null && t < parseDateTime('2030-01-01T00:00:00Z', 'UTC')) {
      const n: number | null = s.next(t);
      expect(n).not.toBeNull();
      expect(n as number).toBeGreaterThan(t);
      t = n;
      count++;
    }
    expect(count).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('0 1 30 3 * in Lisbon fires every year, at 02:00 WEST when 01:00 does not exist', () => {
    // 2014-03-30 and 2025-03-30 are the last Sundays of March: 01:00 WET → 02:00 WEST
    const years = run('0 1 30 3 * 0', 'Europe/Lisbon', '2013-01-01T00:00:00', 13);
    expect(years).toContain('2014-03-30T02:00:00+01:00');
    expect(years).toContain('2025-03-30T02:00:00+01:00');
    expect(years).toContain('2015-03-30T01:00:00+01:00');
    expect(years).toHaveLength(13);
  });

  it('Samoa skipped 2011-12-30 entirely: a daily job fires once at the end of the gap', () => {
    expect(run('0 12 * * * 0', 'Pacific/Apia', '2011-12-29T13:00:00', 2)).toEqual([
      '2011-12-31T00:00:00+14:00',
      '2011-12-31T12:00:00+14:00',
    ]);
  });
});
