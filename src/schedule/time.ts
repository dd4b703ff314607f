/**
 * Time values at the edges: the host's zone, zone validation, reading ISO 8601 / epoch input and
 * writing Python-isoformat-like output. All in IANA zones through Intl.
 */
import type { EpochSeconds } from '../clock.js';
import { DateTimeError } from '../errors.js';
import { readlinkSync } from 'node:fs';
import { UTC_NAMES, zoneFormatter, zoneModel } from './zone.js';

/** True when Intl knows `zone` as a time-zone name ("UTC", "Europe/Berlin" …). */
export function isValidZone(zone: string): boolean {
  if (zone === '' || /^[+-]/.test(zone)) return false;
  if (UTC_NAMES.has(zone)) return true;
  try {
    zoneFormatter(zone);
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

let cachedZone: { tz: string | undefined; zone: string } | undefined;

/**
 * The host's IANA zone name: `TZ` when it names a zone (a leading ":" is ignored), else what
 * Intl reports, else "UTC". Cached until `TZ` changes.
 */
export function localZone(): string {
  const tz = process.env['TZ'];
  if (cachedZone !== undefined && cachedZone.tz === tz) return cachedZone.zone;
  const zone = findLocalZone(tz);
  cachedZone = { tz, zone };
  return zone;
}

function findLocalZone(tz: string | undefined): string {
  if (tz !== undefined && tz !== '') {
    const name = tz.startsWith(':') ? tz.slice(1) : tz;
    if (isValidZone(name)) return name;
    const m = /zoneinfo\/(.+)$/.exec(name);
    if (m?.[1] !== undefined && isValidZone(m[1])) return m[1];
  }
  if (tz === undefined && hostLinkIsUtc()) return 'UTC';
  const resolved = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (resolved !== undefined && resolved !== 'Etc/Unknown' && isValidZone(resolved)) return resolved;
  return 'UTC';
}

/**
 * Whether /etc/localtime links to a UTC zone file, which Intl would report as "UTC": asking
 * Intl instead loads ICU's zone data (about 10 ms) that a UTC host never needs otherwise.
 * Anything else (no link, a copied file, another zone) is left to Intl.
 */
function hostLinkIsUtc(): boolean {
  let target: string;
  try {
    target = readlinkSync('/etc/localtime');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== undefined) return false;
    throw err;
  }
  const m = /zoneinfo\/(.+)$/.exec(target);
  return m?.[1] !== undefined && UTC_NAMES.has(m[1]);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads a time: a number is epoch seconds; a string is a numeric epoch-seconds text or an
 * ISO 8601 date-time (`2020-01-01T00:00:00`, `… 00:00:00.5+02:00`, `…Z`, or a date alone =
 * midnight). A string without offset is wall time in `zone`: a repeated wall time is its first
 * occurrence, one inside a spring-forward gap is read with the offset before the gap.
 * @throws DateTimeError on anything else
 */
export function parseDateTime(value: string | number, zone: string): EpochSeconds {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DateTimeError(`time ${String(value)} is not a finite number of epoch seconds`, String(value));
    return value;
  }
  const text = value.trim();
  if (NUMBER.test(text)) return Number(text);
  const m = ISO.exec(text);
  if (m === null) {
    throw new DateTimeError(
      `time "${value}" is neither ISO 8601 (like 2020-01-01T00:00:00 or 2020-01-01T00:00:00+02:00) nor epoch seconds`,
      value,
    );
  }
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', fs = '', tzs] = m;
  const y = Number(ys), mo = Number(mos), d = Number(ds), h = Number(hs), mi = Number(mis), s = Number(ss);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (
    date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d ||
    h > 23 || mi > 59 || s > 59
  ) {
    throw new DateTimeError(`time "${value}": no such date or time of day`, value);
  }
  const wall = date.getTime() / 1000 + (fs === '' ? 0 : Number(`0.${fs}`));
  if (tzs !== undefined) {
    if (tzs === 'Z' || tzs === 'z') return wall;
    const digits = tzs.slice(1).replace(/:/g, '');
    const off = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60 + Number(digits.slice(4, 6) || '0');
    if (off >= 86_400) throw new DateTimeError(`time "${value}": offset ${tzs} out of range`, value);
    return wall - (tzs.startsWith('-') ? -off : off);
  }
  if (!isValidZone(zone)) throw new DateTimeError(`unknown time zone "${zone}"`, zone);
  return zoneModel(zone).instantOf(wall);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * `epoch` as ISO 8601 text in `zone` with its offset, like Python's `datetime.isoformat()`:
 * `2020-01-01T00:10:32.211192+00:00`. `fractionDigits` (0-9) digits of second fraction, rounded
 * half to even on the decimal value; 0 gives none.
 */
export function formatIso(epoch: EpochSeconds, zone: string, fractionDigits = 6): string {
  const scale = SCALES[fractionDigits] ?? 10 ** fractionDigits;
  const scaled = epoch * scale;
  let units = Math.round(scaled);
  // Round half to even like Python, when the float is exactly halfway (Math.round went up).
  if (units - scaled === 0.5 && units % 2 !== 0) units -= 1;
  const whole = Math.floor(units / scale);
  const frac = units - whole * scale;
  const offset = UTC_NAMES.has(zone) ? 0 : zoneModel(zone).offsetAt(whole);
  const local = (whole + offset) * 1000;
  const dateTime = local >= 0 && local < MAX_FAST_ISO_MS ? fastDateTime(whole + offset) : slowDateTime(local);
  if (fractionDigits <= 0) return dateTime + offsetText(offset);
  const digits = String(frac);
  return `${dateTime}.${digits.length >= fractionDigits ? digits : '0'.repeat(fractionDigits - digits.length) + digits}${offsetText(offset)}`;
}

const SCALES = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/** 10000-01-01T00:00:00Z: from there on toISOString writes six-digit years. */
const MAX_FAST_ISO_MS = 253_402_300_800_000;

/** Two-digit texts of 0–59. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
// The date part of the last day formatted: listings format thousands of times, mostly of a few days.
let lastDay = NaN;
let lastDayText = '';

/** `YYYY-MM-DDTHH:MM:SS` of whole seconds 1970–9999 (the date from the Date's own ISO text, once per day). */
function fastDateTime(seconds: number): string {
  const day = Math.floor(seconds / 86_400);
  if (day !== lastDay) {
    lastDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
    lastDay = day;
  }
  const sod = seconds - day * 86_400;
  const minutes = Math.floor(sod / 60);
  return `${lastDayText}${TWO_DIGITS[Math.floor(minutes / 60)] as string}:${TWO_DIGITS[minutes % 60] as string}:${TWO_DIGITS[sod % 60] as string}`;
}

function slowDateTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  return (
    `${year < 0 ? '-' : ''}${pad(Math.abs(year), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

const offsetTexts = new Map<number, string>();

/** `+00:00`, `-05:00`, `+05:53:28` (seconds only when there are some). */
function offsetText(offset: number): string {
  let text = offsetTexts.get(offset);
  if (text === undefined) {
    const abs = Math.abs(offset);
    const oh = Math.floor(abs / 3600), om = Math.floor((abs % 3600) / 60), os = abs % 60;
    text = `${offset < 0 ? '-' : '+'}${pad(oh)}:${pad(om)}${os !== 0 ? `:${pad(os)}` : ''}`;
    offsetTexts.set(offset, text);
  }
  return text;
}
