/**
 * Property tests of schedule invariants (fast-check). The oracle `matcher` checks a wall time
 * against the parsed field values directly, independent of the engine's search.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../src/errors.js';
import { parseCronFields } from '../../src/schedule/cron.js';
import { compileSchedule } from '../../src/schedule/index.js';
import { crc32 } from '../../src/schedule/hash.js';
import { zoneModel } from '../../src/schedule/zone.js';

const ZONES = [
  'UTC', 'America/Los_Angeles', 'Europe/Berlin', 'Australia/Lord_Howe', 'Europe/Lisbon',
  'Asia/Kolkata', 'Asia/Kathmandu', 'Pacific/Chatham', 'Pacific/Apia', 'America/Santiago',
];

const RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7], [0, 59]];

function fieldArb(index: number): fc.Arbitrary<string> {
  const [min, max] = RANGES[index] as [number, number];
  const value = fc.integer({ min, max });
  const step = fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) });
  const range = fc.tuple(value, value).map(([a, b]) => (a <= b ? [a, b] : [b, a]));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant('*') },
    { weight: 2, arbitrary: step.map((s) => `*/${s}`) },
    { weight: 3, arbitrary: value.map(String) },
    { weight: 2, arbitrary: range.map(([a, b]) => `${a}-${b}`) },
    { weight: 1, arbitrary: fc.tuple(range, step).map(([[a, b], s]) => `${a}-${b}/${s}`) },
    { weight: 1, arbitrary: fc.uniqueArray(value, { minLength: 2, maxLength: 4 }).map((v) => v.join(',')) },
    { weight: 3, arbitrary: fc.constant('H') },
    { weight: 1, arbitrary: range.map(([a, b]) => `H(${a}-${b})`) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: Math.min(max, 20) }).map((n) => `H/${n}`) },
  );
}

const cronArb: fc.Arbitrary<string> = fc
  .tuple(fieldArb(0), fieldArb(1), fieldArb(2), fieldArb(3), fieldArb(4), fc.option(fieldArb(5), { nil: undefined }))
  .map(([a, b, c, d, e, f]) => [a, b, c, d, e, ...(f === undefined ? [] : [f])].join(' '));

const fromArb = fc.tuple(fc.integer({ min: 946_684_800, max: 2_208_988_800 }), fc.integer({ min: 0, max: 999 })).map(([s, ms]) => s + ms / 1000);
const jobArb = fc.string({ maxLength: 16, unit: 'grapheme' });

/** Compiles, or returns null when the generated expression is (legitimately) rejected. */
function tryCompile(expr: string, job: string, zone: string) {
  try {
    return compileSchedule(expr, { jobName: job, timezone: zone });
  } catch (err) {
    if (err instanceof ScheduleError) return null;
    throw err;
  }
}

/** Oracle: a predicate telling whether a wall time (wall seconds) matches `expr` for `job`. */
function matcher(expr: string, job: string): (wall: number) => boolean {
  const values = parseCronFields(expr).map((f) => new Set(f.values(crc32(job), Math.random)));
  const has = (i: number, v: number) => (values[i] as Set<number>).has(v);
  const domStar = (values[2] as Set<number>).size === 31;
  const dowStar = (values[4] as Set<number>).size === 7;
  return (wall) => {
    const d = new Date(wall * 1000);
    const dom = has(2, d.getUTCDate());
    const dow = has(4, d.getUTCDay());
    const day = domStar ? dow : dowStar ? dom : dom || dow;
    return day && has(0, d.getUTCMinutes()) && has(1, d.getUTCHours()) && has(3, d.getUTCMonth() + 1) && has(5, d.getUTCSeconds());
  };
}

/** Oracle for a fire time: its wall time matches, or it stands just after a spring-forward gap for a wall time that matched. */
function fireMatches(expr: string, job: string, zone: string, fire: number): boolean {
  const o = fire - crc32(job) / 4294967295;
  const occurrence = Math.round(o);
  if (Math.abs(o - occurrence) > 1e-3) return false;
  const z = zoneModel(zone);
  const matches = matcher(expr, job);
  if (matches(occurrence + z.offsetAt(occurrence))) return true;
  const seg = z.segmentAt(occurrence, 3 * 86_400, 3 * 86_400);
  const gap = seg.offset - seg.previousOffset;
  if (gap <= 0 || occurrence - seg.from >= gap) return false;
  // In the gap: paced schedules read the wall time with the offset before the gap; others fire at its end.
  if (matches(occurrence + seg.previousOffset)) return true;
  if (occurrence !== seg.from) return false;
  for (let w = seg.from + seg.previousOffset; w < seg.from + seg.offset; w++) if (matches(w)) return true;
  return false;
}

describe('cron properties', () => {
  it('next is strictly after `from`, matches the expression, and is stable', () => {
    fc.assert(
      fc.property(cronArb, jobArb, fromArb, fc.constantFrom(...ZONES), (expr, job, from, zone) => {
        const s = tryCompile(expr, job, zone);
        fc.pre(s !== null);
        const n = s!.next(from);
        expect(n).not.toBeNull();
        expect(n as number).toBeGreaterThan(from);
        expect(fireMatches(expr, job, zone, n as number)).toBe(true);
        // H is deterministic: a fresh compile gives the same time
        expect(compileSchedule(expr, { jobName: job, timezone: zone }).next(from)).toBe(n);
      }),
      { numRuns: 300 },
    );
  });

  it('is never earlier for a later `from`', () => {
    fc.assert(
      fc.property(cronArb, jobArb, fromArb, fc.integer({ min: 0, max: 40 * 86_400 }), fc.constantFrom(...ZONES), (expr, job, from, delta, zone) => {
        const s = tryCompile(expr, job, zone);
        fc.pre(s !== null);
        const a = s!.next(from) as number;
        const b = s!.next(from + delta) as number;
        expect(b).toBeGreaterThanOrEqual(a);
        // and nothing fires in between: from any whole second before a fire's whole second, the
        // next one is that fire. (Like the original, `next` looks for the first whole second
        // strictly after floor(from) and then adds the sub-second offset, so from inside the
        // fire's own second — 19:40:34.000 for a fire at 19:40:34.408 — it is the next fire.)
        if (delta > 0 && Math.floor(from + delta) < Math.floor(a)) expect(b).toBe(a);
      }),
      { numRuns: 300 },
    );
  });

  it('a next fire stays the answer until keptUntil (what dsari-info job list keeps between commands)', () => {
    fc.assert(
      fc.property(cronArb, jobArb, fromArb, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.constantFrom(...ZONES), (expr, job, from, u, zone) => {
        const s = tryCompile(expr, job, zone);
        fc.pre(s !== null);
        const fire = s!.next(from) as number;
        const until = s!.keptUntil(fire);
        expect(until).not.toBeNull();
        expect(until as number).toBeLessThan(fire);
        fc.pre((until as number) > from);
        const t = from + u * ((until as number) - from);
        expect(s!.next(t)).toBe(fire);
        // and just before it
        expect(s!.next(Math.max(from, (until as number) - 1e-3))).toBe(fire);
      }),
      { numRuns: 400 },
    );
    // R forms draw new values at every evaluation: their times are not kept
    expect(compileSchedule('R * * * *', { jobName: 'j', timezone: 'UTC' }).keptUntil(1e9)).toBeNull();
    expect(compileSchedule('RRULE:FREQ=DAILY', { jobName: 'j', timezone: 'UTC' }).keptUntil(1e9)).toBeNull();
  });

  it('from inside a fire\'s own second, the next fire is the following one, as in the original (fast-check counterexample)', () => {
    // "*/1 19 * * *" for job "㍹" in Pacific/Chatham fires at 19:40:34.408 local (06:55:34.408 UTC).
    const s = compileSchedule('*/1 19 * * *', { jobName: '㍹', timezone: 'Pacific/Chatham' });
    expect(s.next(2062392933.9)).toBeCloseTo(2062392934.408, 3);
    expect(s.next(2062392934)).toBeCloseTo(2062392994.408, 3);
    expect(s.next(2062392934.3)).toBeCloseTo(2062392994.408, 3);
  });

  it('skips no occurrence (UTC, brute force over every second between from and next)', () => {
    fc.assert(
      fc.property(cronArb, jobArb, fc.integer({ min: 946_684_800, max: 2_208_988_800 }), (expr, job, from) => {
        const s = tryCompile(expr, job, 'UTC');
        fc.pre(s !== null);
        const n = s!.next(from) as number;
        const occurrence = Math.round(n - crc32(job) / 4294967295);
        fc.pre(occurrence - from <= 2 * 86_400);
        const matches = matcher(expr, job);
        let early = -1;
        for (let w = from + 1; w < occurrence && early < 0; w++) if (matches(w)) early = w;
        expect(early).toBe(-1);
        expect(matches(occurrence)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('every zone Intl knows', () => {
  const zones = Intl.supportedValuesOf('timeZone');
  const expressions = ['H * * * *', '30 2 * * *', '*/7 * * * * *', '@weekly', '0 0 L * *'.replace('L', '31'), 'RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30'];
  it(`compiles and steps through a sample of expressions in all ${zones.length} zones`, () => {
    const from = Date.UTC(2021, 2, 13) / 1000;
    for (const zone of zones) {
      for (const expr of expressions) {
        const s = compileSchedule(expr, { jobName: zone, timezone: zone });
        let t = from + (crc32(zone) % 86_400);
        for (let i = 0; i < 3; i++) {
          const n = s.next(t);
          expect(n, `${expr} in ${zone} after ${t}`).not.toBeNull();
          expect(n as number).toBeGreaterThan(t);
          if (!expr.startsWith('RRULE')) expect(fireMatches(expr, zone, zone, n as number), `${expr} in ${zone}: ${n}`).toBe(true);
          t = n as number;
        }
      }
    }
  });
});
