/**
 * The daemon's reads of the run store for the policies (SPEC-BEYOND §12): what the core needs
 * to decide catch-up, restore durable pending runs and seed `after` fan-in, taken from the
 * records at start (and for jobs a reload adds), so a crash cannot leave it stale.
 */
import type { EpochSeconds } from '../clock.js';
import { jobPolicies } from '../config/policies.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { RunStore, StoredPendingRun } from '../store/types.js';
import type { SchedulerCore } from './core.js';
import type { SuccessMark } from './dependencies.js';
import { formatLocalTime } from './format.js';
import type { PendingRun } from './types.js';

/** How many of a fan-in job's newest runs are searched for its last `after` run at start. */
const AFTER_SEARCH_RUNS = 1000;

/** A pending run as kept in the store. */
export function storedPending(run: PendingRun, now: EpochSeconds): StoredPendingRun {
  return { runId: run.runId, jobName: run.jobName, scheduleTime: run.scheduleTime, triggerType: run.triggerType, triggerData: run.triggerData, createdAt: now };
}

/**
 * Restores the store's pending runs into the core. A pending row whose run already started
 * (its running record was written, the row's delete was not: impossible with one transaction,
 * but a hand-edited database can have it) is dropped rather than run twice.
 */
export async function restoreStoredPending(store: RunStore, core: SchedulerCore, now: EpochSeconds, log: Logger): Promise<void> {
  let rows: StoredPendingRun[];
  try {
    rows = await store.listPending();
  } catch (err) {
    log.error(`Cannot read pending retries and dependency runs: ${errorMessage(err)}; they run after the next start that can read them`);
    return;
  }
  const fresh: StoredPendingRun[] = [];
  const started: string[] = [];
  for (const row of rows) {
    if ((await store.getRun(row.runId)) !== null) started.push(row.runId);
    else fresh.push(row);
  }
  const { restored, orphaned } = core.restorePending(fresh, now);
  for (const r of restored) log.child({ job: r.jobName, run: r.runId }).info(`Pending ${r.triggerType} run restored from before the restart, due ${formatLocalTime(r.scheduleTime)}`);
  for (const r of orphaned) log.child({ job: r.jobName, run: r.runId }).warning(`Pending ${r.triggerType} run dropped: job "${r.jobName}" is no longer in the configuration`);
  const drop = [...started, ...orphaned.map((r) => r.runId)];
  if (drop.length > 0) await store.removePending(drop).catch((err: unknown) => log.error(`Cannot remove dropped pending runs: ${errorMessage(err)}`));
}

/** Runs the missed fires of `jobs` (catch-up), reading their last scheduled fires from the store. */
export async function catchUpJobs(store: RunStore, core: SchedulerCore, jobs: readonly string[], now: EpochSeconds, log: Logger): Promise<PendingRun[]> {
  const wanted = jobs.filter((name) => {
    const job = core.jobs.get(name);
    return job !== undefined && job.schedule !== null && jobPolicies(job).catchup !== 'none';
  });
  if (wanted.length === 0) return [];
  let last: Map<string, EpochSeconds>;
  try {
    last = await store.lastScheduledFires();
  } catch (err) {
    log.error(`Cannot read the last scheduled fires, no catch-up: ${errorMessage(err)}`);
    return [];
  }
  const out = core.catchUp(wanted, last, now);
  for (const e of out.errors) log.child({ job: e.job }).warning(`Cannot compute missed fires: ${e.error}`);
  for (const d of out.dropped) log.child({ job: d.job }).info(`Catch-up: ${d.count} older missed fire(s) not run (catchup: ${core.jobs.get(d.job) ? jobPolicies(core.jobs.get(d.job)!).catchup : '?'})`);
  for (const r of out.runs) log.child({ job: r.jobName, run: r.runId }).info(`Catch-up run for the missed fire at ${formatLocalTime(r.scheduleTime)}`);
  return out.runs;
}

/**
 * What `after` fan-in needs from the records: the latest success of each upstream job and the
 * start of each fan-in job's latest `after` run. The daemon seeds its core with it; `dsari-info
 * job list` reads it to say what a fan-in job still waits on. @throws StoreError
 */
export async function dependencyMarks(store: RunStore, upstream: readonly string[], fanIn: readonly string[]): Promise<{ successes: Map<string, SuccessMark>; afterStarts: Map<string, EpochSeconds> }> {
  const successes = new Map<string, SuccessMark>();
  const afterStarts = new Map<string, EpochSeconds>();
  for (const job of upstream) {
    const prev = await store.previousRuns(job);
    if (prev.lastGood !== null) successes.set(job, { runId: prev.lastGood.runId, stopTime: prev.lastGood.stopTime });
  }
  for (const job of fanIn) {
    const runs = await store.listRuns({ jobNames: [job], orderBy: 'start_time', order: 'desc', limit: AFTER_SEARCH_RUNS });
    const last = runs.find((r) => r.triggerType === 'after');
    if (last !== undefined) afterStarts.set(job, last.startTime);
  }
  return { successes, afterStarts };
}

/** Seeds `after` fan-in from the records: the upstream jobs' latest successes, the fan-in jobs' last `after` starts. */
export async function seedDependencies(store: RunStore, core: SchedulerCore, log: Logger): Promise<void> {
  const { upstream, fanIn } = core.dependencyJobs();
  if (fanIn.length === 0) return;
  let marks;
  try {
    marks = await dependencyMarks(store, upstream, fanIn);
  } catch (err) {
    log.error(`Cannot read the runs that after: depends on: ${errorMessage(err)}`);
    return;
  }
  core.seedDependencies(marks.successes, marks.afterStarts);
}
