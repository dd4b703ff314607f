/**
 * The answer of `GET /api/v1/jobs`, kept as one JSON fragment per job and rebuilt only for the
 * jobs the daemon reports a change of (a run started or ended, a trigger, a pause), so that a
 * list of 10,000 jobs costs a join of strings rather than 10,000 objects serialised per request.
 */
import type { Config } from '../config/types.js';
import type { HttpContext } from './context.js';
import type { DaemonControl } from './control-port.js';
import { jobJson, schedulerIndex, type SchedulerIndex } from './model.js';

/** The daemon events after which pending/running runs or pauses may differ. */
const CHANGES = ['runStarted', 'runFinished', 'triggerAccepted', 'runCancelled', 'paused', 'resumed', 'fireSkipped', 'catchUp', 'retryScheduled', 'reloaded'] as const;

/**
 * The scheduler index (next fire, pending and running counts, pauses per job), built again only
 * after the daemon reports a change: a page or a job's answer does not sort 10,000 pending runs.
 */
export class SchedulerIndexCache {
  private cached: Promise<SchedulerIndex> | null = null;
  private readonly offs: Array<() => void>;

  constructor(private readonly control: DaemonControl) {
    this.offs = CHANGES.map((name) => control.events.on(name, () => (this.cached = null)));
  }

  get(): Promise<SchedulerIndex> {
    if (this.cached === null) {
      const p = schedulerIndex(this.control);
      this.cached = p;
      // A failure (the pause table unreadable) is not kept.
      p.catch(() => {
        if (this.cached === p) this.cached = null;
      });
    }
    return this.cached;
  }

  stop(): void {
    for (const off of this.offs) off();
  }
}

export class JobListCache {
  private readonly fragments = new Map<string, string>();
  private config: Config | null = null;
  /** The whole answer while no fragment changed. */
  private joined: string | null = null;
  private readonly offs: Array<() => void>;

  constructor(private readonly ctx: HttpContext) {
    const ev = ctx.control.events;
    const drop = (e: { jobName: string }): void => {
      this.joined = null;
      if (e.jobName === '*') this.fragments.clear();
      else this.fragments.delete(e.jobName);
    };
    this.offs = [
      ev.on('runStarted', drop),
      ev.on('runFinished', drop),
      ev.on('triggerAccepted', drop),
      ev.on('runCancelled', drop),
      ev.on('paused', drop),
      ev.on('resumed', drop),
      ev.on('fireSkipped', drop),
      ev.on('catchUp', drop),
      ev.on('retryScheduled', drop),
      ev.on('reloaded', () => {
        this.joined = null;
        this.fragments.clear();
      }),
    ];
  }

  private allKept(config: Config): boolean {
    for (const name of config.jobs.keys()) if (!this.fragments.has(name)) return false;
    return true;
  }

  stop(): void {
    for (const off of this.offs) off();
  }

  /** The JSON text of `{"jobs": [...]}`. */
  async body(): Promise<string> {
    const config = this.ctx.control.config();
    if (config !== this.config) {
      this.joined = null;
      this.fragments.clear();
      this.config = config;
    }
    let stale = false;
    for (const name of config.jobs.keys()) {
      if (!this.fragments.has(name)) {
        stale = true;
        break;
      }
    }
    if (stale) {
      // Built in one synchronous pass after the index, so no event can slip in between.
      const idx = await this.ctx.index.get();
      for (const job of config.jobs.values()) {
        if (this.fragments.has(job.name)) continue;
        const history = this.ctx.histories.get(job.name);
        // The sparkline data stays in the job's own answer: 10,000 jobs × 40 numbers is megabytes.
        const { recent_durations: _d, recent_exit_codes: _e, ...listed } = jobJson(job, idx, history);
        void _d;
        void _e;
        const text = JSON.stringify(listed);
        // A job whose history is still loading is not kept: the next request shows the history.
        if (history !== undefined) this.fragments.set(job.name, text);
        else this.fragments.set(`\0${job.name}`, text);
      }
    }
    if (this.joined !== null) return this.joined;
    const parts: string[] = [];
    for (const name of config.jobs.keys()) {
      const own = this.fragments.get(name);
      if (own !== undefined) {
        parts.push(own);
        continue;
      }
      const loading = `\0${name}`;
      parts.push(this.fragments.get(loading) ?? '{}');
      this.fragments.delete(loading);
    }
    const body = `{"jobs":[${parts.join(',')}]}`;
    // Kept while no job changes (a job still loading its history is never "unchanged").
    this.joined = this.allKept(config) ? body : null;
    return body;
  }
}
