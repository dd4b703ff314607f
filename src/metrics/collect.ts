/**
 * Collecting dsari's metrics (SPEC §10) from the run store. Everything is aggregated in the
 * database (`jobSummaries`, `durations`, `latencies`): a scrape never loads every run. The
 * metrics of finished runs are cached for `jobCacheSeconds` as in the original; those of running
 * runs and the clock are fresh on every scrape.
 */
import { notificationFamilies } from '../notify/metrics.js';
import { PAUSE_ALL, type JobSummary, type RunStore } from '../store/types.js';
import { VERSION } from '../version.js';
import type { MetricFamily, Sample } from './exposition.js';
import { quantile, type QuantileSpec } from './quantile.js';

export interface CollectorOptions {
  /** Quantiles of the duration and latency summaries. */
  readonly quantiles: readonly QuantileSpec[];
  /** Include `dsari_running_run_*`. @default true */
  readonly includeRunning?: boolean;
  /** Seconds the finished-run metrics are reused. @default 120 */
  readonly jobCacheSeconds?: number;
  /** Wall clock in epoch seconds. @default Date.now()/1000 */
  readonly now?: () => number;
  /** Monotonic milliseconds (for the cache and collect time). @default performance.now */
  readonly monotonicMs?: () => number;
}

/** Names of the configured jobs, asked on every collection (the configuration may be reloaded). */
export type JobNames = () => readonly string[];

const HELP = {
  dsari_run_count: 'Number of runs performed for a job',
  dsari_run_success_count: 'Number of successful runs performed for a job',
  dsari_run_failure_count: 'Number of failed runs performed for a job',
  dsari_run_duration_seconds: 'Length of time spent in a run',
  dsari_run_latency_seconds: 'Length of time spent between scheduled start and actual start',
  dsari_last_run_exit_code: 'Numeric exit code of the last run for a job',
  dsari_last_run_schedule_time: 'Schedule time of the last run for a job, seconds since epoch',
  dsari_last_run_start_time: 'Start time of the last run for a job, seconds since epoch',
  dsari_last_run_stop_time: 'Stop time of the last run for a job, seconds since epoch',
  dsari_running_run_schedule_time: 'Schedule time of a currently running job, seconds since epoch',
  dsari_running_run_start_time: 'Start time of a currently running job, seconds since epoch',
  dsari_time: 'Current time, seconds since epoch',
  dsari_exporter_collect_seconds: 'Time spent collecting metrics',
  dsari_version_info: 'dsari version information, constant value 1',
  dsari_job_paused: 'Whether a job is paused (dsari pause), 1 while paused',
  dsari_job_pending_runs: 'Retries and dependency runs waiting to start, per job and trigger type',
} as const;

type Name = keyof typeof HELP;

function family(name: Name, type: MetricFamily['type'], samples: Sample[]): MetricFamily {
  return { name, type, help: HELP[name], samples };
}

function summarySamples(
  job: string,
  sorted: ArrayLike<number> & { readonly length: number },
  sum: number,
  count: number,
  quantiles: readonly QuantileSpec[],
): Sample[] {
  const samples: Sample[] = [];
  for (const q of quantiles) {
    const v = quantile(sorted, q.value);
    if (v !== null) samples.push({ labels: { job_name: job, quantile: q.label }, value: v });
  }
  samples.push({ suffix: '_count', labels: { job_name: job }, value: count, integer: true });
  samples.push({ suffix: '_sum', labels: { job_name: job }, value: sum });
  return samples;
}

/** A job's sorted durations and latencies as of a summary (count and sums). */
interface JobValues {
  readonly count: number;
  readonly durationSum: number;
  readonly latencySum: number;
  readonly durations: Float64Array;
  readonly latencies: Float64Array;
}

/** Runs fetched one by one to bring a job's values up to date; more than this reloads them whole. */
const MAX_INCREMENT = 5_000;

function sameSum(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

function sortedMerge(a: Float64Array, extra: readonly number[]): Float64Array {
  const out = new Float64Array(a.length + extra.length);
  out.set(a);
  out.set(extra, a.length);
  return out.sort();
}

/** Collects metric families from a store; one instance per exporter process. */
export class MetricsCollector {
  private cache: { families: MetricFamily[]; at: number } | null = null;
  /**
   * Sorted values per job, kept between refreshes: runs are appended, so a refresh normally
   * fetches only the runs recorded since (checked against the database's count and sums; any
   * mismatch — runs deleted, inserted out of order — reloads that job's values whole).
   */
  private readonly values = new Map<string, JobValues>();
  private inflight: Promise<MetricFamily[]> | null = null;
  private readonly now: () => number;
  private readonly monotonicMs: () => number;

  constructor(
    private readonly store: RunStore,
    private readonly jobNames: JobNames,
    private readonly options: CollectorOptions,
  ) {
    this.now = options.now ?? (() => Date.now() / 1000);
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  /** Forgets the cached finished-run metrics (after a configuration reload). */
  invalidate(): void {
    this.cache = null;
  }

  /** The job's sorted durations and latencies, consistent with `s`. */
  private async jobValues(s: JobSummary): Promise<JobValues> {
    const job = s.jobName;
    const cached = this.values.get(job);
    const consistent = (v: JobValues): boolean =>
      v.count === s.runCount && sameSum(v.durationSum, s.durationSum) && sameSum(v.latencySum, s.latencySum);
    if (cached !== undefined && consistent(cached)) return cached;
    if (cached !== undefined && s.runCount > cached.count && s.runCount - cached.count <= MAX_INCREMENT) {
      const added = await this.store.listRuns({
        jobNames: [job],
        includeRunning: false,
        orderBy: 'stop_time',
        order: 'desc',
        limit: s.runCount - cached.count,
      });
      const d: number[] = [];
      const l: number[] = [];
      for (const r of added) {
        if (r.stopTime !== null) d.push(r.stopTime - r.startTime);
        l.push(r.startTime - r.scheduleTime);
      }
      const next: JobValues = {
        count: cached.count + added.length,
        durationSum: cached.durationSum + d.reduce((a, b) => a + b, 0),
        latencySum: cached.latencySum + l.reduce((a, b) => a + b, 0),
        durations: sortedMerge(cached.durations, d),
        latencies: sortedMerge(cached.latencies, l),
      };
      if (consistent(next)) {
        this.values.set(job, next);
        return next;
      }
    }
    const full: JobValues = {
      count: s.runCount,
      durationSum: s.durationSum,
      latencySum: s.latencySum,
      durations: Float64Array.from(await this.store.durations(job)),
      latencies: Float64Array.from(await this.store.latencies(job)),
    };
    this.values.set(job, full);
    return full;
  }

  /** Every family for one scrape. */
  async collect(): Promise<MetricFamily[]> {
    const started = this.monotonicMs();
    const families = [...(await this.jobFamilies())];
    if (this.options.includeRunning !== false) families.push(...(await this.runningFamilies()), ...(await this.policyFamilies()));
    families.push(...(await notificationFamilies(this.store)));
    families.push(family('dsari_time', 'gauge', [{ labels: {}, value: this.now() }]));
    families.push(family('dsari_version_info', 'gauge', [{ labels: { version: VERSION }, value: 1, integer: true }]));
    const seconds = (this.monotonicMs() - started) / 1000;
    families.push(family('dsari_exporter_collect_seconds', 'gauge', [{ labels: {}, value: seconds }]));
    return families;
  }

  /** Finished-run families, from the cache while it is fresh; concurrent scrapes share one query. */
  private async jobFamilies(): Promise<MetricFamily[]> {
    const maxAgeMs = (this.options.jobCacheSeconds ?? 120) * 1000;
    if (this.cache !== null && this.monotonicMs() - this.cache.at <= maxAgeMs) return this.cache.families;
    if (this.inflight === null) {
      this.inflight = this.computeJobFamilies()
        .then((families) => {
          this.cache = { families, at: this.monotonicMs() };
          return families;
        })
        .finally(() => {
          this.inflight = null;
        });
    }
    return this.inflight;
  }

  private async computeJobFamilies(): Promise<MetricFamily[]> {
    const jobs = [...new Set(this.jobNames())].sort();
    for (const name of this.values.keys()) if (!jobs.includes(name)) this.values.delete(name);
    const summaries = new Map((await this.store.jobSummaries()).map((s) => [s.jobName, s]));
    const runCount: Sample[] = [];
    const success: Sample[] = [];
    const failure: Sample[] = [];
    const duration: Sample[] = [];
    const latency: Sample[] = [];
    const exitCode: Sample[] = [];
    const scheduleTime: Sample[] = [];
    const startTime: Sample[] = [];
    const stopTime: Sample[] = [];
    for (const job of jobs) {
      const s = summaries.get(job);
      const labels = { job_name: job };
      runCount.push({ labels, value: s?.runCount ?? 0, integer: true });
      success.push({ labels, value: s?.successCount ?? 0, integer: true });
      failure.push({ labels, value: s?.failureCount ?? 0, integer: true });
      if (s === undefined || s.runCount === 0 || s.lastRun === null) continue;
      const empty = new Float64Array(0);
      const v = this.options.quantiles.length > 0 ? await this.jobValues(s) : null;
      const durations = v?.durations ?? empty;
      const latencies = v?.latencies ?? empty;
      duration.push(...summarySamples(job, durations, s.durationSum, s.runCount, this.options.quantiles));
      latency.push(...summarySamples(job, latencies, s.latencySum, s.runCount, this.options.quantiles));
      exitCode.push({ labels, value: s.lastRun.exitCode, integer: true });
      scheduleTime.push({ labels, value: s.lastRun.scheduleTime });
      startTime.push({ labels, value: s.lastRun.startTime });
      stopTime.push({ labels, value: s.lastRun.stopTime });
    }
    return [
      family('dsari_run_count', 'counter', runCount),
      family('dsari_run_success_count', 'counter', success),
      family('dsari_run_failure_count', 'counter', failure),
      family('dsari_run_duration_seconds', 'summary', duration),
      family('dsari_run_latency_seconds', 'summary', latency),
      family('dsari_last_run_exit_code', 'gauge', exitCode),
      family('dsari_last_run_schedule_time', 'gauge', scheduleTime),
      family('dsari_last_run_start_time', 'gauge', startTime),
      family('dsari_last_run_stop_time', 'gauge', stopTime),
    ];
  }

  /**
   * Paused jobs and durable pending runs (SPEC-BEYOND §12), fresh on every scrape. A family with
   * no sample is left out, so a scheduler that uses no policy exports exactly the original's set.
   */
  private async policyFamilies(): Promise<MetricFamily[]> {
    const jobs = [...new Set(this.jobNames())].sort();
    const pauses = new Set((await this.store.listPauses()).map((p) => p.jobName));
    const paused: Sample[] = pauses.size === 0 ? [] : jobs.map((job) => ({ labels: { job_name: job }, value: pauses.has(job) || pauses.has(PAUSE_ALL) ? 1 : 0, integer: true }));
    const counts = new Map<string, number>();
    for (const r of await this.store.listPending()) {
      if (!jobs.includes(r.jobName)) continue;
      const key = `${r.jobName}\u0000${r.triggerType}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const pending: Sample[] = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => {
      const [job, type] = key.split('\u0000') as [string, string];
      return { labels: { job_name: job, trigger_type: type }, value: n, integer: true };
    });
    const out: MetricFamily[] = [];
    if (paused.length > 0) out.push(family('dsari_job_paused', 'gauge', paused));
    if (pending.length > 0) out.push(family('dsari_job_pending_runs', 'gauge', pending));
    return out;
  }

  private async runningFamilies(): Promise<MetricFamily[]> {
    const jobs = new Set(this.jobNames());
    const running = (await this.store.listRunning())
      .filter((r) => jobs.has(r.jobName))
      .sort((a, b) => (a.jobName < b.jobName ? -1 : a.jobName > b.jobName ? 1 : a.startTime - b.startTime));
    const scheduleTime: Sample[] = [];
    const startTime: Sample[] = [];
    for (const r of running) {
      const labels = { job_name: r.jobName, run_id: r.runId };
      scheduleTime.push({ labels, value: r.scheduleTime });
      startTime.push({ labels, value: r.startTime });
    }
    return [
      family('dsari_running_run_schedule_time', 'gauge', scheduleTime),
      family('dsari_running_run_start_time', 'gauge', startTime),
    ];
  }
}
