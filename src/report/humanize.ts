/**
 * Times and durations as people read them: "1 min 5 s", "3 hours ago", "2026-11-30 04:16:32 UTC".
 */
import type { EpochSeconds } from '../clock.js';
import { civilFromDays } from '../schedule/calendar.js';

/** A duration in seconds as "850 ms", "4.2 s", "42 s", "1 min 5 s", "2 h 3 min", "3 d 4 h". */
export function humanDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  const sign = seconds < 0 ? '-' : '';
  const s = Math.abs(seconds);
  if (s < 1) return `${sign}${Math.round(s * 1000)} ms`;
  if (s < 10) return `${sign}${(Math.floor(s * 10) / 10).toFixed(1).replace(/\.0$/, '')} s`;
  if (s < 60) return `${sign}${Math.floor(s)} s`;
  const whole = Math.floor(s);
  if (whole < 3600) return sign + pair(Math.floor(whole / 60), 'min', whole % 60, 's');
  if (whole < 86_400) return sign + pair(Math.floor(whole / 3600), 'h', Math.floor((whole % 3600) / 60), 'min');
  return sign + pair(Math.floor(whole / 86_400), 'd', Math.floor((whole % 86_400) / 3600), 'h');
}

function pair(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [365 * 86_400, 'year'],
  [30 * 86_400, 'month'],
  [7 * 86_400, 'week'],
  [86_400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** `time` relative to `now`: "just now", "3 hours ago", "in 5 minutes". */
export function relativeTime(time: EpochSeconds | null | undefined, now: EpochSeconds): string {
  if (time === null || time === undefined || !Number.isFinite(time)) return '';
  const diff = now - time;
  const abs = Math.abs(diff);
  if (abs < 5) return 'just now';
  for (const [size, name] of UNITS) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const text = `${n} ${name}${n === 1 ? '' : 's'}`;
      return diff >= 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return 'just now';
}

/** UTC calendar fields of an epoch second (civil-from-days; much faster than Date formatting). */
function utcFields(secs: number): [number, number, number, number, number, number] {
  const days = Math.floor(secs / 86_400);
  const sod = secs - days * 86_400;
  const { year, month, day } = civilFromDays(days);
  return [year, month, day, Math.floor(sod / 3600), Math.floor((sod % 3600) / 60), sod % 60];
}

const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const p4 = (n: number): string => (n >= 1000 ? String(n) : String(n).padStart(4, '0'));

/** The UTC date ("2026-11-30") and clock ("04:16:32") of a whole epoch second. */
function dateAndClock(secs: number): [date: string, clock: string] {
  const [y, mo, d, h, mi, s] = utcFields(secs);
  return [`${p4(y)}-${p2(mo)}-${p2(d)}`, `${p2(h)}:${p2(mi)}:${p2(s)}`];
}

/** Absolute UTC time: "2026-11-30 04:16:32 UTC". */
export function absoluteTime(time: EpochSeconds | null | undefined): string {
  if (time === null || time === undefined || !Number.isFinite(time)) return '';
  const [date, clock] = dateAndClock(Math.floor(time));
  return `${date} ${clock} UTC`;
}

/** The whole second and the milliseconds ISO 8601 text shows of `time` (rounded to the ms). */
function isoParts(time: number): [whole: number, ms: string] {
  const ms = Math.round(time * 1000);
  const whole = Math.floor(ms / 1000);
  return [whole, String(ms - whole * 1000).padStart(3, '0')];
}

/** ISO 8601 for `<time datetime>`: "2026-11-30T04:16:32.123Z". */
export function isoTime(time: EpochSeconds | null | undefined): string {
  if (time === null || time === undefined || !Number.isFinite(time)) return '';
  const [whole, ms] = isoParts(time);
  const [date, clock] = dateAndClock(whole);
  return `${date}T${clock}.${ms}Z`;
}

/**
 * {@link isoTime} and {@link absoluteTime} of one time (the report's `<time>` of every row), the
 * calendar fields computed once where the two agree on the second.
 */
export function isoAndAbsoluteTime(time: EpochSeconds): [iso: string, absolute: string] {
  const [whole, ms] = isoParts(time);
  if (whole !== Math.floor(time)) return [isoTime(time), absoluteTime(time)];
  const [date, clock] = dateAndClock(whole);
  return [`${date}T${clock}.${ms}Z`, `${date} ${clock} UTC`];
}
