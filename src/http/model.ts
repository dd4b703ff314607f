/**
 * The shapes the API answers with (and the console shows): jobs, runs, status. Plain functions
 * from the daemon's state and the store's records to JSON-ready objects. Times are ISO 8601 in
 * UTC with milliseconds; durations are seconds.
 */
import { runPolicyKeys } from '../config/dump.js';
import type { EpochSeconds } from '../clock.js';
import { REDACTED } from '../config/database.js';
import { jobPolicies } from '../config/policies.js';
import type { JobConfig } from '../config/types.js';
import { type NotificationRow, runNotifications } from '../notify/outbox.js';
import type { RunRecord } from '../store/types.js';
import type { DaemonControl, PauseInfo } from './control-port.js';
import type { JobHistory } from './job-history.js';

/** An epoch time as the API writes it. */
export function iso(t: EpochSeconds | null | undefined): string | null {
  if (t === null || t === undefined || !Number.isFinite(t)) return null;
  return new Date(Math.round(t * 1000)).toISOString();
}

/** Environment variable names whose values are shown as REDACTED. */
const SECRET_NAME = /pass|secret|token|key|credential|auth|private/i;

export function redactEnvironment(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = SECRET_NAME.test(k) ? REDACTED : v;
  return out;
}

export interface PauseJson {
  by: string;
  reason: string | null;
  since: string | null;
  /** True when the whole scheduler is paused rather than this job. */
  all: boolean;
}

function pauseJson(p: PauseInfo): PauseJson {
  return { by: p.by, reason: p.reason, since: iso(p.since), all: p.job === null };
}

/** Per-job facts from the scheduler, gathered in one pass over pending and running runs. */
export interface SchedulerIndex {
  readonly nextFire: ReadonlyMap<string, EpochSeconds>;
  readonly pending: ReadonlyMap<string, number>;
  readonly running: ReadonlyMap<string, number>;
  readonly pauses: ReadonlyMap<string | null, PauseInfo>;
}

export async function schedulerIndex(control: DaemonControl): Promise<SchedulerIndex> {
  // The pauses first (they may need the store): the rest is read in one synchronous pass.
  const pauses = new Map<string | null, PauseInfo>();
  for (const p of await control.pauses()) pauses.set(p.job, p);
  const nextFire = new Map<string, EpochSeconds>();
  const pending = new Map<string, number>();
  const running = new Map<string, number>();
  for (const p of control.pendingRuns()) {
    pending.set(p.jobName, (pending.get(p.jobName) ?? 0) + 1);
    if (p.triggerType === 'schedule') {
      const have = nextFire.get(p.jobName);
      if (have === undefined || p.scheduleTime < have) nextFire.set(p.jobName, p.scheduleTime);
    }
  }
  for (const r of control.runningRuns()) running.set(r.jobName, (running.get(r.jobName) ?? 0) + 1);
  return { nextFire, pending, running, pauses };
}

export interface LastRunJson {
  run_id: string;
  exit_code: number;
  status: string;
  start_time: string | null;
  stop_time: string | null;
  duration: number;
}

/** A run's outcome in one word: running, succeeded, failed, or the daemon's dsari_status. */
export function runStatus(exitCode: number | null, running: boolean, dsariStatus: unknown): string {
  if (running) return 'running';
  if (typeof dsariStatus === 'string' && dsariStatus !== '') return dsariStatus;
  return exitCode === 0 ? 'succeeded' : 'failed';
}

export function jobJson(job: JobConfig, idx: SchedulerIndex, history: JobHistory | undefined) {
  const pause = idx.pauses.get(job.name) ?? idx.pauses.get(null);
  const last = history?.lastRun ?? null;
  return {
    name: job.name,
    schedule: job.schedule,
    timezone: job.scheduleTimezone,
    next_fire_time: iso(idx.nextFire.get(job.name)),
    paused: pause === undefined ? null : pauseJson(pause),
    running: idx.running.get(job.name) ?? 0,
    pending: idx.pending.get(job.name) ?? 0,
    last_run:
      last === null
        ? null
        : { run_id: last.runId, exit_code: last.exitCode, status: runStatus(last.exitCode, false, last.status), start_time: iso(last.startTime), stop_time: iso(last.stopTime), duration: Math.max(0, last.stopTime - last.startTime) },
    last_success_time: iso(history?.lastSuccess),
    last_failure_time: iso(history?.lastFailure),
    /** False while the job's history is still being loaded (last_run and the times are not known yet). */
    history_loaded: history !== undefined,
    recent_durations: (history?.durations ?? []).map((d) => Math.round(d * 1000) / 1000),
    recent_exit_codes: history?.exitCodes ?? [],
    policies: policiesJson(job),
    job_group: job.jobGroup,
  };
}

export type JobJson = ReturnType<typeof jobJson>;

/** A job's run policies (SPEC-BEYOND §12) and limits, as the API shows them. */
export function policiesJson(job: JobConfig) {
  const p = jobPolicies(job);
  return {
    concurrent_runs: job.concurrentRuns,
    concurrency_groups: [...job.concurrencyGroups],
    max_execution: job.maxExecution,
    max_execution_grace: job.maxExecutionGrace,
    ...runPolicyKeys(p),
  };
}

/** The job's configuration as shown (secret-looking environment values redacted). */
export function jobConfigJson(job: JobConfig) {
  return {
    command: [...job.command],
    command_append_run: job.commandAppendRun,
    schedule: job.schedule,
    schedule_timezone: job.scheduleTimezone,
    environment: redactEnvironment(job.environment),
    max_execution: job.maxExecution,
    max_execution_grace: job.maxExecutionGrace,
    concurrency_groups: [...job.concurrencyGroups],
    concurrent_runs: job.concurrentRuns,
    policies: policiesJson(job),
    job_group: job.jobGroup,
    render_reports: job.renderReports,
    jenkins_environment: job.jenkinsEnvironment,
  };
}

export function runJson(r: RunRecord) {
  const rd = r.runData;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const triggerEnv = r.triggerData['environment'];
  const triggerData = typeof triggerEnv === 'object' && triggerEnv !== null && !Array.isArray(triggerEnv)
    ? { ...r.triggerData, environment: redactEnvironment(triggerEnv as Record<string, string>) }
    : r.triggerData;
  return {
    run_id: r.runId,
    job_name: r.jobName,
    status: runStatus(r.exitCode, r.running, rd['dsari_status']),
    running: r.running,
    exit_code: r.exitCode,
    schedule_time: iso(r.scheduleTime),
    start_time: iso(r.startTime),
    stop_time: iso(r.stopTime),
    duration: r.stopTime === null ? null : Math.max(0, r.stopTime - r.startTime),
    trigger_type: r.triggerType,
    trigger_data: triggerData,
    run_data: rd,
    node: str(rd['hostname']),
    concurrency_group: str(rd['concurrency_group']),
    retry_of: str(r.triggerData['retry_of']),
    retry_attempt: typeof r.triggerData['attempt'] === 'number' ? r.triggerData['attempt'] : null,
    previous_attempt: str(r.triggerData['previous_run']),
    retried_by: typeof rd['dsari_retry'] === 'object' && rd['dsari_retry'] !== null ? str((rd['dsari_retry'] as Record<string, unknown>)['run_id']) : null,
  };
}

export type RunJson = ReturnType<typeof runJson>;

/** An opaque paging cursor: the last run of a page (its start time and id). */
export function encodeCursor(r: RunRecord): string {
  return Buffer.from(JSON.stringify([r.startTime, r.runId]), 'utf8').toString('base64url');
}

/** The run a cursor names, or null when it is not one this server made. */
export function decodeCursor(text: string): { time: EpochSeconds; runId: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && Number.isFinite(v[0]) && typeof v[1] === 'string') return { time: v[0], runId: v[1] };
  } catch (err) {
    void err; // Not base64url JSON: not a cursor of ours (the caller answers 400).
  }
  return null;
}

/**
 * A run's notifications for the API and the run page: none when the store has no outbox (or the
 * table is not there yet); the labels carry no secret (SPEC-BEYOND §12.6).
 */
export async function notificationsJson(ctx: { readonly control: Pick<DaemonControl, 'store'> }, runId: string) {
  const { store } = ctx.control;
  if (store.sqlRunner === undefined) return [];
  let rows: NotificationRow[];
  try {
    rows = await runNotifications(store.sqlRunner(), runId);
  } catch (err) {
    // a database without the outbox table (not upgraded yet): nothing was notified through it
    void err;
    return [];
  }
  return rows.map((n) => ({ event: n.event, notifier: n.label, state: n.state as string, attempts: n.attempts, last_error: n.lastError, created_at: iso(n.createdAt) ?? '', finished_at: iso(n.finishedAt) }));
}
