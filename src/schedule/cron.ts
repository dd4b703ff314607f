/**
 * The cron engine (SPEC §4.1, §4.3): a compiled expression is a set of allowed wall-clock
 * values per field; `next` finds the first allowed wall time whose instant, in the schedule's
 * zone, is after the given one, walking the zone's constant-offset segments.
 *
 * Clock changes:
 * - a wall time that occurs twice (fall back) fires at its first occurrence only, and one that
 *   does not exist (spring forward) fires once, at the first instant after the gap;
 * - except for schedules that fire every hour (hour field `*`): they keep their real-time pace,
 *   so they fire in both occurrences of a repeated hour, and a wall time in a gap is read with
 *   the offset before the gap (02:05 in a one-hour gap is 03:05, which they fire at anyway).
 */
import type { EpochSeconds } from '../clock.js';
import { ScheduleError } from '../errors.js';
import { civilFromDays, daysFromCivil, weekday } from './calendar.js';
import { DAY_OF_MONTH, DAY_OF_WEEK, HOUR, MINUTE, MONTH, SECOND, parseField, type CronField } from './cron-fields.js';
import { crc32 } from './hash.js';
import type { Schedule } from './types.js';
import { zoneModel, type ZoneModel } from './zone.js';

/** Aliases of SPEC §4.1, all six fields. */
export const ALIASES: Readonly<Record<string, string>> = {
  '@midnight': 'H H(0-2) * * * H',
  '@hourly': 'H * * * * H',
  '@daily': 'H H * * * H',
  '@weekly': 'H H * * H H',
  '@monthly': 'H H H * * H',
  '@yearly': 'H H H H * H',
  '@annually': 'H H H H * H',
};

/** How far ahead a fire time is searched: a leap day can be 8 years away. */
const SEARCH_LIMIT = 12 * 366 * 86_400;
/**
 * How far a zone segment's start is looked for: only a gap just before the searched time matters,
 * and no gap is longer than a day (Samoa skipped 2011-12-30).
 */
const SEGMENT_BACK = 2 * 86_400;
/** How far a zone segment's end is looked for in one step. */
const SEGMENT_AHEAD = 400 * 86_400;

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parsed fields by expression text. Jobs mostly share a few expressions (`H H * * *`), and a
 * job's schedule is compiled more than once per command (checked at load, then for its next
 * time); the fields are immutable and do not depend on the job, so each text is parsed once.
 * Cleared when it grows past PARSED_LIMIT, so reloads with ever new expressions stay bounded.
 */
const parsed = new Map<string, readonly CronField[]>();
const PARSED_LIMIT = 10_000;

function hasRandom(fields: readonly CronField[]): boolean {
  for (const f of fields) if (f.isRandom) return true;
  return false;
}

function cachedCronFields(expression: string): readonly CronField[] {
  let fields = parsed.get(expression);
  if (fields === undefined) {
    fields = parseCronFields(expression);
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(expression, fields);
  }
  return fields;
}

/** The six fields of a cron expression (aliases expanded, a missing second field is `H`). */
export function parseCronFields(expression: string): CronField[] {
  const trimmed = expression.trim();
  let text = trimmed;
  if (trimmed.startsWith('@')) {
    const alias = ALIASES[trimmed.toLowerCase()];
    if (alias === undefined) {
      throw new ScheduleError(`"${expression}": unknown alias ${trimmed} (known: ${Object.keys(ALIASES).join(' ')})`, expression);
    }
    text = alias;
  }
  const parts = text === '' ? [] : text.split(/\s+/);
  if (parts.length === 5) parts.push('H');
  if (parts.length !== 6) {
    throw new ScheduleError(`"${expression}" has ${parts.length} field${parts.length === 1 ? '' : 's'}, expected 5 or 6`, expression);
  }
  return parts.map((p, i) => parseField(expression, i, p));
}

/** Allowed values compiled into lookup tables for the matcher. */
interface Tables {
  /** bit m set for each allowed month m (1-12) */
  readonly monthMask: number;
  readonly domMask: number;
  readonly dowMask: number;
  readonly domStar: boolean;
  readonly dowStar: boolean;
  /** next allowed value ≥ index, or -1; one extra slot past the maximum holds -1 */
  readonly nextHour: Int8Array;
  readonly nextMinute: Int8Array;
  readonly nextSecond: Int8Array;
  /** Every hour allowed: the schedule keeps real-time pace through clock changes. */
  readonly paced: boolean;
}

/**
 * Next-value tables by content, shared between schedules: a hashed field has at most 60
 * different values, so thousands of `@daily` jobs need only a few hundred tables instead of three
 * each (docs/BENCHMARKS.md, daemon memory). Never written after they are built. Cleared past
 * SHARED_LIMIT so that R forms, which draw new values at every evaluation, cannot grow it.
 */
const sharedTables = new Map<string, Int8Array>();
const SHARED_LIMIT = 10_000;

/** The same tables by the identity of the value array (a field's expansions are shared, cron-fields.ts). */
const tablesOfValues = new WeakMap<readonly number[], Int8Array>();

function nextTable(values: readonly number[], size: number): Int8Array {
  const known = tablesOfValues.get(values);
  if (known !== undefined) return known;
  const t = contentTable(values, size);
  tablesOfValues.set(values, t);
  return t;
}

function contentTable(values: readonly number[], size: number): Int8Array {
  const key = `${size}:${values.join(',')}`;
  let t = sharedTables.get(key);
  if (t === undefined) {
    t = buildNextTable(values, size);
    if (sharedTables.size >= SHARED_LIMIT) sharedTables.clear();
    sharedTables.set(key, t);
  }
  return t;
}

function buildNextTable(values: readonly number[], size: number): Int8Array {
  const t = new Int8Array(size + 1).fill(-1);
  for (const v of values) t[v] = v;
  let next = -1;
  for (let v = size - 1; v >= 0; v--) {
    if (t[v] === v) next = v;
    t[v] = next;
  }
  return t;
}

/**
 * Tables by the identities of their six value arrays (which fields share, cron-fields.ts): the
 * tables of 10,000 jobs with `H/15 * * * *` are 60 objects. Tables never change once built.
 */
const tablesByValues = new Map<string, Tables>();
const valueIds = new WeakMap<readonly number[], number>();
let nextValueId = 0;

function buildTables(expression: string, fields: readonly CronField[], crc: number, random: () => number): Tables {
  const values: (readonly number[])[] = [];
  let key = '';
  for (const f of fields) {
    const v = f.values(crc, random);
    values.push(v);
    let id = valueIds.get(v);
    if (id === undefined) {
      id = nextValueId++;
      valueIds.set(v, id);
    }
    key += String.fromCharCode(id & 0xffff, id >>> 16);
  }
  let tables = tablesByValues.get(key);
  if (tables === undefined) {
    tables = computeTables(expression, fields, values);
    if (tablesByValues.size >= SHARED_LIMIT) tablesByValues.clear();
    tablesByValues.set(key, tables);
  }
  return tables;
}

/** Bit masks of value arrays, by identity (few different arrays for the day and month fields). */
const masks = new WeakMap<readonly number[], number>();

function maskOf(values: readonly number[]): number {
  let mask = masks.get(values);
  if (mask === undefined) {
    mask = 0;
    for (const v of values) mask |= 1 << v;
    masks.set(values, mask);
  }
  return mask;
}

function computeTables(expression: string, fields: readonly CronField[], values: readonly (readonly number[])[]): Tables {
  const at = (i: number): readonly number[] => values[i] as readonly number[];
  const monthMask = maskOf(at(MONTH));
  const domMask = maskOf(at(DAY_OF_MONTH));
  const dowMask = maskOf(at(DAY_OF_WEEK));
  const domStar = at(DAY_OF_MONTH).length === 31;
  const dowStar = at(DAY_OF_WEEK).length === 7;
  if (!domStar && dowStar) {
    const possible = at(MONTH).some((m) => at(DAY_OF_MONTH).some((d) => d <= (DAYS_IN_MONTH[m] as number)));
    if (!possible) {
      throw new ScheduleError(
        `"${expression}" never fires: no month in "${(fields[MONTH] as CronField).text}" has day "${(fields[DAY_OF_MONTH] as CronField).text}"`,
        expression,
        DAY_OF_MONTH,
      );
    }
  }
  return {
    monthMask,
    domMask,
    dowMask,
    domStar,
    dowStar,
    nextHour: nextTable(at(HOUR), 24),
    nextMinute: nextTable(at(MINUTE), 60),
    nextSecond: nextTable(at(SECOND), 60),
    paced: at(HOUR).length === 24,
  };
}

/** First allowed second of the day at or after `sod` (seconds of day), or -1. */
function nextTimeOfDay(t: Tables, sod: number): number {
  let h = Math.floor(sod / 3600);
  let m = Math.floor((sod % 3600) / 60);
  let s = sod % 60;
  for (;;) {
    const hh = t.nextHour[h] as number;
    if (hh < 0) return -1;
    if (hh !== h) {
      h = hh;
      m = 0;
      s = 0;
    }
    const mm = t.nextMinute[m] as number;
    if (mm < 0) {
      h++;
      m = 0;
      s = 0;
      continue;
    }
    if (mm !== m) {
      m = mm;
      s = 0;
    }
    const ss = t.nextSecond[s] as number;
    if (ss < 0) {
      m++;
      s = 0;
      continue;
    }
    return h * 3600 + m * 60 + ss;
  }
}

function dayMatches(t: Tables, dom: number, dow: number): boolean {
  const domOk = (t.domMask & (1 << dom)) !== 0;
  const dowOk = (t.dowMask & (1 << dow)) !== 0;
  if (t.domStar) return dowOk;
  if (t.dowStar) return domOk;
  return domOk || dowOk;
}

/** First allowed wall second in [from, to] (whole wall seconds), or null. */
export function nextWallMatch(t: Tables, from: number, to: number): number | null {
  let day = Math.floor(from / 86_400);
  let sod = from - day * 86_400;
  while (day * 86_400 <= to) {
    const date = civilFromDays(day);
    if ((t.monthMask & (1 << date.month)) === 0) {
      day = date.month === 12 ? daysFromCivil(date.year + 1, 1, 1) : daysFromCivil(date.year, date.month + 1, 1);
      sod = 0;
      continue;
    }
    if (dayMatches(t, date.day, weekday(day))) {
      const tod = nextTimeOfDay(t, sod);
      if (tod >= 0) {
        const w = day * 86_400 + tod;
        return w <= to ? w : null;
      }
    }
    day++;
    sod = 0;
  }
  return null;
}

/** A compiled cron schedule. */
export class CronSchedule implements Schedule {
  private readonly fields: readonly CronField[];
  private readonly tables: Tables | null;
  private readonly crc: number;
  private readonly offset: number;
  private readonly zone: ZoneModel;

  private readonly random: () => number;

  constructor(readonly expression: string, options: { jobName: string; timezone: string; random: () => number }) {
    this.random = options.random;
    this.fields = cachedCronFields(expression);
    this.crc = crc32(options.jobName);
    this.offset = this.crc / 4294967295;
    this.zone = zoneModel(options.timezone);
    // Compile once even with R forms, so that errors show at compile time.
    const tables = buildTables(expression, this.fields, this.crc, this.random);
    this.tables = hasRandom(this.fields) ? null : tables;
  }

  keptUntil(fire: EpochSeconds): EpochSeconds | null {
    // `next` finds the first allowed whole second W after floor(t), and answers W + offset
    // (offset in [0, 1]): the same W, so the same answer, for every t below W, and W ≥ fire - 1.
    // The instants allowed do not depend on t (test/schedule/properties.test.ts).
    return this.tables === null ? null : fire - 1;
  }

  next(after: EpochSeconds): EpochSeconds | null {
    const tables = this.tables ?? buildTables(this.expression, this.fields, this.crc, this.random);
    // Like the original: the first matching whole second strictly after `after`, plus the offset.
    let s = Math.floor(after) + 1;
    const limit = s + SEARCH_LIMIT;
    while (s <= limit) {
      const seg = this.zone.segmentAt(s, SEGMENT_BACK, SEGMENT_AHEAD);
      const o = seg.offset;
      const prev = seg.previousOffset;
      let best = Infinity;
      const ownStart = tables.paced ? seg.from + o : seg.from + Math.max(o, prev);
      const own = nextWallMatch(tables, Math.max(ownStart, s + o), seg.to - 1 + o);
      if (own !== null) best = own - o;
      if (prev < o) {
        // Wall times skipped by this segment's spring-forward gap.
        const gapStart = seg.from + prev;
        const gapEnd = seg.from + o - 1;
        if (tables.paced) {
          const w = nextWallMatch(tables, Math.max(gapStart, s + prev), gapEnd);
          if (w !== null) best = Math.min(best, w - prev);
        } else if (seg.from >= s && nextWallMatch(tables, gapStart, gapEnd) !== null) {
          best = Math.min(best, seg.from);
        }
      }
      if (best !== Infinity) return best + this.offset;
      s = seg.to;
    }
    throw new ScheduleError(`"${this.expression}" never fires within 12 years after ${new Date(after * 1000).toISOString()}`, this.expression);
  }
}
