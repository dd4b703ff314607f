import { describe, expect, it } from 'vitest';
import { PyDateTime, PyTimedelta, pyAdd, pyEquals, pySub, stripMs } from '../../src/report/pytime.js';

// 2024-03-05 07:08:09.250000 UTC
const T = Date.UTC(2024, 2, 5, 7, 8, 9) / 1000 + 0.25;

describe('PyDateTime prints like Python aware datetimes', () => {
  it.each([
    [T, '2024-03-05 07:08:09.250000+00:00'],
    [Math.floor(T), '2024-03-05 07:08:09+00:00'],
    [0, '1970-01-01 00:00:00+00:00'],
    [1.000001, '1970-01-01 00:00:01.000001+00:00'],
  ])('str(%s) = %s', (epoch, text) => {
    expect(String(new PyDateTime(epoch))).toBe(text);
  });

  it('isoformat, timestamp and fields', () => {
    const d = new PyDateTime(T);
    expect(d.isoformat()).toBe('2024-03-05T07:08:09.250000+00:00');
    expect(d.timestamp()).toBe(T);
    expect([d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond]).toEqual([2024, 3, 5, 7, 8, 9, 250000]);
    expect(d.weekday()).toBe(1); // a Tuesday
  });

  it.each([
    ['%Y-%m-%d %H:%M:%S', '2024-03-05 07:08:09'],
    ['%a %A %b %B %j %p %I %y', 'Tue Tuesday Mar March 065 AM 07 24'],
    ['%f %Z %z %%', '250000 UTC +0000 %'],
  ])('strftime(%s)', (fmt, text) => {
    expect(new PyDateTime(T).strftime(fmt)).toBe(text);
  });

  it('replace(microsecond=0) with nunjucks keyword arguments', () => {
    expect(String(new PyDateTime(T).replace({ microsecond: 0, __keywords: true }))).toBe('2024-03-05 07:08:09+00:00');
  });
});

describe('PyTimedelta prints like Python timedeltas', () => {
  it.each([
    [65, '0:01:05'],
    [65.5, '0:01:05.500000'],
    [3600 * 26 + 4, '1 day, 2:00:04'],
    [86400 * 3, '3 days, 0:00:00'],
    [-1, '-1 day, 23:59:59'],
    [0, '0:00:00'],
  ])('str(timedelta(seconds=%s)) = %s', (s, text) => {
    expect(String(new PyTimedelta(s))).toBe(text);
  });

  it('total_seconds and components', () => {
    const d = new PyTimedelta(90061.5);
    expect(d.total_seconds()).toBe(90061.5);
    expect([d.days, d.seconds, d.microseconds]).toEqual([1, 3661, 500000]);
  });
});

describe('operators', () => {
  it('datetime - datetime is a timedelta; datetime ± timedelta a datetime', () => {
    const a = new PyDateTime(T);
    const b = new PyDateTime(T + 65);
    const d = pySub(b, a);
    expect(d).toBeInstanceOf(PyTimedelta);
    expect(String(d)).toBe('0:01:05');
    expect(String(pyAdd(a, d))).toBe(String(b));
    expect(String(pySub(b, d))).toBe(String(a));
    expect(pySub(5, 3)).toBe(2);
    expect(pyAdd('a', 'b')).toBe('ab');
  });

  it('== and != compare datetimes by value, others as JavaScript does', () => {
    expect(pyEquals(new PyDateTime(T), '==', new PyDateTime(T))).toBe(true);
    expect(pyEquals(new PyDateTime(T), '!=', new PyDateTime(T))).toBe(false);
    expect(pyEquals(new PyDateTime(T), '!=', undefined)).toBe(true);
    expect(pyEquals(new PyDateTime(T), '==', T)).toBe(false);
    expect(pyEquals(1, '==', '1')).toBe(true);
    expect(pyEquals(1, '===', '1')).toBe(false);
    expect(pyEquals(0, '!=', 0)).toBe(false);
  });

  it('< and > work through valueOf', () => {
    expect(new PyDateTime(T) < new PyDateTime(T + 1)).toBe(true);
  });
});

describe('strip_ms', () => {
  it('drops microseconds from datetimes and timedeltas, takes seconds as a duration', () => {
    expect(String(stripMs(new PyDateTime(T)))).toBe('2024-03-05 07:08:09+00:00');
    expect(String(stripMs(new PyTimedelta(65.9)))).toBe('0:01:05');
    expect(String(stripMs(3725.2))).toBe('1:02:05');
    expect(stripMs(undefined)).toBe('');
    expect(stripMs(null)).toBe('');
  });
});
