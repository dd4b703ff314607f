/**
 * Which runs retention removes and which outputs it compresses (SPEC-BEYOND §12.7): pure
 * decisions, no I/O. A run is removed when either limit excludes it — it is not among the newest
 * `keep_runs`, or it stopped more than `keep_days` ago — unless it is the newest run of its job,
 * its job's last failed run, or running.
 */
import type { RetentionConfig } from '../config/retention.js';

const DAY = 86_400;

/** What protects runs of one job, read before its runs are looked at. */
export interface JobFacts {
  /** The job's finished runs when the pass began. */
  readonly total: number;
  readonly newestId: string | null;
  readonly lastFailedId: string | null;
  /** Run ids in runs_running (never removed, whatever else says). */
  readonly running: ReadonlySet<string>;
}

/** A finished run as retention sees it. */
export interface RunFacts {
  readonly runId: string;
  readonly stopTime: number;
}

/** True if retention removes this run. `rank`: 0 for the job's newest finished run. */
export function removes(run: RunFacts, rank: number, r: RetentionConfig, now: number, facts: JobFacts): boolean {
  if (run.runId === facts.newestId || run.runId === facts.lastFailedId || facts.running.has(run.runId)) return false;
  if (r.keepRuns !== null && rank >= r.keepRuns) return true;
  return r.keepDays !== null && run.stopTime < now - r.keepDays * DAY;
}

/**
 * True if no run at this rank or newer can be removed: ranks only fall and stop times only grow
 * from here, so a pass over a job's runs from the oldest may stop.
 */
export function nothingNewerRemoved(run: RunFacts, rank: number, r: RetentionConfig, now: number): boolean {
  const byCount = r.keepRuns !== null && rank >= r.keepRuns;
  const byAge = r.keepDays !== null && run.stopTime < now - r.keepDays * DAY;
  return !byCount && !byAge;
}

/** Runs that stopped before this time have their output compressed; null: never. */
export function compressBefore(r: RetentionConfig, now: number): number | null {
  return r.compressAfter === null ? null : now - r.compressAfter * DAY;
}

/** True if the configuration removes or compresses anything at all. */
export function retentionActive(r: RetentionConfig): boolean {
  return r.keepRuns !== null || r.keepDays !== null || r.compressAfter !== null;
}
