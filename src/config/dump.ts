/**
 * The normalised configuration of `dsari-info config dump` and `job list --format json|yaml`
 * (SPEC §9), in the original's shape: snake_case keys, effective values, durations in seconds,
 * `command` always a list, secrets redacted.
 */
import type { EpochSeconds } from '../clock.js';
import { jobSchedule } from '../schedule/job.js';
import { formatIso, localZone } from '../schedule/time.js';
import { redactDatabase } from './database.js';
import { jobNotifiers, redactNotifiers } from './notify.js';
import { dumpRetention, mergeRetention } from './retention.js';
import type { Config, JobConfig, JobPolicies } from './types.js';

/**
 * The next scheduled run of `job` after `now` as ISO 8601 text with offset, in the job's zone;
 * null without a schedule or when it never fires again.
 */
export function nextScheduledRun(job: JobConfig, now: EpochSeconds, hostZone: string = localZone()): string | null {
  const next = jobSchedule(job, hostZone)?.next(now) ?? null;
  return next === null ? null : formatIso(next, job.scheduleTimezone ?? hostZone);
}

/** One job in the original's normalised shape. */
export function normalisedJob(
  job: JobConfig,
  now: EpochSeconds,
  hostZone: string = localZone(),
  nextRun: (job: JobConfig) => string | null = (j) => nextScheduledRun(j, now, hostZone),
): Record<string, unknown> {
  return {
    command: [...job.command],
    command_append_run: job.commandAppendRun,
    schedule: job.schedule,
    schedule_timezone: job.scheduleTimezone,
    next_scheduled_run: nextRun(job),
    environment: { ...job.environment },
    max_execution: job.maxExecution,
    max_execution_grace: job.maxExecutionGrace,
    concurrency_groups: [...job.concurrencyGroups].sort(),
    render_reports: job.renderReports,
    jenkins_environment: job.jenkinsEnvironment,
    job_group: job.jobGroup,
    concurrent_runs: job.concurrentRuns,
    ...(job.policies === undefined ? {} : runPolicyKeys(job.policies)),
  };
}

/** A job's run policies in the configuration's own keys (`config dump` shows them for jobs that set one). */
export function runPolicyKeys(p: JobPolicies) {
  return {
    catchup: p.catchup,
    catchup_window: p.catchupWindow,
    overlap: p.overlap,
    retry:
      p.retry === null
        ? null
        : {
            attempts: p.retry.attempts,
            delay: p.retry.delay,
            backoff: p.retry.backoff,
            max_delay: p.retry.maxDelay,
            jitter: p.retry.jitter,
            on_exit_codes: p.retry.onExitCodes === null ? null : [...p.retry.onExitCodes],
            on_timeout: p.retry.onTimeout,
            on_lost: p.retry.onLost,
          },
    after: [...p.after],
    on_success: [...p.onSuccess],
    on_failure: [...p.onFailure],
  };
}

/** The `jobs` mapping of the normalised config, optionally only the named jobs. */
export function normalisedJobs(
  config: Config,
  now: EpochSeconds,
  only?: readonly string[],
  nextRun?: (job: JobConfig) => string | null,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const host = localZone();
  for (const job of config.jobs.values()) {
    if (only !== undefined && !only.includes(job.name)) continue;
    out[job.name] = { ...normalisedJob(job, now, host, nextRun), ...notifyKeys(config, job) };
  }
  return out;
}

/**
 * `notify` (redacted) and `retention` of a job, effective values; only when the configuration
 * uses them, so that a Part I configuration dumps exactly as before.
 */
function notifyKeys(config: Config, job: JobConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const notify = jobNotifiers(config, job);
  if (notify.length > 0) out['notify'] = redactNotifiers(notify);
  const retention = mergeRetention(config.retention ?? {}, job.retention);
  if (Object.values(retention).some((v) => v !== null)) out['retention'] = dumpRetention(retention);
  return out;
}

/** The whole configuration in the original's normalised shape, secrets redacted. */
export function normalisedConfig(config: Config, now: EpochSeconds): Record<string, unknown> {
  const concurrencyGroups: Record<string, { max: number }> = {};
  for (const g of config.concurrencyGroups.values()) concurrencyGroups[g.name] = { max: g.max };
  return {
    jobs: normalisedJobs(config, now),
    concurrency_groups: concurrencyGroups,
    config_d: config.configD,
    data_dir: config.dataDir,
    template_dir: config.templateDir,
    report_html_gz: config.reportHtmlGz,
    report_run_output_start: config.reportRunOutputStart,
    report_run_output_end: config.reportRunOutputEnd,
    shutdown_kill_runs: config.shutdownKillRuns,
    shutdown_kill_grace: config.shutdownKillGrace,
    environment: { ...config.environment },
    database: JSON.parse(JSON.stringify(redactDatabase(config.database))) as unknown,
    ...(config.notify !== undefined && config.notify.length > 0 ? { notify: redactNotifiers(config.notify) } : {}),
    ...(config.retention !== undefined && Object.keys(config.retention).length > 0 ? { retention: dumpRetention(mergeRetention(config.retention, undefined)) } : {}),
  };
}
