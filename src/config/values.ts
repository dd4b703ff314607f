/**
 * The raw values read from YAML/JSON files, and how they are described in error messages.
 *
 * YAML and JSON both distinguish `1` (an integer) from `1.0` (a float), and the original's
 * behaviour depends on it (an environment value `1.0` becomes the text "1.0"; a concurrency
 * group's `max` must be an integer). JavaScript numbers lose that, so the reader marks every
 * integral float by its position (container, key) in a side table.
 */

/** A mapping as read from a file. */
export type RawMapping = Record<string, unknown>;

const floatMarks = new WeakMap<object, Set<string | number>>();

/** Records that `container[key]` was written as a float (`1.0`) in its file. */
export function markFloat(container: object, key: string | number): void {
  let set = floatMarks.get(container);
  if (set === undefined) {
    set = new Set();
    floatMarks.set(container, set);
  }
  set.add(key);
}

/** True if `container[key]` was written as a float in its file (only recorded for integral values). */
export function isMarkedFloat(container: object, key: string | number): boolean {
  return floatMarks.get(container)?.has(key) === true;
}

/** Copies the float mark of `from[fromKey]` to `to[toKey]`. */
export function copyFloatMark(from: object, fromKey: string | number, to: object, toKey: string | number): void {
  if (isMarkedFloat(from, fromKey)) markFloat(to, toKey);
}

/** True for a plain mapping (not a list, not null, not a Date/Set …). */
export function isMapping(value: unknown): value is RawMapping {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A value in words for "expected …, found X" messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value instanceof Date) return `a timestamp (${value.toISOString()})`;
  if (value instanceof Set) return 'a set';
  if (value instanceof Uint8Array) return 'binary data';
  if (isMapping(value)) return 'a mapping';
  return typeof value;
}

/** Python's `str()` of a float, which the original used for numeric environment values. */
export function pythonFloatText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Shortest round-trip digits, as Python's repr uses.
  const [mantissa = '', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  // Python switches to exponent notation below 1e-4 and from 1e16 on.
  if (exp >= -4 && exp < 16) {
    const pointAt = exp + 1;
    let text: string;
    if (pointAt <= 0) text = `0.${'0'.repeat(-pointAt)}${digits}`;
    else if (pointAt >= digits.length) text = `${digits}${'0'.repeat(pointAt - digits.length)}.0`;
    else text = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
    return sign + text;
  }
  return sci();

  function sci(): string {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
}
