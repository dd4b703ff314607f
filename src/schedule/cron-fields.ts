/**
 * Parsing of cron fields (SPEC §4.1): `minute hour day-of-month month day-of-week [second]`,
 * lists, ranges, steps, month and weekday names, and the hashed (`H…`) and random (`R…`) forms.
 * A field compiles to a sorted list of allowed values; `R` items are re-drawn at every
 * evaluation, so a field keeps its parsed items and compiles them against a seed.
 */
import { ScheduleError } from '../errors.js';

/** Field indexes, as used by the hash (`crc >> index`). */
export const MINUTE = 0, HOUR = 1, DAY_OF_MONTH = 2, MONTH = 3, DAY_OF_WEEK = 4, SECOND = 5;

export interface FieldInfo {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Per field index: its name in messages, its range (day-of-week 0-7, 7 = Sunday) and names. */
export const FIELDS: readonly FieldInfo[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
  { name: 'second', min: 0, max: 59 },
];

/** One comma-separated item of a field, parsed. */
type Item =
  | { readonly kind: 'range'; readonly start: number; readonly end: number; readonly step: number }
  /** `H`, `H(a-b)`, `H/n`, `H(a-b)/n`, or the same with R (`random`). */
  | { readonly kind: 'hash'; readonly random: boolean; readonly a?: number; readonly b?: number; readonly step?: number };

interface Range {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** One expanded item as a number (start and end are below 64 once checked; others get a text). */
function rangeKey(r: Range): number | string {
  return r.start >= 0 && r.start < 64 && r.end >= 0 && r.end < 64 && Number.isSafeInteger(r.step) && r.step < 2 ** 40
    ? (r.step * 64 + r.start) * 64 + r.end
    : `${r.start}-${r.end}/${r.step}`;
}

const EXPANSIONS_LIMIT = 1000;

/** A parsed field: its items, compiled to values against a hash seed. */
export class CronField {
  /** The values of a field without H or R items, which do not depend on the job (computed once). */
  private fixed: readonly number[] | undefined;
  /** True when an item is an `R` form (values change at every evaluation). */
  readonly isRandom: boolean;
  /** The item when the field is one H or R item (`H`, `H/15`, `H(0-5)`: most hashed fields). */
  private readonly single: Extract<Item, { kind: 'hash' }> | undefined;

  constructor(
    readonly index: number,
    readonly text: string,
    private readonly items: readonly Item[],
    private readonly expression: string,
  ) {
    this.isRandom = items.some((i) => i.kind === 'hash' && i.random);
    const only = items.length === 1 ? items[0] : undefined;
    this.single = only?.kind === 'hash' ? only : undefined;
  }

  /**
   * The allowed values, sorted and unique (day-of-week 7 folded into 0).
   * @param crc the job's hash seed
   * @param random source of seeds for R forms
   */
  values(crc: number, random: () => number): readonly number[] {
    if (this.fixed !== undefined) return this.fixed;
    if (this.single !== undefined) {
      // One hashed item (thousands of jobs, one call each): no array of ranges to build.
      const range = this.expandHash(this.single, crc, random);
      const key = rangeKey(range);
      let values = this.byExpansion.get(key);
      if (values === undefined) {
        values = this.compute([range]);
        if (this.byExpansion.size >= EXPANSIONS_LIMIT) this.byExpansion.clear();
        this.byExpansion.set(key, values);
      }
      return values;
    }
    const ranges = this.items.map((item) => (item.kind === 'range' ? item : this.expandHash(item, crc, random)));
    if (this.items.every((i) => i.kind === 'range')) {
      this.fixed = this.compute(ranges);
      return this.fixed;
    }
    // A hashed field has few different expansions (H in minutes: 60) shared by thousands of
    // jobs: each is computed once, and jobs share its array (and so its next-value table).
    const key = ranges.length === 1 ? rangeKey(ranges[0] as Range) : ranges.map(rangeKey).join(',');
    let values = this.byExpansion.get(key);
    if (values === undefined) {
      values = this.compute(ranges);
      if (this.byExpansion.size >= EXPANSIONS_LIMIT) this.byExpansion.clear();
      this.byExpansion.set(key, values);
    }
    return values;
  }

  /** Values by expanded hash items ({@link rangeKey}); R forms add new ones at every evaluation, hence the limit. */
  private readonly byExpansion = new Map<number | string, readonly number[]>();

  private compute(ranges: readonly Range[]): readonly number[] {
    const info = FIELDS[this.index] as FieldInfo;
    const set = new Set<number>();
    ranges.forEach(({ start, end, step }, i) => {
      const hashed = (this.items[i] as Item).kind === 'hash';
      if (start > end) {
        throw this.error(`range start ${start} is after end ${end}${hashed ? ' (after hashing)' : ''}`);
      }
      if (end > info.max || start < info.min) {
        const bad = end > info.max ? end : start;
        throw this.error(`value ${bad} out of range ${info.min}-${info.max}${hashed ? ' (after hashing)' : ''}`);
      }
      for (let v = start; v <= end; v += step) set.add(this.index === DAY_OF_WEEK && v === 7 ? 0 : v);
    });
    return Object.freeze([...set].sort((x, y) => x - y));
  }

  /** SPEC §4.1 hash(i, begin, end), with the zero-bound quirk of the original. */
  private hash(crc: number, begin: number, end: number): number {
    const info = FIELDS[this.index] as FieldInfo;
    const b = begin === 0 ? info.min : begin;
    const e = end === 0 ? info.max : end;
    if (e < b) throw this.error(`hash range ${b}-${e} is empty`);
    return (Math.floor(crc / 2 ** this.index) % (e - b + 1)) + b;
  }

  private expandHash(item: Extract<Item, { kind: 'hash' }>, jobCrc: number, random: () => number): Range {
    const info = FIELDS[this.index] as FieldInfo;
    const crc = item.random ? Math.floor(random() * 2 ** 32) >>> 0 : jobCrc;
    if (item.step === undefined) {
      const v = item.a === undefined ? this.hash(crc, info.min, info.max) : this.hash(crc, item.a, item.b as number);
      return { start: v, end: v, step: 1 };
    }
    const o = this.hash(crc, info.min, item.step);
    if (item.a === undefined) return { start: o, end: info.max, step: item.step };
    return { start: o + item.a, end: item.b as number, step: item.step };
  }

  private error(what: string): ScheduleError {
    return fieldError(this.expression, this.index, this.text, what);
  }
}

function fieldError(expression: string, index: number, text: string, what: string): ScheduleError {
  const info = FIELDS[index] as FieldInfo;
  return new ScheduleError(`${info.name} field "${text}": ${what}`, expression, index);
}

/** Parses field `index` of `expression` (text `text`). @throws ScheduleError naming the field */
export function parseField(expression: string, index: number, text: string): CronField {
  const info = FIELDS[index] as FieldInfo;
  const fail = (what: string): ScheduleError => fieldError(expression, index, text, what);
  const number = (s: string): number => {
    if (/^\d+$/.test(s)) {
      const v = Number(s);
      if (v < info.min || v > info.max) throw fail(`value ${v} out of range ${info.min}-${info.max}`);
      return v;
    }
    const n = info.names?.indexOf(s.toUpperCase()) ?? -1;
    if (n < 0) {
      throw fail(info.names ? `"${s}" is neither a number nor a name (${info.names[0]}-${info.names[info.names.length - 1]})` : `"${s}" is not a number`);
    }
    return info.names === MONTH_NAMES ? n + 1 : n;
  };
  const stepOf = (s: string): number => {
    if (!/^\d+$/.test(s)) throw fail(`step "${s}" is not a number`);
    const v = Number(s);
    if (v < 1) throw fail('step 0');
    return v;
  };
  if (text === '') throw fail('empty');
  const items: Item[] = [];
  for (const part of text.split(',')) {
    if (part === '') throw fail('empty list item');
    const hashed = /^([HR])(?:\((\d+)-(\d+)\))?(?:\/(\d+))?$/i.exec(part);
    if (hashed !== null) {
      const [, letter = 'H', as, bs, ss] = hashed;
      const random = letter.toUpperCase() === 'R';
      const item: { kind: 'hash'; random: boolean; a?: number; b?: number; step?: number } = { kind: 'hash', random };
      if (as !== undefined && bs !== undefined) {
        item.a = Number(as);
        item.b = Number(bs);
        if (item.a > info.max || item.b > info.max) throw fail(`value ${Math.max(item.a, item.b)} out of range ${info.min}-${info.max}`);
      }
      if (ss !== undefined) item.step = stepOf(ss);
      items.push(item);
      continue;
    }
    if (/^[HR]/i.test(part) && !/^[A-Za-z]{3}/.test(part)) throw fail(`"${part}" is not a hash form (H, H(a-b), H/n, H(a-b)/n)`);
    const [body = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw fail(`"${part}" has more than one step`);
    const step = stepText === undefined ? 1 : stepOf(stepText);
    if (body === '*' || (body === '?' && (index === DAY_OF_MONTH || index === DAY_OF_WEEK))) {
      items.push({ kind: 'range', start: info.min, end: info.max, step });
      continue;
    }
    const range = body.split('-');
    if (range.length > 2 || range.some((r) => r === '')) throw fail(`"${part}" is not a value, range or step`);
    const start = number(range[0] as string);
    const end = range.length === 2 ? number(range[1] as string) : stepText === undefined ? start : info.max;
    if (start > end) throw fail(`range start ${start} is after end ${end}`);
    items.push({ kind: 'range', start, end, step });
  }
  return new CronField(index, text, items, expression);
}
