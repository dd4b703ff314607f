/**
 * What the API and the console show of each job's past without asking the database on every
 * request: the last run, the last success and failure, and the latest durations (sparklines).
 * Loaded once in the background, in small slices so that the scheduler is never held up, and
 * kept current from the daemon's `runFinished` events.
 */
import type { EpochSeconds } from '../clock.js';
import type { DaemonEvents } from '../daemon/events.js';
import type { TypedEmitter } from '../daemon/events.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { FinishedRun, RunStore } from '../store/types.js';

/** How many recent durations a job keeps for its sparkline. */
export const SPARK_RUNS = 20;
/** Longest the loader works before it lets the event loop (and the scheduler) run. */
const SLICE_MS = 8;

export interface LastRun {
  readonly runId: string;
  readonly exitCode: number;
  readonly startTime: EpochSeconds;
  readonly stopTime: EpochSeconds;
  readonly status: string | null;
}

export interface JobHistory {
  lastRun: LastRun | null;
  lastSuccess: EpochSeconds | null;
  lastFailure: EpochSeconds | null;
  /** Durations in seconds of the latest finished runs, oldest first. */
  durations: number[];
  /** Exit codes matching `durations`. */
  exitCodes: number[];
}

function lastOf(run: FinishedRun | null): LastRun | null {
  if (run === null) return null;
  const st = run.runData['dsari_status'];
  return { runId: run.runId, exitCode: run.exitCode, startTime: run.startTime, stopTime: run.stopTime, status: typeof st === 'string' ? st : null };
}

export class JobHistories {
  private readonly byJob = new Map<string, JobHistory>();
  private stopped = false;
  private readonly off: () => void;
  private readonly cancelled = new Set<string>();

  constructor(
    private readonly store: RunStore,
    events: TypedEmitter<DaemonEvents>,
    private readonly log: Logger,
  ) {
    const offFinished = events.on('runFinished', (e) => this.noteFinished(e));
    // Told just before the run's runFinished: its last-run status is "cancelled", not "failed".
    const offCancelled = events.on('runCancelled', (e) => {
      if (!e.pending) this.cancelled.add(e.runId);
    });
    this.off = () => {
      offFinished();
      offCancelled();
    };
  }

  /** The job's history, or undefined while it has not been loaded yet. */
  get(job: string): JobHistory | undefined {
    return this.byJob.get(job);
  }

  /** The job's history, loading it now if needed. */
  async load(job: string): Promise<JobHistory> {
    const have = this.byJob.get(job);
    if (have !== undefined) return have;
    const h = await this.read(job);
    // The background loader may have filled it meanwhile.
    const now = this.byJob.get(job);
    if (now !== undefined) return now;
    this.byJob.set(job, h);
    return h;
  }

  /** Starts loading every job's history in the background (again after a reload: new jobs). */
  warm(jobs: readonly string[]): void {
    const todo = jobs.filter((j) => !this.byJob.has(j));
    void (async () => {
      let sliceStart = performance.now();
      for (const job of todo) {
        if (this.stopped) return;
        if (!this.byJob.has(job)) {
          try {
            const h = await this.read(job);
            if (!this.byJob.has(job)) this.byJob.set(job, h);
          } catch (err) {
            this.log.warning(`[${job}] HTTP: cannot read the job's history: ${errorMessage(err)}`);
          }
        }
        if (performance.now() - sliceStart > SLICE_MS) {
          await new Promise((r) => setImmediate(r));
          sliceStart = performance.now();
        }
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    this.off();
  }

  private async read(job: string): Promise<JobHistory> {
    const prev = await this.store.previousRuns(job);
    const recent = await this.store.listRuns({ jobNames: [job], includeRunning: false, orderBy: 'start_time', order: 'desc', limit: SPARK_RUNS });
    recent.reverse();
    return {
      lastRun: lastOf(prev.last),
      lastSuccess: prev.lastGood?.stopTime ?? null,
      lastFailure: prev.lastBad?.stopTime ?? null,
      durations: recent.map((r) => Math.max(0, (r.stopTime ?? r.startTime) - r.startTime)),
      exitCodes: recent.map((r) => r.exitCode ?? 0),
    };
  }

  private noteFinished(e: DaemonEvents['runFinished']): void {
    const wasCancelled = this.cancelled.delete(e.runId);
    const h = this.byJob.get(e.jobName);
    // Not loaded yet: the loader reads it from the store (the record is written soon after).
    if (h === undefined) return;
    const status = wasCancelled ? 'cancelled' : e.outcome === 'failed-to-start' ? 'failed_to_start' : e.outcome === 'lost' ? 'lost' : null;
    h.lastRun = { runId: e.runId, exitCode: e.exitCode, startTime: e.startTime, stopTime: e.stopTime, status };
    if (e.exitCode === 0) h.lastSuccess = e.stopTime;
    else h.lastFailure = e.stopTime;
    h.durations.push(Math.max(0, e.stopTime - e.startTime));
    h.exitCodes.push(e.exitCode);
    if (h.durations.length > SPARK_RUNS) {
      h.durations.shift();
      h.exitCodes.shift();
    }
  }
}
