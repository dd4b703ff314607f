/**
 * One retention pass (SPEC-BEYOND §12.7), shared by `dsari prune` and the daemon's background
 * runner: for each job, its runs from the oldest, removed in batches (files first, then rows,
 * so that a crash between the two leaves rows whose files are gone — removed again by the next
 * pass — never files nobody knows of), then compression of older outputs.
 */
import { mergeRetention, type RetentionConfig } from '../config/retention.js';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { SqlRunner } from '../store/types.js';
import { CompressionError, compressOutput, removeRunFiles, runPaths } from './files.js';
import { compressBefore, nothingNewerRemoved, removes, retentionActive, type RunFacts } from './plan.js';
import { deleteRuns, jobFacts, jobsWithRuns, runsPage, runsStoppedBetween } from './queries.js';

export interface PruneOptions {
  readonly sql: SqlRunner;
  readonly config: Config;
  readonly log: Logger;
  readonly now: number;
  /** Only these jobs (default: every job with runs). */
  readonly jobs?: readonly string[];
  /** Measure only: nothing is removed or compressed. */
  readonly dryRun?: boolean;
  /** Runs removed per batch. @default 500 */
  readonly batchSize?: number;
  /** Called between batches; the daemon waits there so that runs start on time. */
  pause?(): Promise<void>;
  /** Stop early (daemon shutdown). */
  stopped?(): boolean;
  /** The `now` of a previous complete pass: outputs already old enough then are not looked at again. */
  readonly compressSince?: number | null;
  /**
   * Run directories removed at the same time. Removing is mostly waiting for the disk, so many
   * at once is faster; the daemon keeps it low to leave the disk to its runs. @default 8
   */
  readonly fileConcurrency?: number;
  /** Progress: runs removed so far out of the total (known once the plan is made). */
  progress?(done: number, total: number): void;
}

export interface PruneSummary {
  runsRemoved: number;
  bytesFreed: number;
  /** Run directories already gone (removed by hand). */
  missingDirs: number;
  outputsCompressed: number;
  bytesSaved: number;
  /** Problems met (a full disk …), each already logged. */
  problems: string[];
}

/** Run directories removed at the same time by default (file system calls overlap in libuv's pool). */
const FILE_CONCURRENCY = 8;

/** Calls `fn` on every item, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The effective retention of a job (jobs no longer configured: the top level's). */
export function retentionOf(config: Config, jobName: string): RetentionConfig {
  return mergeRetention(config.retention ?? {}, config.jobs.get(jobName)?.retention);
}

/** Runs one pass; see {@link PruneOptions}. */
export async function prune(o: PruneOptions): Promise<PruneSummary> {
  const summary: PruneSummary = { runsRemoved: 0, bytesFreed: 0, missingDirs: 0, outputsCompressed: 0, bytesSaved: 0, problems: [] };
  const jobs = (o.jobs ?? (await jobsWithRuns(o.sql))).filter((j) => retentionActive(retentionOf(o.config, j)));
  const plans: { job: string; runs: RunFacts[] }[] = [];
  let total = 0;
  for (const job of jobs) {
    const runs = await candidates(o, job);
    plans.push({ job, runs });
    total += runs.length;
  }
  o.progress?.(0, total);
  const batch = o.batchSize ?? 500;
  for (const { job, runs } of plans) {
    for (let i = 0; i < runs.length && !(o.stopped?.() ?? false); i += batch) {
      const ids: string[] = [];
      await eachLimited(runs.slice(i, i + batch), o.fileConcurrency ?? FILE_CONCURRENCY, async (run) => {
        try {
          const removed = await removeRunFiles(o.config.dataDir, job, run.runId, o.dryRun === true);
          summary.bytesFreed += removed.bytes;
          if (removed.missing) summary.missingDirs++;
          ids.push(run.runId);
        } catch (err) {
          // the row stays, so the next pass tries again
          const line = `cannot remove the files of run ${run.runId}: ${errorMessage(err)}`;
          o.log.child({ job, run: run.runId }).error(line);
          summary.problems.push(line);
        }
      });
      summary.runsRemoved += o.dryRun === true ? ids.length : await deleteRuns(o.sql, ids);
      o.progress?.(summary.runsRemoved, total);
      await o.pause?.();
    }
  }
  for (const job of jobs) {
    if (o.stopped?.() ?? false) break;
    if (!(await compressJob(o, job, summary))) break;
  }
  return summary;
}

/** The runs of a job that retention removes, oldest first. */
async function candidates(o: PruneOptions, job: string): Promise<RunFacts[]> {
  const r = retentionOf(o.config, job);
  if (r.keepRuns === null && r.keepDays === null) return [];
  const facts = await jobFacts(o.sql, job);
  const out: RunFacts[] = [];
  let after: RunFacts | null = null;
  let index = 0;
  for (;;) {
    const page = await runsPage(o.sql, job, after, 1000);
    for (const run of page) {
      const rank = facts.total - 1 - index++;
      if (nothingNewerRemoved(run, rank, r, o.now)) return out;
      if (removes(run, rank, r, o.now, facts)) out.push(run);
    }
    if (page.length < 1000) return out;
    after = page[page.length - 1]!;
    await o.pause?.();
  }
}

/** Compresses the outputs of a job's older runs; false when the disk is full (stop compressing). */
async function compressJob(o: PruneOptions, job: string, summary: PruneSummary): Promise<boolean> {
  const r = retentionOf(o.config, job);
  const before = compressBefore(r, o.now);
  if (before === null) return true;
  const from = o.compressSince === undefined || o.compressSince === null ? null : compressBefore(r, o.compressSince);
  let after: RunFacts | null = null;
  for (;;) {
    const page = await runsStoppedBetween(o.sql, job, from, before, after, 200);
    for (const run of page) {
      const { runDir } = runPaths(o.config.dataDir, job, run.runId);
      try {
        const result = await compressOutput(runDir, o.dryRun === true);
        if (result.compressed) {
          summary.outputsCompressed++;
          summary.bytesSaved += result.saved;
        }
      } catch (err) {
        const line = errorMessage(err);
        o.log.child({ job, run: run.runId }).error(line);
        summary.problems.push(line);
        if (err instanceof CompressionError && err.diskFull) {
          o.log.error('Output compression stopped for this pass: the disk is full');
          return false;
        }
      }
    }
    if (page.length < 200) return true;
    after = page[page.length - 1]!;
    await o.pause?.();
  }
}
