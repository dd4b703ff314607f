/**
 * Python-like `datetime` and `timedelta` values for report templates.
 *
 * Templates written for the original dsari (Jinja2) print run times with `{{ run.stop_time }}`,
 * subtract them (`run.stop_time - run.start_time` is a `timedelta`), call `.strftime()` /
 * `.isoformat()` on them and pass them to `strip_ms()`. These classes print exactly as Python's
 * `str()` does for UTC-aware values, and `valueOf()` returns epoch seconds so that ordering
 * comparisons work; `template-env.ts` routes `-`, `+`, `==` and `!=` through {@link pySub} and
 * friends so that arithmetic gives these types back.
 */
import type { EpochSeconds } from '../clock.js';

const DAY = 86_400;
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Keyword arguments as nunjucks passes them (`f(a=1)` → last argument `{a: 1, __keywords: true}`). */
function keywordArgs(args: readonly unknown[]): Record<string, unknown> {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && (last as { __keywords?: unknown }).__keywords === true) {
    return last as Record<string, unknown>;
  }
  return {};
}

/** A UTC instant with microsecond resolution, shaped like Python's aware `datetime`. */
export class PyDateTime {
  /** Whole microseconds since the epoch (Python rounds `fromtimestamp` to microseconds). */
  private readonly micros: number;

  constructor(epochSeconds: EpochSeconds) {
    this.micros = Math.round(epochSeconds * 1e6);
  }

  /** Epoch seconds with fraction. */
  get epoch(): EpochSeconds {
    return this.micros / 1e6;
  }
  private get whole(): Date {
    return new Date(Math.floor(this.micros / 1000));
  }
  get year(): number {
    return this.whole.getUTCFullYear();
  }
  get month(): number {
    return this.whole.getUTCMonth() + 1;
  }
  get day(): number {
    return this.whole.getUTCDate();
  }
  get hour(): number {
    return this.whole.getUTCHours();
  }
  get minute(): number {
    return this.whole.getUTCMinutes();
  }
  get second(): number {
    return this.whole.getUTCSeconds();
  }
  get microsecond(): number {
    return ((this.micros % 1_000_000) + 1_000_000) % 1_000_000;
  }

  valueOf(): number {
    return this.epoch;
  }

  /** Python `str(datetime)`: `2024-01-02 03:04:05.123456+00:00` (no fraction when zero). */
  toString(): string {
    return this.isoformat(' ');
  }

  /** `isoformat(sep='T')`. */
  isoformat(sep: unknown = 'T'): string {
    const s = typeof sep === 'string' ? sep : 'T';
    const frac = this.microsecond === 0 ? '' : `.${pad(this.microsecond, 6)}`;
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}${s}${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${frac}+00:00`;
  }

  /** `timestamp()`: epoch seconds. */
  timestamp(): number {
    return this.epoch;
  }

  /** `replace(microsecond=0)` and the other fields, as keyword arguments. */
  replace(...args: unknown[]): PyDateTime {
    const kw = keywordArgs(args);
    const d = this.whole;
    const num = (k: string, v: number): number => (typeof kw[k] === 'number' ? (kw[k] as number) : v);
    const ms = Date.UTC(
      num('year', d.getUTCFullYear()),
      num('month', d.getUTCMonth() + 1) - 1,
      num('day', d.getUTCDate()),
      num('hour', d.getUTCHours()),
      num('minute', d.getUTCMinutes()),
      num('second', d.getUTCSeconds()),
    );
    return new PyDateTime(ms / 1000 + num('microsecond', this.microsecond) / 1e6);
  }

  /** Monday = 0, as Python. */
  weekday(): number {
    return (this.whole.getUTCDay() + 6) % 7;
  }

  /** Python `strftime` for the common directives (UTC: `%Z` is `UTC`, `%z` is `+0000`). */
  strftime(format: unknown): string {
    const fmt = String(format);
    const d = this.whole;
    const dayOfYear = Math.floor((Date.UTC(this.year, this.month - 1, this.day) - Date.UTC(this.year, 0, 1)) / 86_400_000) + 1;
    const h12 = this.hour % 12 === 0 ? 12 : this.hour % 12;
    const weekdayName = WEEKDAYS[this.weekday()] ?? '';
    const monthName = MONTHS[this.month - 1] ?? '';
    return fmt.replace(/%([a-zA-Z%])/g, (whole, c: string) => {
      switch (c) {
        case 'Y': return pad(this.year, 4);
        case 'y': return pad(this.year % 100);
        case 'm': return pad(this.month);
        case 'd': return pad(this.day);
        case 'e': return String(this.day).padStart(2, ' ');
        case 'H': return pad(this.hour);
        case 'I': return pad(h12);
        case 'M': return pad(this.minute);
        case 'S': return pad(this.second);
        case 'f': return pad(this.microsecond, 6);
        case 'p': return this.hour < 12 ? 'AM' : 'PM';
        case 'a': return weekdayName.slice(0, 3);
        case 'A': return weekdayName;
        case 'b': case 'h': return monthName.slice(0, 3);
        case 'B': return monthName;
        case 'j': return pad(dayOfYear, 3);
        case 'w': return String(d.getUTCDay());
        case 'u': return String(this.weekday() + 1);
        case 'Z': return 'UTC';
        case 'z': return '+0000';
        case 's': return String(Math.floor(this.epoch));
        case 'F': return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
        case 'T': return `${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}`;
        case 'c': return `${weekdayName.slice(0, 3)} ${monthName.slice(0, 3)} ${String(this.day).padStart(2, ' ')} ${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)} ${this.year}`;
        case '%': return '%';
        default: return whole;
      }
    });
  }
}

/** A signed duration with microsecond resolution, shaped like Python's `timedelta`. */
export class PyTimedelta {
  private readonly micros: number;

  constructor(seconds: number) {
    this.micros = Math.round(seconds * 1e6);
  }

  /** Whole days (may be negative, as Python normalises). */
  get days(): number {
    return Math.floor(this.micros / (DAY * 1e6));
  }
  /** Seconds within the day, 0 ≤ seconds < 86400. */
  get seconds(): number {
    const rest = this.micros - this.days * DAY * 1e6;
    return Math.floor(rest / 1e6);
  }
  get microseconds(): number {
    return ((this.micros % 1_000_000) + 1_000_000) % 1_000_000;
  }

  total_seconds(): number {
    return this.micros / 1e6;
  }

  valueOf(): number {
    return this.micros / 1e6;
  }

  /** Python `str(timedelta)`: `0:01:05`, `1 day, 2:03:04.500000`, `-1 day, 23:59:59`. */
  toString(): string {
    const days = this.days;
    const secs = this.seconds;
    const h = Math.floor(secs / 3600);
    const m = Math.floor((secs % 3600) / 60);
    const s = secs % 60;
    const frac = this.microseconds === 0 ? '' : `.${pad(this.microseconds, 6)}`;
    const clock = `${h}:${pad(m)}:${pad(s)}${frac}`;
    if (days === 0) return clock;
    return `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${clock}`;
  }
}

/** `a - b` with Python semantics for datetimes and timedeltas; plain `-` otherwise. */
export function pySub(a: unknown, b: unknown): unknown {
  if (a instanceof PyDateTime && b instanceof PyDateTime) return new PyTimedelta(a.epoch - b.epoch);
  if (a instanceof PyDateTime && b instanceof PyTimedelta) return new PyDateTime(a.epoch - b.total_seconds());
  if (a instanceof PyTimedelta && b instanceof PyTimedelta) return new PyTimedelta(a.total_seconds() - b.total_seconds());
  return (a as number) - (b as number);
}

/** `a + b` with Python semantics for datetimes and timedeltas; plain `+` otherwise. */
export function pyAdd(a: unknown, b: unknown): unknown {
  if (a instanceof PyDateTime && b instanceof PyTimedelta) return new PyDateTime(a.epoch + b.total_seconds());
  if (a instanceof PyTimedelta && b instanceof PyDateTime) return new PyDateTime(b.epoch + a.total_seconds());
  if (a instanceof PyTimedelta && b instanceof PyTimedelta) return new PyTimedelta(a.total_seconds() + b.total_seconds());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mirrors JS `+` on whatever the template gave
  return (a as any) + (b as any);
}

function isPyTime(v: unknown): v is PyDateTime | PyTimedelta {
  return v instanceof PyDateTime || v instanceof PyTimedelta;
}

/** `a == b` / `a != b` (and `===`, `!==`): datetimes and timedeltas compare by value. */
export function pyEquals(a: unknown, op: string, b: unknown): boolean {
  if (isPyTime(a) || isPyTime(b)) {
    const same = isPyTime(a) && isPyTime(b) && a.constructor === b.constructor && a.valueOf() === b.valueOf();
    return op === '==' || op === '===' ? same : !same;
  }
  switch (op) {
    // The template language's `==` is JavaScript's loose equality.
    case '==': return a == b;
    case '===': return a === b;
    case '!=': return a != b;
    default: return a !== b;
  }
}

/**
 * The original's `strip_ms()` template helper: a datetime without its microseconds, or a
 * timedelta (or a number of seconds) truncated to whole seconds. Empty for a missing value.
 */
export function stripMs(value: unknown): PyDateTime | PyTimedelta | string {
  if (value instanceof PyDateTime) return value.replace({ microsecond: 0, __keywords: true });
  if (value instanceof PyTimedelta) return new PyTimedelta(Math.trunc(value.total_seconds()));
  if (typeof value === 'number' && Number.isFinite(value)) return new PyTimedelta(Math.trunc(value));
  if (value === null || value === undefined) return '';
  return String(value);
}
