/**
 * The shared machinery of validation: where a value came from (file, job, key) and how errors
 * and warnings about it are worded:
 * `config.d/10-jobs.yaml: job "backup": max_execution: expected a number of seconds, found "ten"`.
 */
import { ConfigError } from '../errors.js';
import type { Origins } from './merge.js';
import { closestKey } from './suggest.js';
import { describeValue, isMarkedFloat, pythonFloatText, type RawMapping } from './values.js';

/** A place in the configuration: its key path in the merged raw config, and how to name it. */
export interface Place {
  /** Key path in the merged raw configuration (to find the file it came from). */
  readonly path: readonly string[];
  /** `job "backup"`, `job group "nightly"`, `concurrency group "db"`, or absent at top level. */
  readonly scope?: string | undefined;
  /** Job name, for ConfigError.job. */
  readonly job?: string | undefined;
}

export class Checker {
  readonly warnings: string[] = [];

  constructor(private readonly origins: Origins) {}

  /** The file (as labelled) that wrote `path`, if any file did. */
  fileOf(path: readonly string[]): string | undefined {
    return this.origins.fileOf(path);
  }

  /** The message prefix for a key at a place. */
  prefix(place: Place, key: readonly string[], rawKeyPath: readonly string[] = key): string {
    const file = this.fileOf([...place.path, ...rawKeyPath]);
    return [file, place.scope, ...key].filter((p) => p !== undefined && p !== '').join(': ');
  }

  /** @throws ConfigError naming file, job and key */
  fail(place: Place, key: readonly string[], message: string, rawKeyPath: readonly string[] = key, cause?: unknown): never {
    const file = this.fileOf([...place.path, ...rawKeyPath]);
    throw new ConfigError(
      `${this.prefix(place, key, rawKeyPath)}: ${message}`,
      { file, job: place.job, key: key.length > 0 ? key.join('.') : undefined },
      cause === undefined ? {} : { cause },
    );
  }

  /** `expected X, found Y` */
  wrongType(place: Place, key: readonly string[], expected: string, found: unknown): never {
    return this.fail(place, key, `expected ${expected}, found ${describeValue(found)}`);
  }

  warn(place: Place, key: readonly string[], message: string): void {
    this.warnings.push(`${this.prefix(place, key)}: ${message}`);
  }

  /** Warns about every key of `mapping` not in `known`, with a "did you mean" suggestion. */
  unknownKeys(place: Place, mapping: RawMapping, known: readonly string[]): void {
    for (const k of Object.keys(mapping)) {
      if (known.includes(k)) continue;
      const near = closestKey(k, known);
      const hint = near === undefined ? '' : ` (did you mean "${near}"?)`;
      const file = this.fileOf([...place.path, k]);
      const where = [file, place.scope].filter((p) => p !== undefined).join(': ');
      this.warnings.push(`${where === '' ? '' : `${where}: `}unknown key "${k}" ignored${hint}`);
    }
  }

  bool(place: Place, m: RawMapping, key: string, fallback: boolean): boolean {
    const v = m[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') return this.wrongType(place, [key], 'true or false', v);
    return v;
  }

  string(place: Place, m: RawMapping, key: string): string | undefined;
  string(place: Place, m: RawMapping, key: string, nullable: true): string | null | undefined;
  string(place: Place, m: RawMapping, key: string, nullable = false): string | null | undefined {
    const v = m[key];
    if (v === undefined) return undefined;
    if (v === null && nullable) return null;
    if (typeof v !== 'string') return this.wrongType(place, [key], nullable ? 'a string or null' : 'a string', v);
    return v;
  }

  /** A non-empty path string. */
  path(place: Place, m: RawMapping, key: string, nullable = false): string | null | undefined {
    const v = nullable ? this.string(place, m, key, true) : this.string(place, m, key);
    if (v === '') return this.fail(place, [key], 'expected a path, found an empty string');
    return v;
  }

  /** Seconds: an integer or float ≥ 0 (booleans are not numbers here, as in the original). */
  seconds(place: Place, m: RawMapping, key: string, nullable: boolean): number | null | undefined {
    const v = m[key];
    if (v === undefined) return undefined;
    if (v === null && nullable) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return this.wrongType(place, [key], `a number of seconds${nullable ? ' or null' : ''}`, v);
    }
    if (v < 0) return this.fail(place, [key], `expected a number of seconds ≥ 0, found ${v}`);
    return v;
  }

  /** An integer ≥ `min` (a float such as 2.0 is refused, as the original did). */
  integer(place: Place, m: RawMapping, key: string, min: number, what = 'an integer'): number | undefined {
    const v = m[key];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && isMarkedFloat(m, key)) {
      return this.fail(place, [key], `expected ${what} ≥ ${min}, found ${pythonFloatText(v)}`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.wrongType(place, [key], `${what} ≥ ${min}`, v);
    if (v < min) return this.fail(place, [key], `expected ${what} ≥ ${min}, found ${v}`);
    return v;
  }
}
