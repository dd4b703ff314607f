/**
 * How long each simulated run lasts and how often it fails: from the job's history in the run
 * store (median or p95 of its finished runs' durations, its share of failed runs), or numbers
 * given on the command line. A job without history lasts {@link DEFAULT_DURATION} seconds.
 */
import type { JobConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { quantile } from '../metrics/quantile.js';
import type { RunStore } from '../store/types.js';

/** Seconds a run of a job without history lasts, unless told otherwise. */
export const DEFAULT_DURATION = 1;
/** The longest duration accepted on the command line (a year). */
const MAX_DURATION = 366 * 86_400;

/** What `--durations` asked for. */
export interface DurationSpec {
  /** `median` or `p95` of the history, or one `fixed` number for every job. */
  readonly mode: 'median' | 'p95' | 'fixed';
  /** With `fixed`: the seconds. */
  readonly seconds: number;
  /** `JOB=SECONDS` entries: these jobs last this long whatever the mode. */
  readonly perJob: ReadonlyMap<string, number>;
  /** Seconds for a job without history. @default DEFAULT_DURATION */
  readonly defaultSeconds: number;
}

/** One job's finished runs as the simulation needs them. */
export interface JobHistory {
  /** Durations of finished runs, ascending. */
  readonly durations: readonly number[];
  readonly runCount: number;
  readonly failureCount: number;
}

/** The duration a job's runs get in the simulation, and where it came from. */
export interface JobDuration {
  readonly seconds: number;
  /** `median` / `p95` (of `samples` runs in the history), `fixed`, `job` (JOB=SECONDS) or `default` (no history). */
  readonly source: 'median' | 'p95' | 'fixed' | 'job' | 'default';
  readonly samples: number;
  /** The share of runs drawn as failed (exit status 1): the history's, 0 without history. */
  readonly failureRate: number;
}

/**
 * Reads a duration: seconds as a number, or with a unit `s`, `m`, `h` or `d` ("90", "1.5",
 * "5m", "2h").
 * @throws UsageError naming the value
 */
export function parseSeconds(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|m|h|d)?\s*$/i.exec(text);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m?.[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  const value = m === null ? NaN : Number(m[1]) * unit;
  if (!Number.isFinite(value) || value > MAX_DURATION) {
    throw new UsageError(`${what} "${text}" is not a duration (seconds, or a number with s, m, h or d, at most 366 days)`);
  }
  return value;
}

/**
 * Reads the `--durations` values (each may be given more than once): `history` (the median,
 * the default), `p95`, `SECONDS` for every job, or `JOB=SECONDS` for one job.
 * @throws UsageError for anything else, or two different modes
 */
export function parseDurationSpec(values: readonly string[], defaultSeconds = DEFAULT_DURATION): DurationSpec {
  let mode: DurationSpec['mode'] | null = null;
  let seconds = 0;
  const perJob = new Map<string, number>();
  const setMode = (m: DurationSpec['mode'], text: string): void => {
    if (mode !== null && mode !== m) throw new UsageError(`--durations "${text}" contradicts an earlier --durations (give one of history, p95 or SECONDS, plus JOB=SECONDS entries)`);
    mode = m;
  };
  for (const value of values) {
    const eq = value.lastIndexOf('=');
    if (eq > 0) {
      perJob.set(value.slice(0, eq), parseSeconds(value.slice(eq + 1), `--durations ${value.slice(0, eq)}=`));
    } else if (value === 'history' || value === 'median') {
      setMode('median', value);
    } else if (value === 'p95') {
      setMode('p95', value);
    } else if (/^\s*[\d.]/.test(value)) {
      setMode('fixed', value);
      seconds = parseSeconds(value, '--durations');
    } else {
      throw new UsageError(`--durations "${value}": expected history, p95, SECONDS or JOB=SECONDS`);
    }
  }
  return { mode: mode ?? 'median', seconds, perJob, defaultSeconds };
}

/**
 * Reads the history of these jobs from the store: each job's finished-run durations and its
 * failed share. Only reads.
 * @throws StoreError when the store cannot be read
 */
export async function readHistory(store: RunStore, jobNames: readonly string[]): Promise<Map<string, JobHistory>> {
  const wanted = new Set(jobNames);
  const history = new Map<string, JobHistory>();
  for (const summary of await store.jobSummaries()) {
    if (!wanted.has(summary.jobName) || summary.runCount === 0) continue;
    history.set(summary.jobName, { durations: await store.durations(summary.jobName), runCount: summary.runCount, failureCount: summary.failureCount });
  }
  return history;
}

/** Each job's duration and failure rate under `spec`. */
export function resolveDurations(jobs: Iterable<JobConfig>, spec: DurationSpec, history: ReadonlyMap<string, JobHistory>): Map<string, JobDuration> {
  const out = new Map<string, JobDuration>();
  for (const job of jobs) {
    const h = history.get(job.name);
    const failureRate = h !== undefined && h.runCount > 0 ? h.failureCount / h.runCount : 0;
    const samples = h?.durations.length ?? 0;
    const given = spec.perJob.get(job.name);
    let d: Omit<JobDuration, 'failureRate'>;
    if (given !== undefined) d = { seconds: given, source: 'job', samples };
    else if (spec.mode === 'fixed') d = { seconds: spec.seconds, source: 'fixed', samples };
    else if (h !== undefined && samples > 0) {
      const q = quantile(h.durations, spec.mode === 'p95' ? 0.95 : 0.5) ?? spec.defaultSeconds;
      d = { seconds: Math.max(0, q), source: spec.mode, samples };
    } else d = { seconds: spec.defaultSeconds, source: 'default', samples: 0 };
    out.set(job.name, { ...d, failureRate });
  }
  return out;
}
