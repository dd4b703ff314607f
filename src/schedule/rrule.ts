/**
 * iCalendar RRULE schedules (SPEC §4.2), expanded by the `rrule` package in wall time of the
 * schedule's zone. Positions the rule leaves open are hashed: DTSTART is the latest wall time at
 * or before `after` whose seconds-of-day equal `crc mod 86400`, so `RRULE:FREQ=DAILY` fires at
 * one fixed, hashed time of day per job. Occurrences map to instants like cron times do
 * (repeated wall time: first occurrence; nonexistent: first instant after the gap), except
 * HOURLY/MINUTELY/SECONDLY rules, which keep their real-time pace.
 */
import type { Options as RRuleOptions } from 'rrule';
import type { EpochSeconds } from '../clock.js';
import { ScheduleError } from '../errors.js';
import { rrulePackage } from '../lazy-packages.js';
import { crc32 } from './hash.js';
import type { Schedule } from './types.js';
import { zoneModel, type ZoneModel } from './zone.js';


/** A fire time is searched this far ahead; a rule without one in that time is an error. */
const SEARCH_LIMIT = 10 * 366 * 86_400;
/** Largest UTC offset of any zone (+14:00) plus slack for historical local mean time. */
const MAX_OFFSET = 15 * 3600;

const RANGES: Readonly<Record<string, readonly [number, number, boolean]>> = {
  bysecond: [0, 59, false],
  byminute: [0, 59, false],
  byhour: [0, 23, false],
  bymonth: [1, 12, false],
  bymonthday: [1, 31, true],
  byyearday: [1, 366, true],
  byweekno: [1, 53, true],
  bysetpos: [1, 366, true],
};

const PROPERTY_NAMES: Readonly<Record<string, string>> = {
  bysecond: 'BYSECOND', byminute: 'BYMINUTE', byhour: 'BYHOUR', bymonth: 'BYMONTH',
  bymonthday: 'BYMONTHDAY', byyearday: 'BYYEARDAY', byweekno: 'BYWEEKNO', bysetpos: 'BYSETPOS',
};

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

let rruleClass: RRuleClass | undefined;
type RRuleClass = ReturnType<typeof rrulePackage>['RRule'];

/** The package's RRule class, loaded with the first RRULE schedule (lazy-packages.ts). */
function rrule(): RRuleClass {
  return (rruleClass ??= rrulePackage().RRule);
}

function list(v: unknown): number[] {
  if (v === null || v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as number[];
}

/** A compiled RRULE schedule. */
export class RRuleSchedule implements Schedule {
  private readonly options: Partial<RRuleOptions>;
  /** The rule's own UNTIL as wall seconds in the zone, or null. */
  private readonly untilWall: number | null;
  private readonly daySecond: number;
  private readonly offset: number;
  private readonly paced: boolean;
  /** Length of one period of a sub-daily rule (FREQ × INTERVAL) in seconds, else null. */
  private readonly period: number | null;
  private readonly zone: ZoneModel;

  constructor(readonly expression: string, options: { jobName: string; timezone: string }) {
    const body = expression.trim().slice('RRULE:'.length).trim();
    const fail = (what: string, cause?: unknown): ScheduleError =>
      new ScheduleError(`"${expression}": ${what}`, expression, undefined, cause === undefined ? {} : { cause });
    if (body === '') throw fail('empty rule, expected RRULE:FREQ=…');
    if (/[\r\n]/.test(body)) throw fail('only one RRULE line is supported (no DTSTART or EXDATE lines)');
    const RRule = rrule();
    let parsed: Partial<RRuleOptions>;
    try {
      parsed = RRule.parseString(body.toUpperCase());
    } catch (err) {
      throw fail((err as Error).message, err);
    }
    const weekdays: unknown[] = parsed.byweekday === undefined || parsed.byweekday === null ? [] : Array.isArray(parsed.byweekday) ? parsed.byweekday : [parsed.byweekday];
    if (weekdays.some((w) => w === undefined || w === null)) {
      throw fail('BYDAY has a value that is not a weekday (MO TU WE TH FR SA SU, optionally numbered like 1MO or -1FR)');
    }
    if (parsed.freq === undefined || parsed.freq === null) throw fail('FREQ is missing or not one of SECONDLY MINUTELY HOURLY DAILY WEEKLY MONTHLY YEARLY');
    if (parsed.count !== undefined && parsed.count !== null) throw fail('COUNT is not supported (use UNTIL)');
    if (parsed.dtstart !== undefined && parsed.dtstart !== null) throw fail('DTSTART is not supported (it is hashed from the job name)');
    if (parsed.tzid !== undefined && parsed.tzid !== null) throw fail('TZID is not supported (use schedule_timezone)');
    if (parsed.interval !== undefined && !(Number.isInteger(parsed.interval) && parsed.interval >= 1)) {
      throw fail(`INTERVAL ${String(parsed.interval)} is not a positive integer`);
    }
    for (const [key, [min, max, signed]] of Object.entries(RANGES)) {
      for (const v of list(parsed[key as keyof RRuleOptions])) {
        const ok = Number.isInteger(v) && (signed ? v !== 0 && Math.abs(v) >= min && Math.abs(v) <= max : v >= min && v <= max);
        if (!ok) throw fail(`${PROPERTY_NAMES[key] ?? key} value ${v} out of range ${signed ? `±${min}-${max}` : `${min}-${max}`}`);
      }
    }
    const months = list(parsed.bymonth);
    const monthDays = list(parsed.bymonthday).filter((d) => d > 0);
    if (months.length > 0 && monthDays.length > 0 && list(parsed.bymonthday).every((d) => d > 0) &&
      !months.some((m) => monthDays.some((d) => d <= (DAYS_IN_MONTH[m] as number)))) {
      throw fail('never fires: no month in BYMONTH has a day in BYMONTHDAY');
    }
    this.zone = zoneModel(options.timezone);
    const until = /(?:^|;)UNTIL=([0-9T]+)(Z?)(?:;|$)/i.exec(body);
    if (parsed.until instanceof Date) {
      const seconds = parsed.until.getTime() / 1000;
      this.untilWall = until?.[2] !== '' && until?.[2] !== undefined ? this.zone.wallAt(seconds) : seconds;
    } else {
      this.untilWall = null;
    }
    const { until: _until, ...rest } = parsed;
    this.options = rest;
    const crc = crc32(options.jobName);
    this.daySecond = crc % 86_400;
    this.offset = crc / 4294967295;
    this.paced = parsed.freq >= RRule.HOURLY;
    const unit = parsed.freq === RRule.HOURLY ? 3600 : parsed.freq === RRule.MINUTELY ? 60 : parsed.freq === RRule.SECONDLY ? 1 : 0;
    this.period = unit === 0 ? null : unit * (parsed.interval ?? 1);
    // Probe once so that a rule that cannot fire is an error now, not in the daemon.
    this.next(Date.UTC(2000, 0, 1) / 1000);
  }

  /** Candidate instants of one occurrence (wall seconds). */
  private instants(wall: number): number[] {
    const r = this.zone.resolveWall(wall);
    if (r.instants.length > 0) return this.paced ? r.instants : r.instants.slice(0, 1);
    return [this.paced ? wall - r.offsetBefore : r.gapEnd];
  }

  /** Largest offset around `t` (± 2 days): bounds how far a wall time can lie from its instant. */
  private offsetsAround(t: number): { lo: number; hi: number } {
    const os = [this.zone.offsetAt(t - 2 * 86_400), this.zone.offsetAt(t), this.zone.offsetAt(t + 2 * 86_400)];
    return { lo: Math.min(...os), hi: Math.max(...os) };
  }

  /** RRULE times are not kept (they are fewer, and their search is the rrule package's). */
  keptUntil(): EpochSeconds | null {
    return null;
  }

  next(after: EpochSeconds): EpochSeconds | null {
    const wallAfter = this.zone.wallAt(after);
    let dtstart = Math.floor((wallAfter - this.daySecond) / 86_400) * 86_400 + this.daySecond;
    const cap = wallAfter + SEARCH_LIMIT;
    const until = this.untilWall === null ? cap : Math.min(this.untilWall, cap);
    if (until < dtstart) return null;
    const near = this.offsetsAround(after);
    if (this.period !== null) {
      // Sub-daily rules: skip whole periods (same phase, same occurrences) up to where a wall
      // time could first map to an instant after `after`, instead of iterating from DTSTART.
      const first = Math.floor(after) + near.lo;
      if (first > dtstart) dtstart += Math.floor((first - dtstart) / this.period) * this.period;
    }
    const RRule = rrule();
    const rule = new RRule({ ...this.options, dtstart: new Date(dtstart * 1000), until: new Date(until * 1000) }, true);
    let best = Infinity;
    let bestHi = MAX_OFFSET;
    try {
      rule.all((date) => {
        const wall = date.getTime() / 1000;
        if (wall - bestHi > best) return false;
        // Every instant of this wall time is at most wall - near.lo: not after `after` yet.
        if (wall <= after + near.lo) return true;
        for (const t of this.instants(wall)) {
          if (t > after && t < best) {
            best = t;
            bestHi = Math.max(near.hi, this.offsetsAround(t).hi);
          }
        }
        return true;
      });
    } catch (err) {
      if (err instanceof ScheduleError) throw err;
      throw new ScheduleError(`"${this.expression}": cannot be evaluated: ${(err as Error).message}`, this.expression, undefined, { cause: err });
    }
    if (best !== Infinity) return best + this.offset;
    if (this.untilWall !== null && this.untilWall <= cap) return null;
    throw new ScheduleError(`"${this.expression}" never fires within 10 years after ${new Date(after * 1000).toISOString()}`, this.expression);
  }
}
