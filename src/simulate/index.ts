/**
 * `dsari simulate` as a function: the configuration, the run store (for durations and failure
 * rates) and a window in; every run and event the daemon's scheduler core would produce, with
 * per-job and per-group figures, out. The CLI (cli/simulate.ts) and the web console call this.
 */
import type { EpochSeconds } from '../clock.js';
import type { ConcurrencyGroupConfig, Config, JobConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { catchUpJobs, seedDependencies } from '../daemon/policy-state.js';
import type { PendingRun } from '../daemon/types.js';
import { Logger, MemorySink } from '../log.js';
import { localZone } from '../schedule/time.js';
import type { RunStore } from '../store/types.js';
import type { SchedulerCore } from '../daemon/core.js';
import { drive, SimulationError, type DriverOutput } from './driver.js';
import { type DurationSpec, type JobDuration, parseDurationSpec, readHistory, resolveDurations } from './durations.js';
import { summarize, type Summary } from './summary.js';

export { MAX_EVENTS, SimulationError } from './driver.js';
export { DEFAULT_DURATION, parseDurationSpec, parseSeconds, type DurationSpec, type JobDuration } from './durations.js';
export type { GroupStats, JobStats, Summary } from './summary.js';
export { EventKind, type Timeline } from './timeline.js';
export { renderText } from './text.js';
export { renderJson } from './json.js';
export { chartData, renderHtml, type ChartData } from './html.js';

/** The longest window a simulation accepts: a year (and a day for leap years). */
export const MAX_WINDOW_SECONDS = 366 * 86_400;

export interface SimulateOptions {
  readonly config: Pick<Config, 'jobs' | 'concurrencyGroups'>;
  /** Where durations and failure rates come from; null: no history (every job gets the default). */
  readonly store: RunStore | null;
  readonly from: EpochSeconds;
  readonly until: EpochSeconds;
  /** Simulate only these jobs (the others are left out, also from their groups). @default every job */
  readonly jobs?: readonly string[];
  /** @default the median of each job's history */
  readonly durations?: DurationSpec;
  /** @default 1 */
  readonly seed?: number;
  /** Zone the reports show times in. @default the host's */
  readonly zone?: string;
  /** Zone of schedules without schedule_timezone (the daemon's local zone). @default the host's */
  readonly hostZone?: string;
  /** @default MAX_EVENTS */
  readonly maxEvents?: number;
  /** Replaces the schedules (tests). */
  readonly nextFireTime?: (job: JobConfig, after: EpochSeconds) => EpochSeconds | null;
  /**
   * Simulate a daemon starting at `from`: fires missed since each job's last recorded one are
   * caught up (jobs with `catchup`). Otherwise the daemon is taken to run through the window.
   * @default false
   */
  readonly daemonStart?: boolean;
  /** Apply the pauses set in the store (`dsari pause`). @default true */
  readonly pauses?: boolean;
  /** Per job, the share of runs drawn as failed, instead of the history's. */
  readonly failureRates?: ReadonlyMap<string, number>;
}

/** A finished simulation: what ran when, and the figures. */
export interface SimulationResult extends DriverOutput {
  readonly from: EpochSeconds;
  readonly until: EpochSeconds;
  readonly seed: number;
  readonly zone: string;
  readonly durations: ReadonlyMap<string, JobDuration>;
  readonly summary: Summary;
}

/**
 * Checks a window: `until` after `from`, at most {@link MAX_WINDOW_SECONDS} long.
 * @throws SimulationError saying what is wrong
 */
export function checkWindow(from: EpochSeconds, until: EpochSeconds): void {
  if (!Number.isFinite(from) || !Number.isFinite(until)) throw new SimulationError('the window needs a finite --from and --until');
  if (until <= from) throw new SimulationError(`--until (${new Date(until * 1000).toISOString()}) is not after --from (${new Date(from * 1000).toISOString()})`);
  if (until - from > MAX_WINDOW_SECONDS) {
    throw new SimulationError(`the window is ${Math.round((until - from) / 86_400)} days long; at most ${MAX_WINDOW_SECONDS / 86_400} days can be simulated at once`);
  }
}

/**
 * Simulates the window on the daemon's scheduler core. Only reads the store.
 * @throws SimulationError for a bad window or too many events; UsageError for an unknown job;
 *   StoreError when the store cannot be read
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  checkWindow(options.from, options.until);
  const { jobs, concurrencyGroups } = selectJobs(options.config, options.jobs);
  const spec = options.durations ?? parseDurationSpec([]);
  const unknown = [...spec.perJob.keys()].filter((name) => !options.config.jobs.has(name));
  if (unknown.length > 0) throw new UsageError(`--durations names unknown job${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`);
  const history = options.store === null ? new Map() : await readHistory(options.store, [...jobs.keys()]);
  const durations = resolveDurations(jobs.values(), spec, history);
  const unknownRates = [...(options.failureRates?.keys() ?? [])].filter((name) => !options.config.jobs.has(name));
  if (unknownRates.length > 0) throw new UsageError(`--failure-rate names unknown job${unknownRates.length > 1 ? 's' : ''} ${unknownRates.map((n) => `"${n}"`).join(', ')}`);
  for (const [name, rate] of options.failureRates ?? []) {
    const d = durations.get(name);
    if (d !== undefined) durations.set(name, { ...d, failureRate: Math.min(1, Math.max(0, rate)) });
  }
  const seed = options.seed ?? 1;
  const zone = options.zone ?? localZone();
  // What the daemon reads from the store at start, read the same way (by the daemon's code).
  const sink = new MemorySink();
  const log = new Logger({ sink, level: 'warning' });
  const store = options.store;
  const prepare = async (core: SchedulerCore, now: EpochSeconds): Promise<PendingRun[]> => {
    const created: PendingRun[] = [];
    if (store !== null) {
      if (options.pauses !== false) core.setPauses(await store.listPauses());
      if (options.daemonStart === true) created.push(...(await catchUpJobs(store, core, [...jobs.keys()], now, log)));
      await seedDependencies(store, core, log);
    }
    created.push(...core.evaluateAfter(now));
    return created;
  };
  const out = await drive({
    prepare,
    jobs,
    concurrencyGroups,
    from: options.from,
    until: options.until,
    durations,
    seed,
    hostZone: options.hostZone ?? localZone(),
    ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
    ...(options.nextFireTime !== undefined ? { nextFireTime: options.nextFireTime } : {}),
  });
  const summary = summarize(out, { from: options.from, until: options.until, zone, durations, notes: sink.lines.map((l) => l.replace(/^(WARNING|ERROR): /, '')) });
  return { ...out, from: options.from, until: options.until, seed, zone, durations, summary };
}

/** The named jobs (all without names) and the concurrency groups they use. @throws UsageError for an unknown name */
function selectJobs(config: SimulateOptions['config'], names: readonly string[] | undefined): { jobs: Map<string, JobConfig>; concurrencyGroups: Map<string, ConcurrencyGroupConfig> } {
  const wanted = names === undefined || names.length === 0 ? null : new Set(names);
  if (wanted !== null) {
    const unknown = [...wanted].filter((n) => !config.jobs.has(n));
    if (unknown.length > 0) throw new UsageError(`unknown job${unknown.length > 1 ? 's' : ''}: ${unknown.map((n) => `"${n}"`).join(', ')}`);
  }
  const jobs = new Map([...config.jobs].filter(([name]) => wanted === null || wanted.has(name)));
  const used = new Set([...jobs.values()].flatMap((j) => j.concurrencyGroups));
  const concurrencyGroups = new Map([...config.concurrencyGroups].filter(([name]) => used.has(name)));
  return { jobs, concurrencyGroups };
}
