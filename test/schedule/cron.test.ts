/**
 * Cron parsing, hashing (SPEC §4.1) and next-time tables in UTC. Expected times are derived by
 * hand from the formula hash(i, begin, end) = ((crc >> i) mod (end - begin + 1)) + begin, with
 * crc("hello") = 907060870: minute (i=0) H = 10, hour (i=1) H = 11, H(0-2) = 2, day-of-month
 * (i=2) H = 1, month (i=3) H = 9, day-of-week (i=4) H = 0 (Sunday), second (i=5) H = 32; and the
 * sub-second offset 907060870 / 4294967295 = 0.2111916 s.
 */
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../src/errors.js';
import { compileSchedule } from '../../src/schedule/index.js';
import { crc32 } from '../../src/schedule/hash.js';
import { formatIso, parseDateTime } from '../../src/schedule/time.js';

const FROM = '2020-01-01T00:00:00+00:00';

function nextTimes(expr: string, job: string, from = FROM, n = 3, zone = 'UTC'): string[] {
  const s = compileSchedule(expr, { jobName: job, timezone: zone });
  const out: string[] = [];
  let t: number | null = parseDateTime(from, zone);
  for (let i = 0; i < n; i++) {
    t = s.next(t);
    if (t === null) break;
    out.push(formatIso(t, zone));
  }
  return out;
}

describe('anchors (job "hello", from 2020-01-01T00:00:00Z, UTC)', () => {
  it.each([
    ['H * * * *', '2020-01-01T00:10:32.211192+00:00'],
    ['@midnight', '2020-01-01T02:10:32.211192+00:00'],
    ['RRULE:FREQ=DAILY', '2020-01-01T09:21:10.211192+00:00'],
  ])('%s → %s', (expr, first) => {
    expect(nextTimes(expr, 'hello', FROM, 1)).toEqual([first]);
  });
});

describe('hash forms, job "hello"', () => {
  // Values for "hello": crc >> 0 = 907060870, >> 1 = 453530435, >> 2 = 226765217,
  // >> 3 = 113382608, >> 4 = 56691304, >> 5 = 28345652.
  it.each<[string, string[]]>([
    ['H * * * *', ['2020-01-01T00:10:32.211192+00:00', '2020-01-01T01:10:32.211192+00:00', '2020-01-01T02:10:32.211192+00:00']],
    ['H H * * *', ['2020-01-01T11:10:32.211192+00:00', '2020-01-02T11:10:32.211192+00:00', '2020-01-03T11:10:32.211192+00:00']],
    // day-of-week H: 56691304 mod 8 = 0 → Sunday 2020-01-05
    ['H H * * H', ['2020-01-05T11:10:32.211192+00:00', '2020-01-12T11:10:32.211192+00:00', '2020-01-19T11:10:32.211192+00:00']],
    // day-of-month H: 226765217 mod 31 + 1 = 1
    ['H H H * *', ['2020-01-01T11:10:32.211192+00:00', '2020-02-01T11:10:32.211192+00:00', '2020-03-01T11:10:32.211192+00:00']],
    // month H: 113382608 mod 12 + 1 = 9
    ['H H H H *', ['2020-09-01T11:10:32.211192+00:00', '2021-09-01T11:10:32.211192+00:00', '2022-09-01T11:10:32.211192+00:00']],
    // H(3-5): 226765217 mod 3 + 3 = 5
    ['H H H(3-5) * *', ['2020-01-05T11:10:32.211192+00:00', '2020-02-05T11:10:32.211192+00:00', '2020-03-05T11:10:32.211192+00:00']],
    // H/15: o = 907060870 mod 16 = 6 → 6-59/15 = 6,21,36,51
    ['H/15 * * * *', ['2020-01-01T00:06:32.211192+00:00', '2020-01-01T00:21:32.211192+00:00', '2020-01-01T00:36:32.211192+00:00']],
    // H(30-59)/10: o = 907060870 mod 11 = 1 → 31-59/10 = 31,41,51
    ['H(30-59)/10 * * * *', ['2020-01-01T00:31:32.211192+00:00', '2020-01-01T00:41:32.211192+00:00', '2020-01-01T00:51:32.211192+00:00']],
    // hour H(2-5)/3: o = 453530435 mod 4 = 3 → 5-5/3 = 5
    ['0 H(2-5)/3 * * *', ['2020-01-01T05:00:32.211192+00:00', '2020-01-02T05:00:32.211192+00:00', '2020-01-03T05:00:32.211192+00:00']],
    // zero-bound quirk: H(0-0) in the minute field is H(0-59) = 10; in day-of-month H(0-5) is H(1-5) = 226765217 mod 5 + 1 = 3
    ['H(0-0) 0 * * *', ['2020-01-01T00:10:32.211192+00:00', '2020-01-02T00:10:32.211192+00:00', '2020-01-03T00:10:32.211192+00:00']],
    ['0 0 H(0-5) * *', ['2020-01-03T00:00:32.211192+00:00', '2020-02-03T00:00:32.211192+00:00', '2020-03-03T00:00:32.211192+00:00']],
    // six fields: the sixth is the second
    ['H H * * * H', ['2020-01-01T11:10:32.211192+00:00', '2020-01-02T11:10:32.211192+00:00', '2020-01-03T11:10:32.211192+00:00']],
    // 00:00:00 itself is not strictly after the start
    ['0 0 * * * 0', ['2020-01-02T00:00:00.211192+00:00', '2020-01-03T00:00:00.211192+00:00', '2020-01-04T00:00:00.211192+00:00']],
    ['* * * * * */20', ['2020-01-01T00:00:20.211192+00:00', '2020-01-01T00:00:40.211192+00:00', '2020-01-01T00:01:00.211192+00:00']],
    ['@hourly', ['2020-01-01T00:10:32.211192+00:00', '2020-01-01T01:10:32.211192+00:00', '2020-01-01T02:10:32.211192+00:00']],
    ['@daily', ['2020-01-01T11:10:32.211192+00:00', '2020-01-02T11:10:32.211192+00:00', '2020-01-03T11:10:32.211192+00:00']],
    ['@weekly', ['2020-01-05T11:10:32.211192+00:00', '2020-01-12T11:10:32.211192+00:00', '2020-01-19T11:10:32.211192+00:00']],
    ['@monthly', ['2020-01-01T11:10:32.211192+00:00', '2020-02-01T11:10:32.211192+00:00', '2020-03-01T11:10:32.211192+00:00']],
    ['@yearly', ['2020-09-01T11:10:32.211192+00:00', '2021-09-01T11:10:32.211192+00:00', '2022-09-01T11:10:32.211192+00:00']],
    ['@ANNUALLY', ['2020-09-01T11:10:32.211192+00:00', '2021-09-01T11:10:32.211192+00:00', '2022-09-01T11:10:32.211192+00:00']],
  ])('%s', (expr, times) => {
    expect(nextTimes(expr, 'hello')).toEqual(times);
  });
});

describe('other job names (hash values worked out per name)', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['different id', 934250784],
    ['backup', crc32('backup')],
    ['Ünïcödé', 1107240987],
    ['日本語ジョブ', 1670433876],
    ['job with spaces:+.@', crc32('job with spaces:+.@')],
  ];
  it.each(cases)('%j: H H * * * fires at hash-derived hour:minute:second', (job, crc) => {
    const minute = crc % 60;
    const hour = Math.floor(crc / 2) % 24;
    const second = Math.floor(crc / 32) % 60;
    const frac = crc / 4294967295;
    const [first] = nextTimes('H H * * *', job, '2019-12-31T23:59:59.5Z', 1);
    const expected = Date.UTC(2020, 0, 1, hour, minute, second) / 1000 + frac;
    expect(first).toBe(formatIso(expected, 'UTC'));
  });
  it('"different id" gives 00:24 (the croniter hash test vector)', () => {
    expect(nextTimes('H H * * *', 'different id', FROM, 1)[0]).toMatch(/^2020-01-01T00:24:/);
  });
  it('the empty name has no sub-second offset and hashes to the field minimums', () => {
    expect(nextTimes('H H H * *', '', '2019-12-31T23:59:59.999Z', 2)).toEqual(['2020-01-01T00:00:00.000000+00:00', '2020-02-01T00:00:00.000000+00:00']);
  });
});

describe('plain cron', () => {
  it.each<[string, string, string[]]>([
    ['30 6 * * *', FROM, ['2020-01-01T06:30:32', '2020-01-02T06:30:32', '2020-01-03T06:30:32']],
    ['0 0 1 JAN-MAR *', FROM, ['2020-01-01T00:00:32', '2020-02-01T00:00:32', '2020-03-01T00:00:32']],
    ['0 0 1 feb,Mar *', FROM, ['2020-02-01T00:00:32', '2020-03-01T00:00:32', '2021-02-01T00:00:32']],
    ['0 12 * * mon-fri', FROM, ['2020-01-01T12:00:32', '2020-01-02T12:00:32', '2020-01-03T12:00:32']],
    ['0 12 * * SAT,SUN', FROM, ['2020-01-04T12:00:32', '2020-01-05T12:00:32', '2020-01-11T12:00:32']],
    // 7 and 0 are both Sunday
    ['0 0 * * 7', FROM, ['2020-01-05T00:00:32', '2020-01-12T00:00:32', '2020-01-19T00:00:32']],
    ['0 0 * * 0', FROM, ['2020-01-05T00:00:32', '2020-01-12T00:00:32', '2020-01-19T00:00:32']],
    ['0 0 * * 5-7', FROM, ['2020-01-03T00:00:32', '2020-01-04T00:00:32', '2020-01-05T00:00:32']],
    // day-of-month OR day-of-week when both are restricted: the 13th, or any Friday
    ['0 0 13 * 5', FROM, ['2020-01-03T00:00:32', '2020-01-10T00:00:32', '2020-01-13T00:00:32']],
    // only day-of-month restricted (day-of-week is *)
    ['0 0 13 * *', FROM, ['2020-01-13T00:00:32', '2020-02-13T00:00:32', '2020-03-13T00:00:32']],
    ['0 0 31 * *', FROM, ['2020-01-31T00:00:32', '2020-03-31T00:00:32', '2020-05-31T00:00:32']],
    ['0 0 29 2 *', FROM, ['2020-02-29T00:00:32', '2024-02-29T00:00:32', '2028-02-29T00:00:32']],
    ['10-40/10 * * * *', FROM, ['2020-01-01T00:10:32', '2020-01-01T00:20:32', '2020-01-01T00:30:32']],
    ['5/20 * * * *', FROM, ['2020-01-01T00:05:32', '2020-01-01T00:25:32', '2020-01-01T00:45:32']],
    ['1,5,7-8 0 * * *', FROM, ['2020-01-01T00:01:32', '2020-01-01T00:05:32', '2020-01-01T00:07:32']],
    ['59 23 31 12 *', FROM, ['2020-12-31T23:59:32', '2021-12-31T23:59:32', '2022-12-31T23:59:32']],
    ['0 0 ? * 1', FROM, ['2020-01-06T00:00:32', '2020-01-13T00:00:32', '2020-01-20T00:00:32']],
    ['  0   0  *  *  *  ', FROM, ['2020-01-01T00:00:32', '2020-01-02T00:00:32', '2020-01-03T00:00:32']],
  ])('%s from %s', (expr, from, times) => {
    expect(nextTimes(expr, 'hello', from)).toEqual(times.map((t) => `${t}.211192+00:00`));
  });

  it('skips 2100, which is no leap year (microseconds of far-future floats may round: compare ms)', () => {
    const s = compileSchedule('0 0 29 2 *', { jobName: 'hello', timezone: 'UTC' });
    let t = parseDateTime('2096-03-01T00:00:00Z', 'UTC');
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(formatIso((t = s.next(t) as number), 'UTC', 3));
    expect(got).toEqual(['2104-02-29T00:00:32.211+00:00', '2108-02-29T00:00:32.211+00:00', '2112-02-29T00:00:32.211+00:00']);
  });

  it('is strictly after `after`, and the next after a fire time is the following occurrence', () => {
    const s = compileSchedule('H * * * *', { jobName: 'hello', timezone: 'UTC' });
    const fire = parseDateTime('2020-01-01T00:10:32.211192Z', 'UTC');
    expect(formatIso(s.next(fire) as number, 'UTC')).toBe('2020-01-01T01:10:32.211192+00:00');
    // Like the original: the occurrence (whole second 00:10:32) must be strictly after `after`;
    // the offset is added after that, so any time within 00:10:32.x already counts as past it.
    expect(formatIso(s.next(fire - 1e-3) as number, 'UTC')).toBe('2020-01-01T01:10:32.211192+00:00');
    expect(formatIso(s.next(fire - 0.2) as number, 'UTC')).toBe('2020-01-01T01:10:32.211192+00:00');
    expect(formatIso(s.next(fire - 0.3) as number, 'UTC')).toBe('2020-01-01T00:10:32.211192+00:00');
    expect(formatIso(s.next(fire - 1) as number, 'UTC')).toBe('2020-01-01T00:10:32.211192+00:00');
  });

  it('day-of-week H hashing to 7 means Sunday', () => {
    // find a job name whose crc >> 4 is 7 mod 8
    let i = 0;
    while (Math.floor(crc32(`job${i}`) / 16) % 8 !== 7) i++;
    const name = `job${i}`;
    const times = nextTimes('0 0 * * H', name, FROM, 2);
    expect(times.map((t) => new Date(parseDateTime(t, 'UTC') * 1000).getUTCDay())).toEqual([0, 0]);
  });
});

describe('R forms', () => {
  it('draw from the given random source at every evaluation', () => {
    const draws = [0.25, 0.75];
    let k = 0;
    const s = compileSchedule('R 0 * * *', { jobName: 'hello', timezone: 'UTC', random: () => draws[k++ % 2] as number });
    // random crc = floor(r * 2^32): 0.25 → 1073741824 mod 60 = 4; 0.75 → 3221225472 mod 60 = 12
    const from = parseDateTime(FROM, 'UTC');
    const first = s.next(from) as number;
    const second = s.next(from) as number;
    expect(new Set([formatIso(first, 'UTC'), formatIso(second, 'UTC')])).toEqual(
      new Set(['2020-01-01T00:04:32.211192+00:00', '2020-01-01T00:12:32.211192+00:00']),
    );
  });
  it('R(a-b) stays in its range', () => {
    const s = compileSchedule('0 0 R(10-20) * *', { jobName: 'x', timezone: 'UTC' });
    for (let i = 0; i < 50; i++) {
      const day = new Date((s.next(parseDateTime(FROM, 'UTC')) as number) * 1000).getUTCDate();
      expect(day).toBeGreaterThanOrEqual(10);
      expect(day).toBeLessThanOrEqual(20);
    }
  });
});

describe('errors point at the bad field', () => {
  it.each<[string, RegExp]>([
    ['H H * *', /^"H H \* \*" has 4 fields, expected 5 or 6$/],
    ['', /has 0 fields, expected 5 or 6/],
    ['* * * * * * *', /has 7 fields, expected 5 or 6/],
    ['61 * * * *', /^minute field "61": value 61 out of range 0-59$/],
    ['0 24 * * *', /^hour field "24": value 24 out of range 0-23$/],
    ['0 0 0 * *', /^day-of-month field "0": value 0 out of range 1-31$/],
    ['0 0 32 * *', /^day-of-month field "32": value 32 out of range 1-31$/],
    ['0 0 * 13 *', /^month field "13": value 13 out of range 1-12$/],
    ['0 0 * FOO *', /^month field "FOO": "FOO" is neither a number nor a name \(JAN-DEC\)$/],
    ['0 0 * * 8', /^day-of-week field "8": value 8 out of range 0-7$/],
    ['0 0 * * 1 60', /^second field "60": value 60 out of range 0-59$/],
    ['*/0 * * * *', /^minute field "\*\/0": step 0$/],
    ['5-1 * * * *', /^minute field "5-1": range start 5 is after end 1$/],
    ['1,,2 * * * *', /^minute field "1,,2": empty list item$/],
    ['a * * * *', /^minute field "a": "a" is not a number$/],
    ['1-2-3 * * * *', /^minute field "1-2-3"/],
    ['H(5-70) * * * *', /^minute field "H\(5-70\)": value 70 out of range 0-59$/],
    ['H(50-59)/20 * * * *', /^minute field "H\(50-59\)\/20": range start \d+ is after end 59 \(after hashing\)$/],
    ['Hx * * * *', /^minute field "Hx": "Hx" is not a hash form/],
    ['@fortnightly', /unknown alias @fortnightly/],
    ['0 0 30 2 *', /never fires/],
    ['0 0 31 4 *', /never fires/],
    ['0 0 31 2,4,6,9,11 *', /never fires/],
  ])('%j', (expr, message) => {
    let caught: unknown;
    try {
      compileSchedule(expr, { jobName: 'hello', timezone: 'UTC' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScheduleError);
    expect((caught as ScheduleError).message).toMatch(message);
  });
  it('names the field index', () => {
    try {
      compileSchedule('0 0 * * 9', { jobName: '', timezone: 'UTC' });
      expect.unreachable();
    } catch (err) {
      expect((err as ScheduleError).field).toBe(4);
      expect((err as ScheduleError).expression).toBe('0 0 * * 9');
    }
  });
  it('rejects an unknown zone', () => {
    expect(() => compileSchedule('* * * * *', { jobName: '', timezone: 'Mars/Olympus' })).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
  it('0 0 30 2 * OR a weekday fires (classic cron OR): Mondays in February', () => {
    expect(nextTimes('0 0 30 2 1', 'hello', FROM, 2)).toEqual(['2020-02-03T00:00:32.211192+00:00', '2020-02-10T00:00:32.211192+00:00']);
  });
});
