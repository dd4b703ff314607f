/**
 * View models: what the templates see. Names and shapes follow the original dsari's template
 * context (`run.job.name`, `run.id`, `run.stop_time`, `job.last_run`, …) so that templates
 * written for it keep working; the extra fields (`duration`, `failed`, `url`, …) serve the
 * built-in templates.
 */
import { policyLabel, policyLinks } from './policy-label.js';
import type { JobConfig } from '../config/types.js';
import type { FinishedRun, JobSummary, JsonObject, RunRecord } from '../store/types.js';
import { ansiToHtml } from './ansi.js';
import { PyDateTime, PyTimedelta } from './pytime.js';

/** A job as templates see it. */
export interface JobView {
  readonly name: string;
  readonly command: readonly string[];
  readonly schedule: string | null;
  readonly schedule_timezone: string | null;
  readonly environment: Readonly<Record<string, string>>;
  readonly max_execution: number | null;
  readonly max_execution_grace: number;
  readonly concurrency_groups: readonly string[];
  readonly render_reports: boolean;
  readonly command_append_run: boolean;
  readonly jenkins_environment: boolean;
  readonly job_group: string | null;
  readonly concurrent_runs: boolean;
  /** Relative URL of the job page from the report root (`my%20job/`). */
  readonly url: string;
  /** Set while the job (or the whole scheduler) is paused (SPEC-BEYOND §12.4); absent otherwise. */
  paused?: { readonly by: string; readonly since: PyDateTime; readonly reason: string | null; readonly all: boolean };
  last_run: RunView | undefined;
  last_successful_run: RunView | undefined;
  /** Duration of the last run. */
  last_duration: PyTimedelta | undefined;
  /** The last run failed. */
  failing: boolean;
  run_count: number;
  success_count: number;
  failure_count: number;
}

/** A run as templates see it. */
export interface RunView {
  readonly job: JobView;
  readonly id: string;
  readonly schedule_time: PyDateTime;
  readonly start_time: PyDateTime;
  readonly stop_time: PyDateTime | undefined;
  readonly exit_code: number | null;
  readonly trigger_type: string;
  readonly trigger_data: JsonObject;
  readonly run_data: JsonObject;
  /** Aliases used by older templates of the original. */
  readonly schedule_datetime: PyDateTime;
  readonly start_datetime: PyDateTime;
  readonly stop_datetime: PyDateTime | undefined;
  readonly duration: PyTimedelta | undefined;
  readonly duration_seconds: number | null;
  readonly failed: boolean;
  readonly running: boolean;
  /** Trigger type as shown: a file trigger's own `type`, else "file"; or "schedule". */
  readonly display_trigger_type: string;
  /** The trigger's `description`, as text ('' when none). */
  readonly description: string;
  /** Runs a policy links this one to (retry chain, upstream runs), as [label, url from the run page]; absent when none. */
  readonly policy_links?: ReadonlyArray<{ readonly label: string; readonly url: string; readonly id: string }>;
  /** The trigger's `environment` as sorted [key, value] text pairs. */
  readonly trigger_environment: ReadonlyArray<readonly [string, string]>;
  /** Relative URL of the run page from the report root. */
  readonly url: string;
  /** Output text (limited per report_run_output_start/end); null when there is none. */
  output: string | null;
  /** Output as HTML with ANSI colours (already escaped; mark safe). */
  output_html: string;
  output_truncated: boolean;
  /** The run's notifications as they stood when the page was rendered (SPEC-BEYOND §12.6). */
  notifications?: readonly NotificationView[];
}

/** One notification of a run as its page shows it. */
export interface NotificationView {
  readonly event: string;
  readonly notifier: string;
  readonly state: string;
  readonly attempts: number;
  readonly last_error: string | null;
}

/** Marker between the kept start and end of a limited output. */
export const OUTPUT_MARKER = '\n[...]\n';

/** The URL path segment for a job or run id. */
export function urlSegment(name: string): string {
  return encodeURIComponent(name);
}

/** A JobView for a configured job, without run statistics yet. */
export function jobView(job: JobConfig): JobView {
  return {
    name: job.name,
    command: job.command,
    schedule: job.schedule,
    schedule_timezone: job.scheduleTimezone,
    environment: job.environment,
    max_execution: job.maxExecution,
    max_execution_grace: job.maxExecutionGrace,
    concurrency_groups: job.concurrencyGroups,
    render_reports: job.renderReports,
    command_append_run: job.commandAppendRun,
    jenkins_environment: job.jenkinsEnvironment,
    job_group: job.jobGroup,
    concurrent_runs: job.concurrentRuns,
    url: `${urlSegment(job.name)}/`,
    last_run: undefined,
    last_successful_run: undefined,
    last_duration: undefined,
    failing: false,
    run_count: 0,
    success_count: 0,
    failure_count: 0,
  };
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The trigger type a report shows (SPEC §5.2: a file trigger's `type`, default "file"). */
export function displayTriggerType(triggerType: string, triggerData: JsonObject): string {
  if (triggerType === 'file') {
    const t = triggerData['type'];
    return t === undefined || t === null || t === '' ? 'file' : text(t);
  }
  return triggerType;
}

/** A RunView for a run record of `job`. Output is filled in separately for run pages. */
export function runView(run: RunRecord | FinishedRun, job: JobView): RunView {
  const triggerData = isObject(run.triggerData) ? run.triggerData : {};
  const runData = isObject(run.runData) ? run.runData : {};
  const stop = run.stopTime === null ? undefined : new PyDateTime(run.stopTime);
  const start = new PyDateTime(run.startTime);
  const schedule = new PyDateTime(run.scheduleTime);
  const durationSeconds = run.stopTime === null ? null : run.stopTime - run.startTime;
  const exitCode = run.exitCode ?? null;
  const env = triggerData['environment'];
  const links = policyLinks(run.triggerType, triggerData, runData).map((l) => ({
    label: l.label,
    id: l.runId,
    url: l.job === undefined || l.job === job.name ? `../${urlSegment(l.runId)}/` : `../../${urlSegment(l.job)}/${urlSegment(l.runId)}/`,
  }));
  const label = policyLabel(run.triggerType, triggerData, runData);
  const envPairs = isObject(env)
    ? Object.keys(env).sort().map((k) => [k, text(env[k])] as const)
    : [];
  return {
    job,
    id: run.runId,
    schedule_time: schedule,
    start_time: start,
    stop_time: stop,
    exit_code: exitCode,
    trigger_type: run.triggerType,
    trigger_data: triggerData,
    run_data: runData,
    schedule_datetime: schedule,
    start_datetime: start,
    stop_datetime: stop,
    duration: durationSeconds === null ? undefined : new PyTimedelta(durationSeconds),
    duration_seconds: durationSeconds,
    failed: exitCode !== null && exitCode !== 0,
    running: run.stopTime === null,
    display_trigger_type: label ?? displayTriggerType(run.triggerType, triggerData),
    description: text(triggerData['description']),
    ...(links.length > 0 ? { policy_links: links } : {}),
    trigger_environment: envPairs,
    url: `${job.url}${urlSegment(run.runId)}/`,
    output: null,
    output_html: '',
    output_truncated: false,
  };
}

/**
 * Limits output per report_run_output_start/end (characters; 0 = no limit on that side): the
 * first `start` and the last `end` characters joined by {@link OUTPUT_MARKER}.
 */
export function limitOutput(
  output: string,
  start: number,
  end: number,
): { text: string; truncated: boolean; head: string; tail: string } {
  const s = Math.max(0, Math.floor(start));
  const e = Math.max(0, Math.floor(end));
  if ((s === 0 && e === 0) || output.length <= s + e) return { text: output, truncated: false, head: output, tail: '' };
  const head = s > 0 ? cutBefore(output, s) : '';
  const tail = e > 0 ? cutAfter(output, output.length - e) : '';
  return { text: `${head}${OUTPUT_MARKER}${tail}`, truncated: true, head, tail };
}

/** output.slice(0, n), not splitting a surrogate pair. */
function cutBefore(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** output.slice(n), not splitting a surrogate pair. */
function cutAfter(s: string, n: number): string {
  const code = s.charCodeAt(n);
  return s.slice(code >= 0xdc00 && code <= 0xdfff ? n + 1 : n);
}

/**
 * Fills a run view's output fields: the plain (limited) text for templates of the original and
 * the ANSI-coloured HTML for the built-in one. NUL characters are dropped from both.
 */
export function attachOutput(run: RunView, output: string | null, start: number, end: number): void {
  if (output === null) {
    run.output = null;
    run.output_html = '';
    run.output_truncated = false;
    return;
  }
  const { text: limited, truncated, head, tail } = limitOutput(output.replace(/\0/g, ''), start, end);
  run.output = limited;
  run.output_truncated = truncated;
  if (truncated) {
    run.output_html = `${ansiToHtml(head)}\n<span class="output-cut">[...]</span>\n${ansiToHtml(tail)}`;
  } else {
    run.output_html = ansiToHtml(limited);
  }
}

/** Fills a job view's statistics from the store's summary (null: no finished runs). */
export function applySummary(job: JobView, summary: JobSummary | undefined): void {
  if (summary === undefined) return;
  job.run_count = summary.runCount;
  job.success_count = summary.successCount;
  job.failure_count = summary.failureCount;
  const last = summary.lastRun === null ? undefined : runView(summary.lastRun, job);
  job.last_run = last;
  if (summary.lastSuccessfulRun !== null) {
    job.last_successful_run =
      last !== undefined && summary.lastSuccessfulRun.runId === last.id ? last : runView(summary.lastSuccessfulRun, job);
  }
  job.last_duration = last?.duration;
  job.failing = last?.failed ?? false;
}
