/**
 * `dsari-render` (SPEC §8): writes DATA_DIR/html/index.html, html/JOB/index.html and
 * html/JOB/RUN_ID/index.html from the run store.
 *
 * Incremental: a job whose run count and latest run are what the last render saw (kept in
 * {@link STATE_FILE}) is not even queried; for a job with new runs only the new runs' pages are
 * written, then its job page and the index. Without a usable state file, a run page is written
 * when it does not exist yet (the original's rule). `regenerate` writes everything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { runIdsWithNotifications, runNotifications } from '../notify/outbox.js';
import { PAUSE_ALL, type PauseRecord, type RunRecord, type RunStore } from '../store/types.js';
import { CHART_MAX_RUNS, durationChartSvg } from './chart.js';
import { type JobView, type NotificationView, type RunView, applySummary, attachOutput, jobView, runView } from './model.js';
import { readRunOutputIfExistsSync } from './output.js';
import { PyDateTime } from './pytime.js';
import { type PageContent, pageExists, writeIfChanged, writePage, writeRunPage } from './page-files.js';
import { type JobRenderState, type RenderState, emptyState, readState, writeState } from './state.js';
import { type PageTemplates, builtinTemplateDir, loadTemplates } from './template-env.js';

/** Runs on the index page. */
export const INDEX_RUNS = 25;
/** Failed runs on the index page. */
export const INDEX_FAILED_RUNS = 10;
/** The stylesheet written beside the pages. */
export const CSS_FILE = 'dsari.css';

export interface RenderOptions {
  readonly config: Config;
  readonly store: RunStore;
  /** `-r`: rewrite every page. */
  readonly regenerate?: boolean;
  readonly log: Logger;
  /** Render time, epoch seconds. @default Date.now() / 1000 */
  readonly now?: number;
  /** Reads a run's output (null if it has none). @default output.txt / .gz / .xz in RUN_DIR */
  readonly readOutput?: (jobName: string, runId: string) => Promise<string | null> | string | null;
}

export interface RenderResult {
  /** Paths written (pages, stylesheet), in order. */
  readonly written: string[];
  readonly runPages: number;
  readonly jobPages: number;
  readonly indexWritten: boolean;
}

/**
 * A run's output (output.txt, .gz or .xz), decoded as UTF-8 with replacement characters for
 * invalid bytes; null when there is none. An output that cannot be read is logged and shown as
 * a note instead: one bad file must not stop the report.
 */
function readOutputText(runDir: string, log: Logger): string | null {
  try {
    // Synchronous, like the page writes (see writeRunPage): small files, read one at a time.
    const bytes = readRunOutputIfExistsSync(runDir);
    return bytes === null ? null : new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  } catch (err) {
    log.warning(`${runDir}: output cannot be read: ${errorMessage(err)}`);
    return `[dsari-render: the output of this run cannot be read: ${errorMessage(err)}]`;
  }
}

/** A run's notifications for its page; none when the store has no outbox. */
async function notificationsView(store: RunStore, runId: string, log: Logger, withNotifications: ReadonlySet<string> | null): Promise<NotificationView[]> {
  if (store.sqlRunner === undefined || withNotifications?.has(runId) === false) return [];
  try {
    return (await runNotifications(store.sqlRunner(), runId)).map((n) => ({ event: n.event, notifier: n.label, state: n.state, attempts: n.attempts, last_error: n.lastError }));
  } catch (err) {
    log.debug(`No notifications for run ${runId}: ${errorMessage(err)}`);
    return [];
  }
}

/** The runs that have notifications, or null when that cannot be read (then each run page asks). */
async function runsWithNotifications(store: RunStore, log: Logger): Promise<Set<string> | null> {
  if (store.sqlRunner === undefined) return null;
  try {
    return await runIdsWithNotifications(store.sqlRunner());
  } catch (err) {
    log.debug(`Notifications are read run by run: ${errorMessage(err)}`);
    return null;
  }
}

/**
 * Renders (`render`) and writes the pages of `runs`, one after the other. (Sixteen promise-based
 * writes in flight cost more CPU in promises and file handles than their overlap saved:
 * docs/BENCHMARKS.md, Reports.)
 */
async function writeRunPages(
  runs: readonly RunView[],
  jobDir: string,
  gz: boolean,
  render: (run: RunView) => Promise<PageContent>,
  written: string[],
): Promise<void> {
  for (const run of runs) written.push(writeRunPage(join(jobDir, run.id), await render(run), gz));
}

function stopTimeOf(run: RunRecord): number {
  return run.stopTime ?? Number.POSITIVE_INFINITY;
}

/** Which of a changed job's runs need their page written. */
function runsToWrite(views: readonly RunView[], prev: JobRenderState | undefined, jobDir: string, gz: boolean): RunView[] {
  if (prev !== undefined && prev.lastStopTime !== null) {
    const last = prev.lastStopTime;
    const fresh = views.filter((v) => {
      const stop = v.stop_time?.epoch ?? Number.POSITIVE_INFINITY;
      return stop > last || (stop === last && v.id !== prev.lastRunId);
    });
    // Trust the state only if it accounts for every run; otherwise (retention, late inserts)
    // fall back to checking which pages exist.
    if (prev.count + fresh.length === views.length) return fresh;
  } else if (prev !== undefined && prev.count === 0) {
    return [...views];
  }
  // The job's directory is listed once: a run without a directory there has no page (a
  // first render of 200,000 runs looked for each page in turn).
  let dirs: Set<string>;
  try {
    dirs = new Set(readdirSync(jobDir));
  } catch {
    dirs = new Set();
  }
  return views.filter((v) => !dirs.has(v.id) || !pageExists(join(jobDir, v.id), gz));
}

/**
 * Renders the reports. Template problems are detected before anything is written.
 * @throws TemplateError for a template that does not compile or fails to render
 * @throws StoreError when the store cannot be read
 */
/** Marks paused jobs (a pause of `*` marks every job). */
function applyPauses(views: ReadonlyMap<string, JobView>, pauses: readonly PauseRecord[]): void {
  const all = pauses.find((p) => p.jobName === PAUSE_ALL);
  for (const [name, view] of views) {
    const p = pauses.find((x) => x.jobName === name) ?? all;
    if (p !== undefined) view.paused = { by: p.pausedBy, since: new PyDateTime(p.pausedAt), reason: p.reason, all: p.jobName === PAUSE_ALL };
  }
}

export async function renderReports(options: RenderOptions): Promise<RenderResult> {
  const { config, store, log } = options;
  const regenerate = options.regenerate === true;
  const now = options.now ?? Date.now() / 1000;
  const gz = config.reportHtmlGz;
  const htmlDir = join(config.dataDir, 'html');
  const readOutput = options.readOutput ?? ((job: string, id: string) => readOutputText(join(config.dataDir, 'runs', job, id), log));
  const templates: PageTemplates = loadTemplates({ templateDir: config.templateDir, now });

  const written: string[] = [];
  const cssPath = join(htmlDir, CSS_FILE);
  if (writeIfChanged(cssPath, readFileSync(join(builtinTemplateDir(), CSS_FILE), 'utf8'))) written.push(cssPath);

  const previous = readState(htmlDir);
  const prevJobs = previous !== null && previous.gz === gz ? previous.jobs : {};
  const next: RenderState = emptyState(gz);

  const jobs = [...config.jobs.values()].filter((j) => j.renderReports).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const views = new Map<string, JobView>();
  for (const job of jobs) views.set(job.name, jobView(job));
  const summaries = await store.jobSummaries();
  for (const s of summaries) {
    const v = views.get(s.jobName);
    if (v !== undefined) applySummary(v, s);
  }
  applyPauses(views, await store.listPauses());

  let runPages = 0;
  let jobPages = 0;
  let anyJobChanged = false;
  // Read when the first run page is rendered: a render with nothing new does not ask.
  let withNotifications: Promise<Set<string> | null> | undefined;
  for (const job of jobs) {
    const view = views.get(job.name);
    if (view === undefined) continue;
    const jobDir = join(htmlDir, job.name);
    const prev = prevJobs[job.name];
    const state: JobRenderState = {
      count: view.run_count,
      lastRunId: view.last_run?.id ?? null,
      lastStopTime: view.last_run?.stop_time?.epoch ?? null,
      ...(view.paused ? { paused: `${view.paused.by}@${view.paused.since.epoch}` } : {}),
    };
    next.jobs[job.name] = state;
    const unchanged =
      !regenerate &&
      prev !== undefined &&
      prev.count === state.count &&
      prev.lastRunId === state.lastRunId &&
      prev.paused === state.paused &&
      pageExists(jobDir, gz);
    if (unchanged) continue;

    const records = state.count === 0 ? [] : await store.listRuns({
      jobNames: [job.name],
      includeRunning: false,
      orderBy: 'stop_time',
      order: 'desc',
    });
    records.sort((a, b) => stopTimeOf(b) - stopTimeOf(a));
    const runViews = records.map((r) => runView(r, view));
    const toWrite = regenerate ? runViews : runsToWrite(runViews, prev, jobDir, gz);
    await writeRunPages(toWrite, jobDir, gz, async (run) => {
      attachOutput(run, await readOutput(job.name, run.id), config.reportRunOutputStart, config.reportRunOutputEnd);
      withNotifications ??= runsWithNotifications(store, log);
      run.notifications = await notificationsView(store, run.id, log, await withNotifications);
      const html = templates.page('run.html', runContext(run));
      run.output = null;
      run.output_html = '';
      return html;
    }, written);
    runPages += toWrite.length;
    if (toWrite.length > 0) log.debug(`Wrote ${toWrite.length} run page(s) of ${job.name}`);
    // Without a record of the last render, an existing job page is only rewritten when one of
    // its runs got a page now (as the original decides).
    if (!regenerate && prev === undefined && toWrite.length === 0 && pageExists(jobDir, gz) && state.paused === undefined) continue;
    const html = templates.page('job.html', {
      job: view,
      runs: runViews,
      chart_svg: durationChartSvg(runViews),
      chart_runs: CHART_MAX_RUNS,
      root: '../',
      job_name: view.name,
    });
    written.push(writePage(jobDir, html, gz));
    jobPages++;
    anyJobChanged = true;
  }

  const prevNames = Object.keys(prevJobs).sort().join('\n');
  const nextNames = Object.keys(next.jobs).sort().join('\n');
  const indexNeeded =
    regenerate || anyJobChanged || (previous !== null && prevNames !== nextNames) || !pageExists(htmlDir, gz);
  if (indexNeeded) {
    const names = jobs.map((j) => j.name);
    const toView = (r: RunRecord): RunView[] => {
      const v = views.get(r.jobName);
      return v === undefined ? [] : [runView(r, v)];
    };
    const latest = names.length === 0 ? [] : await store.listRuns({
      jobNames: names, includeRunning: false, orderBy: 'stop_time', order: 'desc', limit: INDEX_RUNS,
    });
    const failed = names.length === 0 ? [] : await store.listRuns({
      jobNames: names, includeRunning: false, failedOnly: true, orderBy: 'stop_time', order: 'desc', limit: INDEX_FAILED_RUNS,
    });
    const jobList = jobs.flatMap((j) => views.get(j.name) ?? []);
    const html = templates.page('index.html', {
      jobs: jobList,
      runs: latest.flatMap(toView),
      failed_runs: failed.flatMap(toView),
      failing_count: jobList.filter((j) => j.failing).length,
      root: '',
    });
    written.push(writePage(htmlDir, html, gz));
  }
  writeState(htmlDir, next);
  return { written, runPages, jobPages, indexWritten: indexNeeded };
}

/** The run page's context: `run` plus the flat names older templates of the original used. */
function runContext(run: RunView): Record<string, unknown> {
  return {
    run,
    job: run.job,
    root: '../../',
    job_name: run.job.name,
    run_id: run.id,
    schedule_time: run.schedule_time,
    start_time: run.start_time,
    stop_time: run.stop_time,
    exit_code: run.exit_code,
    trigger_type: run.trigger_type,
    trigger_data: run.trigger_data,
    run_output: run.output,
  };
}
