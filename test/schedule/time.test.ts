import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zoneModel } from '../../src/schedule/zone.js';
import { DateTimeError } from '../../src/errors.js';
import { crc32, hashOffset } from '../../src/schedule/hash.js';
import { formatIso, isValidZone, localZone, parseDateTime } from '../../src/schedule/time.js';

describe('crc32 / hashOffset', () => {
  it.each([
    ['', 0],
    ['hello', 907060870],
    // Values checked against zlib.crc32 of Node and Python binascii.crc32.
    ['different id', 934250784],
    ['123456789', 0xcbf43926],
    ['Ünïcödé', 1107240987],
    ['日本語ジョブ', 1670433876],
  ])('crc32(%j) = %d', (text, crc) => {
    expect(crc32(text)).toBe(crc);
  });
  it('hashes bytes like zlib', () => {
    expect(crc32(new Uint8Array([1, 2, 3, 4]))).toBe(0xb63cfbcd);
  });
  it('offset is crc / 4294967295', () => {
    expect(hashOffset('hello')).toBeCloseTo(907060870 / 4294967295, 15);
    expect(hashOffset('')).toBe(0);
  });
});

describe('isValidZone / localZone', () => {
  it('knows IANA names only', () => {
    expect(isValidZone('UTC')).toBe(true);
    expect(isValidZone('Europe/Berlin')).toBe(true);
    expect(isValidZone('Australia/Lord_Howe')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
    expect(isValidZone('')).toBe(false);
    expect(isValidZone('+02:00')).toBe(false);
  });
  it('honours TZ and falls back to UTC', () => {
    const saved = process.env['TZ'];
    try {
      process.env['TZ'] = 'Europe/Berlin';
      expect(localZone()).toBe('Europe/Berlin');
      process.env['TZ'] = ':America/Los_Angeles';
      expect(localZone()).toBe('America/Los_Angeles');
      process.env['TZ'] = 'Not/AZone';
      expect(isValidZone(localZone())).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });
});

describe('parseDateTime', () => {
  it.each<[string | number, string, number]>([
    [1577836800, 'UTC', 1577836800],
    [1577836800.25, 'Europe/Berlin', 1577836800.25],
    ['1577836800', 'Europe/Berlin', 1577836800],
    ['1577836800.5', 'UTC', 1577836800.5],
    ['2020-01-01T00:00:00Z', 'Europe/Berlin', 1577836800],
    ['2020-01-01T00:00:00+00:00', 'Europe/Berlin', 1577836800],
    ['2020-01-01T01:00:00+01:00', 'UTC', 1577836800],
    ['2020-01-01T01:00:00+0100', 'UTC', 1577836800],
    ['2019-12-31T16:00:00-08:00', 'UTC', 1577836800],
    ['2020-01-01T00:00:00.211192Z', 'UTC', 1577836800.211192],
    ['2020-01-01 00:00:00', 'UTC', 1577836800],
    ['2020-01-01T00:00', 'UTC', 1577836800],
    ['2020-01-01', 'UTC', 1577836800],
    ['2020-01-01T01:00:00', 'Europe/Berlin', 1577836800],
    ['2020-07-01T02:00:00', 'Europe/Berlin', 1593561600],
    // Spring-forward gap in Los Angeles (2021-03-14 02:00 → 03:00): read with the offset before it.
    ['2021-03-14T02:30:00', 'America/Los_Angeles', 1615717800],
    // Repeated hour (2021-11-07 01:00-02:00): the first occurrence (PDT).
    ['2021-11-07T01:30:00', 'America/Los_Angeles', 1636273800],
    ['2021-11-07T01:30:00-08:00', 'America/Los_Angeles', 1636277400],
  ])('%j in %s', (value, zone, epoch) => {
    expect(parseDateTime(value, zone)).toBeCloseTo(epoch, 6);
  });
  it.each(['', 'tomorrow', '2020-13-01T00:00:00', '2020-02-30', '2020-01-01T24:00:00', '2020-01-01T00:00:00+25:00', 'NaN'])(
    'rejects %j',
    (value) => {
      expect(() => parseDateTime(value, 'UTC')).toThrow(DateTimeError);
    },
  );
  it('rejects a naive time in an unknown zone', () => {
    expect(() => parseDateTime('2020-01-01T00:00:00', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

describe('formatIso', () => {
  it.each<[number, string, number, string]>([
    [1577837432.211192, 'UTC', 6, '2020-01-01T00:10:32.211192+00:00'],
    [1577837432.211192, 'UTC', 3, '2020-01-01T00:10:32.211+00:00'],
    [1577837432.211192, 'America/Los_Angeles', 3, '2019-12-31T16:10:32.211-08:00'],
    [1593561600, 'Europe/Berlin', 6, '2020-07-01T02:00:00.000000+02:00'],
    [1593561600, 'Australia/Lord_Howe', 0, '2020-07-01T10:30:00+10:30'],
    [1577836800 - 4e-7, 'UTC', 6, '2020-01-01T00:00:00.000000+00:00'],
    [1636273800, 'America/Los_Angeles', 3, '2021-11-07T01:30:00.000-07:00'],
    [1636277400, 'America/Los_Angeles', 3, '2021-11-07T01:30:00.000-08:00'],
  ])('%d in %s (%d digits)', (epoch, zone, digits, text) => {
    expect(formatIso(epoch, zone, digits)).toBe(text);
  });
  it('writes what the straightforward formatting writes (any time 1900–2200, zone and digits; halves round to even)', () => {
    // The formatting before it was made fast (issue 15): Date's UTC fields, padded one by one.
    const reference = (epoch: number, zone: string, digits: number): string => {
      const scale = 10 ** digits;
      let units = Math.round(epoch * scale);
      if (Math.abs(epoch * scale - Math.trunc(epoch * scale)) === 0.5 && units % 2 !== 0) units -= 1;
      const whole = Math.floor(units / scale);
      const frac = units - whole * scale;
      const offset = zoneModel(zone).offsetAt(whole);
      const d = new Date((whole + offset) * 1000);
      const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
      const abs = Math.abs(offset);
      const os = abs % 60;
      return (
        `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
        (digits > 0 ? `.${pad(frac, digits)}` : '') +
        `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}${os !== 0 ? `:${pad(os)}` : ''}`
      );
    };
    const epoch = fc.oneof(fc.double({ min: -2.2e9, max: 7.2e9, noNaN: true }), fc.integer({ min: -2.2e9, max: 7.2e9 }).map((n) => n + 0.5e-6), fc.integer({ min: 0, max: 2e9 }).map((n) => n / 8));
    fc.assert(
      fc.property(epoch, fc.constantFrom('UTC', 'Etc/UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Africa/Monrovia'), fc.integer({ min: 0, max: 9 }), (t, zone, digits) => {
        expect(formatIso(t, zone, digits)).toBe(reference(t, zone, digits));
      }),
      { numRuns: 3000 },
    );
    // Runs of times close together (a listing's), formatted in turn: the date of the day before
    // is remembered, so each must still get its own day, hour, minute and second.
    const run = fc.tuple(fc.integer({ min: 0, max: 2.5e11 }), fc.array(fc.integer({ min: -90_000, max: 90_000 }), { minLength: 1, maxLength: 40 }));
    fc.assert(
      fc.property(run, fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kolkata'), fc.integer({ min: 0, max: 6 }), ([start, steps], zone, digits) => {
        let t = start;
        for (const step of steps) {
          t += step + step / 7;
          expect(formatIso(t, zone, digits)).toBe(reference(t, zone, digits));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips through parseDateTime', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
      for (let t = 1600000000; t < 1640000000; t += 987_654.321) {
        expect(parseDateTime(formatIso(t, zone), zone)).toBeCloseTo(t, 5);
      }
    }
  });
});
