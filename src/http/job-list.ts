/**
 * The answer of `GET /api/v1/jobs`, kept as one JSON fragment per job and rebuilt only for the
 * jobs the daemon reports a change of (a run started or ended, a trigger, a pause), so that a
 * list of 10,000 jobs costs a join of strings rather than 10,000 objects serialised per request.
 */
import type { Config } from '../config/types.js';
import type { HttpContext } from './context.js';
import { jobJson, schedulerIndex } from './model.js';

export class JobListCache {
  private readonly fragments = new Map<string, string>();
  private config: Config | null = null;
  private readonly offs: Array<() => void>;

  constructor(private readonly ctx: HttpContext) {
    const ev = ctx.control.events;
    const drop = (e: { jobName: string }): void => {
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
      ev.on('reloaded', () => this.fragments.clear()),
    ];
  }

  stop(): void {
    for (const off of this.offs) off();
  }

  /** The JSON text of `{"jobs": [...]}`. */
  async body(): Promise<string> {
    const config = this.ctx.control.config();
    if (config !== this.config) {
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
      const idx = await schedulerIndex(this.ctx.control);
      for (const job of config.jobs.values()) {
        if (this.fragments.has(job.name)) continue;
        const history = this.ctx.histories.get(job.name);
        const text = JSON.stringify(jobJson(job, idx, history));
        // A job whose history is still loading is not kept: the next request shows the history.
        if (history !== undefined) this.fragments.set(job.name, text);
        else this.fragments.set(`\0${job.name}`, text);
      }
    }
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
    return `{"jobs":[${parts.join(',')}]}`;
  }
}
