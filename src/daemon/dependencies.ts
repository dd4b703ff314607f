/**
 * What the core remembers for `after` fan-in (SPEC-BEYOND §12.5): each job's latest successful
 * run and each fan-in job's latest `after` start. A job with `after: [a, b]` is due a run as soon
 * as a and b each have a success that finished after the start of its last `after` run (or ever,
 * for its first). No clock and no I/O: the daemon seeds it from the records at start.
 */
import type { EpochSeconds } from '../clock.js';
import { jobPolicies } from '../config/policies.js';
import type { JobConfig } from '../config/types.js';

export interface SuccessMark {
  readonly runId: string;
  readonly stopTime: EpochSeconds;
}

export class DependencyState {
  private readonly lastGood = new Map<string, SuccessMark>();
  private readonly lastAfterStart = new Map<string, EpochSeconds>();
  /** upstream job → the jobs that list it in `after`. */
  private dependents = new Map<string, string[]>();

  /** Rebuilds the reverse index of `after` edges for a configuration. */
  configure(jobs: ReadonlyMap<string, JobConfig>): void {
    const index = new Map<string, string[]>();
    for (const job of jobs.values()) {
      for (const up of jobPolicies(job).after) {
        const list = index.get(up) ?? [];
        list.push(job.name);
        index.set(up, list);
      }
    }
    this.dependents = index;
  }

  /** Jobs with an `after` list naming `upstream`. */
  dependentsOf(upstream: string): readonly string[] {
    return this.dependents.get(upstream) ?? [];
  }

  /** Whether any job uses `after` at all (nothing to seed otherwise). */
  get inUse(): boolean {
    return this.dependents.size > 0;
  }

  /** Every job named in some `after` list. */
  upstreamJobs(): string[] {
    return [...this.dependents.keys()];
  }

  /** Seeds a job's latest success (from the records at start); a newer one already known wins. */
  seedSuccess(job: string, mark: SuccessMark): void {
    const known = this.lastGood.get(job);
    if (known === undefined || known.stopTime < mark.stopTime) this.lastGood.set(job, mark);
  }

  /** Seeds the start of a job's latest `after` run; a later one already known wins. */
  seedAfterStart(job: string, startTime: EpochSeconds): void {
    this.lastAfterStart.set(job, Math.max(startTime, this.lastAfterStart.get(job) ?? -Infinity));
  }

  succeeded(job: string, mark: SuccessMark): void {
    this.seedSuccess(job, mark);
  }

  afterStarted(job: string, startTime: EpochSeconds): void {
    this.seedAfterStart(job, startTime);
  }

  /**
   * The upstream runs that make `job` due an `after` run now, or null while one of its upstream
   * jobs has no success since its last `after` run started.
   */
  ready(job: JobConfig): Record<string, string> | null {
    const after = jobPolicies(job).after;
    if (after.length === 0) return null;
    const since = this.lastAfterStart.get(job.name);
    const ids: Record<string, string> = {};
    for (const up of after) {
      const good = this.lastGood.get(up);
      if (good === undefined || (since !== undefined && good.stopTime <= since)) return null;
      ids[up] = good.runId;
    }
    return ids;
  }

  /** For the status: which upstream jobs `job` still waits for. */
  waitingFor(job: JobConfig): string[] {
    const since = this.lastAfterStart.get(job.name);
    return jobPolicies(job).after.filter((up) => {
      const good = this.lastGood.get(up);
      return good === undefined || (since !== undefined && good.stopTime <= since);
    });
  }
}
