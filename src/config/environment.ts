/**
 * Environment mappings (SPEC §3, §6): string keys; string values as they are; integers and
 * floats as Python's `str()` writes them (3 → "3", 1.0 → "1.0"); anything else is an error. A
 * list of one-entry mappings (`- KEY: value`) is accepted too, as the original's examples use it.
 */
import type { Checker, Place } from './checker.js';
import { describeValue, isMapping, isMarkedFloat, pythonFloatText, type RawMapping } from './values.js';

/** Converts one environment value to text, or returns undefined when it is not acceptable. */
export function environmentValueText(container: object, key: string | number, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !isMarkedFloat(container, key)) return String(value);
    return pythonFloatText(value);
  }
  return undefined;
}

/**
 * Validates `m[key]` as an environment mapping.
 * @throws ConfigError naming the variable and what was found
 */
export function readEnvironment(check: Checker, place: Place, m: RawMapping, key: string): Record<string, string> {
  const v = m[key];
  const out: Record<string, string> = {};
  if (v === undefined || v === null) return out;
  if (isMapping(v)) {
    for (const name of Object.keys(v)) addVariable(check, place, key, [name], out, v, name, name);
    return out;
  }
  if (Array.isArray(v)) {
    v.forEach((entry: unknown, i) => {
      if (!isMapping(entry) || Object.keys(entry).length !== 1) {
        check.fail(place, [key, `item ${i + 1}`], `expected a mapping of one variable to its value (- NAME: value), found ${describeValue(entry)}`, [key]);
      }
      const name = Object.keys(entry)[0] as string;
      addVariable(check, place, key, [String(i), name], out, entry, name, name);
    });
    return out;
  }
  return check.wrongType(place, [key], 'a mapping of variable names to values', v);
}

function addVariable(
  check: Checker,
  place: Place,
  key: string,
  rawPath: string[],
  out: Record<string, string>,
  container: RawMapping,
  prop: string,
  name: string,
): void {
  if (name === '' || name.includes('=') || name.includes('\0')) {
    check.fail(place, [key, JSON.stringify(name)], 'a variable name must be non-empty and contain neither "=" nor a NUL character', [key, ...rawPath]);
  }
  const value = container[prop];
  const text = environmentValueText(container, prop, value);
  if (text === undefined) {
    check.fail(place, [key, name], `expected a string or a number, found ${describeValue(value)}`, [key, ...rawPath]);
  }
  if (text.includes('\0')) check.fail(place, [key, name], 'a value cannot contain a NUL character', [key, ...rawPath]);
  out[name] = text;
}
