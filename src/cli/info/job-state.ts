/**
 * The policy state of jobs for `dsari-info job list` (SPEC-BEYOND §12): paused (by whom, since
 * when, why), retrying (the pending retry), waiting on dependencies (the `after` jobs without a
 * success since the last `after` run), and scheduled fires skipped by the running daemon. Read
 * from the store (and the daemon's state file for skip counts); nothing is written.
 */
import { pidAlive } from '../../pid.js';
import { jobPolicies } from '../../config/policies.js';
import type { Config } from '../../config/types.js';
import { errorMessage } from '../../errors.js';
import { DependencyState } from '../../daemon/dependencies.js';
import { dependencyMarks } from '../../daemon/policy-state.js';
import { readStateFile } from '../../daemon/state-file.js';
import { PAUSE_ALL, type RunStore } from '../../store/types.js';
import { isoTime } from './format.js';

/** One job's state, as shown (and as JSON under `state`). */
export interface JobState {
  paused?: { since: string; by: string; reason: string | null; all: boolean };
  retrying?: { run_id: string; attempt: number; at: string };
  pending?: Array<{ run_id: string; trigger_type: string; at: string }>;
  waiting_on?: string[];
  skipped_fires?: number;
}


/** Per job name, its state (jobs with nothing to say are left out). */
export async function jobStates(config: Config, store: RunStore, names: readonly string[]): Promise<Map<string, JobState>> {
  const out = new Map<string, JobState>();
  const get = (name: string): JobState => {
    let s = out.get(name);
    if (s === undefined) {
      s = {};
      out.set(name, s);
    }
    return s;
  };
  const wanted = new Set(names);
  const pauses = new Map((await store.listPauses()).map((p) => [p.jobName, p]));
  const all = pauses.get(PAUSE_ALL);
  for (const name of names) {
    const p = pauses.get(name) ?? all;
    if (p !== undefined) get(name).paused = { since: isoTime(p.pausedAt), by: p.pausedBy, reason: p.reason, all: p.jobName === PAUSE_ALL };
  }
  for (const row of await store.listPending()) {
    if (!wanted.has(row.jobName)) continue;
    const at = isoTime(row.scheduleTime);
    if (row.triggerType === 'retry') {
      const attempt = row.triggerData['attempt'];
      get(row.jobName).retrying = { run_id: row.runId, attempt: typeof attempt === 'number' ? attempt : 1, at };
    } else {
      const s = get(row.jobName);
      (s.pending ??= []).push({ run_id: row.runId, trigger_type: row.triggerType, at });
    }
  }
  const fanIn = names.filter((name) => {
    const job = config.jobs.get(name);
    return job !== undefined && jobPolicies(job).after.length > 0;
  });
  if (fanIn.length > 0) {
    // The same reading of the records and the same rule as the daemon's core (DependencyState).
    const upstream = [...new Set(fanIn.flatMap((name) => jobPolicies(config.jobs.get(name)!).after))];
    const marks = await dependencyMarks(store, upstream, fanIn);
    const deps = new DependencyState();
    for (const [job, mark] of marks.successes) deps.seedSuccess(job, mark);
    for (const [job, t] of marks.afterStarts) deps.seedAfterStart(job, t);
    for (const name of fanIn) {
      const missing = deps.waitingFor(config.jobs.get(name)!);
      if (missing.length > 0) get(name).waiting_on = missing;
    }
  }
  const daemon = readStateFile(config.dataDir, pidAlive);
  for (const [name, count] of Object.entries(daemon?.skipped_fires ?? {})) {
    if (wanted.has(name) && count > 0) get(name).skipped_fires = count;
  }
  return out;
}

/** A short text for the table's State column. */
export function stateText(s: JobState): string {
  const parts: string[] = [];
  if (s.paused) parts.push(`paused${s.paused.all ? ' (all)' : ''} by ${s.paused.by}${s.paused.reason ? `: ${s.paused.reason}` : ''}`);
  if (s.retrying) parts.push(`retrying (attempt ${s.retrying.attempt} at ${s.retrying.at})`);
  for (const p of s.pending ?? []) parts.push(`${p.trigger_type} run due ${p.at}`);
  if (s.waiting_on) parts.push(`waiting on ${s.waiting_on.join(', ')}`);
  if (s.skipped_fires) parts.push(`${s.skipped_fires} fire(s) skipped`);
  return parts.join('; ');
}

/** The states, or an empty map and one line on stderr when the store cannot be read. */
export async function jobStatesOrNone(config: Config, open: () => Promise<RunStore>, names: readonly string[]): Promise<Map<string, JobState>> {
  let store: RunStore;
  try {
    store = await open();
  } catch (err) {
    process.stderr.write(`dsari-info: job states (paused, retrying …) not shown: ${errorMessage(err)}\n`);
    return new Map();
  }
  try {
    return await jobStates(config, store, names);
  } catch (err) {
    process.stderr.write(`dsari-info: job states (paused, retrying …) not shown: ${errorMessage(err)}\n`);
    return new Map();
  } finally {
    await store.close();
  }
}
