/**
 * Test doubles for the daemon: a manual clock, job configs, an in-memory RunStore, a fake
 * executor whose runs end when the test says so.
 */
import type { Clock, EpochSeconds, TimerHandle } from '../../src/clock.js';
import type { ConcurrencyGroupConfig, JobConfig } from '../../src/config/types.js';
import type { SchedulingConfig } from '../../src/daemon/core.js';

/** A clock that moves only when told; timers fire in time order as it moves. */
export class ManualClock implements Clock {
  private t: EpochSeconds;
  private mono = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start: EpochSeconds = 1_700_000_000) {
    this.t = start;
  }

  now(): EpochSeconds {
    return this.t;
  }

  monotonicMs(): number {
    return this.mono;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.mono + Math.max(0, ms), fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves both clocks forward by `seconds`, firing due timers in order. */
  advance(seconds: number): void {
    const endMono = this.mono + seconds * 1000;
    const endT = this.t + seconds;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= endMono && (first === undefined || e[1].at < first[1].at)) first = e;
      if (first === undefined) break;
      this.timers.delete(first[0]);
      this.t += (first[1].at - this.mono) / 1000;
      this.mono = first[1].at;
      first[1].fn();
    }
    this.mono = endMono;
    this.t = endT;
  }

  /** Moves the wall clock only (an NTP step or a suspend). */
  jumpWall(seconds: number): void {
    this.t += seconds;
  }
}

/** A job config with the defaults of SPEC §3 (shared builder in test/helpers). */
export { jobConfig as job } from '../helpers/index.js';

export function schedulingConfig(jobs: JobConfig[], groups: Record<string, number> = {}): SchedulingConfig {
  const g = new Map<string, ConcurrencyGroupConfig>();
  for (const [name, max] of Object.entries(groups)) g.set(name, { name, max });
  for (const j of jobs) for (const name of j.concurrencyGroups) if (!g.has(name)) g.set(name, { name, max: 1 });
  return { jobs: new Map(jobs.map((j) => [j.name, j])), concurrencyGroups: g };
}

/** Next fire time for test schedules: `every:N` fires at multiples of N seconds. */
export function everyN(j: JobConfig, after: EpochSeconds): EpochSeconds | null {
  if (j.schedule === null) return null;
  const m = /^every:(\d+(?:\.\d+)?)$/.exec(j.schedule);
  if (m === null) throw new Error(`bad test schedule ${j.schedule}`);
  const n = Number(m[1]);
  return (Math.floor(after / n) + 1) * n;
}

export function counterIds(prefix = 'run'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

import type { Config } from '../../src/config/types.js';

/** A full Config for daemon tests. */
export function makeConfig(dataDir: string, jobs: JobConfig[], groups: Record<string, number> = {}, over: Partial<Config> = {}): Config {
  const s = schedulingConfig(jobs, groups);
  return {
    configDir: dataDir,
    configD: `${dataDir}/config.d`,
    dataDir,
    database: { type: 'sqlite3', file: `${dataDir}/dsari.sqlite3` },
    environment: {},
    shutdownKillRuns: false,
    shutdownKillGrace: null,
    templateDir: null,
    reportHtmlGz: false,
    reportRunOutputStart: 0,
    reportRunOutputEnd: 0,
    jobs: s.jobs,
    concurrencyGroups: s.concurrencyGroups,
    raw: {},
    warnings: [],
    files: [],
    ...over,
  };
}

/** Lets pending promise callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
