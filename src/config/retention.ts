/**
 * The `retention` key (SPEC-BEYOND §12.7): how many finished runs, and how old, are kept, and
 * when output is compressed. At top level it is the default; a job's own keys override each one.
 *
 * `keep_runs: 0` is a configuration error, not "keep nothing": the newest run of a job is always
 * kept, so 0 could only mean something the daemon will not do. `null` means unlimited, so that a
 * job can lift a top-level limit.
 */
import type { Checker, Place } from './checker.js';
import { describeValue, isMapping, type RawMapping } from './values.js';

const RETENTION_KEYS = ['keep_runs', 'keep_days', 'compress_after'];

/** Effective retention of a job; null = unlimited / never. */
export interface RetentionConfig {
  /** Newest N finished runs per job. */
  readonly keepRuns: number | null;
  /** Days: finished runs newer than this are kept. */
  readonly keepDays: number | null;
  /** Days after which output.txt becomes output.txt.gz. */
  readonly compressAfter: number | null;
}

/** What a mapping's `retention` sets: a key absent stays undefined (inherited). */
export type RetentionKeys = { readonly [K in keyof RetentionConfig]?: RetentionConfig[K] };

/** No retention at all (the default). */
export const NO_RETENTION: RetentionConfig = { keepRuns: null, keepDays: null, compressAfter: null };

/**
 * Reads `retention` of a mapping (top level or job).
 * @throws ConfigError naming file, job and key
 */
export function readRetention(check: Checker, place: Place, raw: RawMapping): RetentionKeys {
  const v = raw['retention'];
  if (v === undefined || v === null) return {};
  if (!isMapping(v)) return check.wrongType(place, ['retention'], 'a mapping with keep_runs, keep_days and/or compress_after', v);
  const out: { -readonly [K in keyof RetentionConfig]?: RetentionConfig[K] } = {};
  for (const k of Object.keys(v)) {
    if (!RETENTION_KEYS.includes(k)) check.fail(place, ['retention', k], `unknown key (expected one of ${RETENTION_KEYS.join(', ')})`);
  }
  const keepRuns = v['keep_runs'];
  if (keepRuns !== undefined) {
    if (keepRuns === null) out.keepRuns = null;
    else if (typeof keepRuns !== 'number' || !Number.isInteger(keepRuns) || keepRuns < 1) {
      const hint = keepRuns === 0 ? ' (the newest run is always kept; use null or leave it out for no limit)' : '';
      check.fail(place, ['retention', 'keep_runs'], `expected a whole number of runs ≥ 1 or null, found ${describeValue(keepRuns)}${hint}`);
    } else out.keepRuns = keepRuns;
  }
  const days = (key: 'keep_days' | 'compress_after', min: number): number | null | undefined => {
    const d = v[key];
    if (d === undefined || d === null) return d;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < min || (min === 0 && d <= 0 && key === 'keep_days')) {
      return check.fail(place, ['retention', key], `expected a number of days ${key === 'keep_days' ? '> 0' : '≥ 0'} or null, found ${describeValue(d)}`);
    }
    return d;
  };
  const keepDays = days('keep_days', 0);
  if (keepDays !== undefined) out.keepDays = keepDays;
  const compressAfter = days('compress_after', 0);
  if (compressAfter !== undefined) out.compressAfter = compressAfter;
  return out;
}

/** A job's effective retention: its own keys over the top level's over none. */
export function mergeRetention(top: RetentionKeys, job: RetentionKeys | undefined): RetentionConfig {
  return { ...NO_RETENTION, ...top, ...(job ?? {}) };
}

/** `retention` as `config dump` shows it. */
export function dumpRetention(r: RetentionConfig): Record<string, number | null> {
  return { keep_runs: r.keepRuns, keep_days: r.keepDays, compress_after: r.compressAfter };
}
