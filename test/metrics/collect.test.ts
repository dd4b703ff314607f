import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricsCollector } from '../../src/metrics/collect.js';
import { formatExposition, formatFloat } from '../../src/metrics/exposition.js';
import { parseQuantiles, quantile } from '../../src/metrics/quantile.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { VERSION } from '../../src/version.js';
import { makeTempDir } from '../helpers/index.js';
import Database from 'better-sqlite3';
import { addOriginalRuns, createOriginalDb } from '../info/original-db.js';
import { parseExpositionStrict } from './strict-parser.js';

describe('quantiles (rank (n-1)q, linear interpolation)', () => {
  it.each([
    [[], 0.5, null],
    [[7], 0.99, 7],
    [[1, 2, 3, 4], 0, 1],
    [[1, 2, 3, 4], 1, 4],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10, 20, 30], 0.25, 15],
    [[0, 100], 0.99, 99],
  ])('quantile(%j, %d) = %s', (values, q, expected) => {
    expect(quantile(values, q)).toBe(expected);
  });

  it('parses --quantiles keeping the text as the label', () => {
    expect(parseQuantiles('0.01, .5,1,0.5')).toEqual([
      { label: '0.01', value: 0.01 },
      { label: '.5', value: 0.5 },
      { label: '1', value: 1 },
      { label: '0.5', value: 0.5 },
    ]);
    expect(() => parseQuantiles('0.5,1.5')).toThrow(/"1.5" is not a number from 0 to 1/);
    expect(() => parseQuantiles('0.5,,0.9')).toThrow(/empty entry/);
    expect(() => parseQuantiles('abc')).toThrow(/"abc"/);
  });

  it('formats floats as Python does', () => {
    expect(formatFloat(3)).toBe('3.0');
    expect(formatFloat(0.25)).toBe('0.25');
    expect(formatFloat(1e-7)).toBe('1e-07');
    expect(formatFloat(NaN)).toBe('NaN');
    expect(formatFloat(-Infinity)).toBe('-Inf');
  });
});

describe('collecting metrics from a database written by the original', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  let clock = 0;

  beforeEach(async () => {
    tmp = makeTempDir();
    const file = join(tmp.path, 'dsari.sqlite3');
    createOriginalDb(file, [
      // durations 10, 20, 30, 40; latencies 1, 2, 3, 4; two failures; last by stop time: a-4
      { job: 'a', id: 'a-1', schedule: 999, start: 1000, stop: 1010, exit: 0 },
      { job: 'a', id: 'a-2', schedule: 1998, start: 2000, stop: 2020, exit: 1 },
      { job: 'a', id: 'a-3', schedule: 2997, start: 3000, stop: 3030, exit: 0 },
      { job: 'a', id: 'a-4', schedule: 3996, start: 4000, stop: 4040, exit: 2 },
      { job: 'removed', id: 'r-1', schedule: 1, start: 2, stop: 3, exit: 0 },
      { job: 'b', id: 'b-run', schedule: 5000, start: 5000.5 },
    ]);
    store = new SqliteStore(file);
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  const collector = (opts: { running?: boolean; cache?: number; quantiles?: string } = {}): MetricsCollector =>
    new MetricsCollector(store, () => ['b', 'a', 'c'], {
      quantiles: parseQuantiles(opts.quantiles ?? '0.01,0.1,0.5,0.9,0.99'),
      includeRunning: opts.running ?? true,
      jobCacheSeconds: opts.cache ?? 120,
      now: () => 1_700_000_000.25,
      monotonicMs: () => clock,
    });

  it('produces the original metrics, valid for a Prometheus parser', async () => {
    const text = formatExposition(await collector({ quantiles: '0.5,0.9,1' }).collect());
    const parsed = parsePrometheusTextFormat(text);
    const byName = new Map(parsed.map((f) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual([
      'dsari_exporter_collect_seconds',
      'dsari_last_run_exit_code',
      'dsari_last_run_schedule_time',
      'dsari_last_run_start_time',
      'dsari_last_run_stop_time',
      'dsari_run_count',
      'dsari_run_duration_seconds',
      'dsari_run_failure_count',
      'dsari_run_latency_seconds',
      'dsari_run_success_count',
      'dsari_running_run_schedule_time',
      'dsari_running_run_start_time',
      'dsari_time',
      'dsari_version_info',
    ]);
    // every configured job has its counters, also without runs; unconfigured jobs have none
    expect(byName.get('dsari_run_count')).toMatchObject({
      type: 'COUNTER',
      help: 'Number of runs performed for a job',
      metrics: [
        { labels: { job_name: 'a' }, value: '4' },
        { labels: { job_name: 'b' }, value: '0' },
        { labels: { job_name: 'c' }, value: '0' },
      ],
    });
    expect(byName.get('dsari_run_failure_count')?.metrics[0]).toEqual({ labels: { job_name: 'a' }, value: '2' });
    expect(byName.get('dsari_run_success_count')?.metrics[0]).toEqual({ labels: { job_name: 'a' }, value: '2' });
    // summaries checked with the strict parser (the npm one drops the labels of summaries)
    const strict = new Map(parseExpositionStrict(text).map((f) => [f.name, f]));
    expect(strict.get('dsari_run_duration_seconds')).toEqual({
      name: 'dsari_run_duration_seconds',
      help: 'Length of time spent in a run',
      type: 'summary',
      samples: [
        { name: 'dsari_run_duration_seconds', labels: { job_name: 'a', quantile: '0.5' }, value: 25 },
        { name: 'dsari_run_duration_seconds', labels: { job_name: 'a', quantile: '0.9' }, value: 37 },
        { name: 'dsari_run_duration_seconds', labels: { job_name: 'a', quantile: '1' }, value: 40 },
        { name: 'dsari_run_duration_seconds_count', labels: { job_name: 'a' }, value: 4 },
        { name: 'dsari_run_duration_seconds_sum', labels: { job_name: 'a' }, value: 100 },
      ],
    });
    expect(strict.get('dsari_run_latency_seconds')?.samples.map((s) => [s.name, s.labels['quantile'], s.value])).toEqual([
      ['dsari_run_latency_seconds', '0.5', 2.5],
      ['dsari_run_latency_seconds', '0.9', 3.7],
      ['dsari_run_latency_seconds', '1', 4],
      ['dsari_run_latency_seconds_count', undefined, 4],
      ['dsari_run_latency_seconds_sum', undefined, 10],
    ]);
    expect(byName.get('dsari_last_run_exit_code')?.metrics).toEqual([{ labels: { job_name: 'a' }, value: '2' }]);
    expect(byName.get('dsari_last_run_stop_time')?.metrics).toEqual([{ labels: { job_name: 'a' }, value: '4040.0' }]);
    expect(byName.get('dsari_last_run_schedule_time')?.metrics).toEqual([{ labels: { job_name: 'a' }, value: '3996.0' }]);
    expect(byName.get('dsari_running_run_start_time')?.metrics).toEqual([
      { labels: { job_name: 'b', run_id: 'b-run' }, value: '5000.5' },
    ]);
    expect(byName.get('dsari_time')?.metrics).toEqual([{ value: '1700000000.25' }]);
    expect(byName.get('dsari_version_info')?.metrics).toEqual([{ labels: { version: VERSION }, value: '1' }]);
    expect(text).not.toContain('removed');
  });

  it('prints the text exactly in the original layout', async () => {
    const text = formatExposition(await collector({ quantiles: '0.5' }).collect());
    expect(text).toContain(
      [
        '# HELP dsari_run_duration_seconds Length of time spent in a run',
        '# TYPE dsari_run_duration_seconds summary',
        'dsari_run_duration_seconds{job_name="a",quantile="0.5"} 25.0',
        'dsari_run_duration_seconds_count{job_name="a"} 4',
        'dsari_run_duration_seconds_sum{job_name="a"} 100.0',
        '# HELP dsari_run_failure_count Number of failed runs performed for a job',
        '# TYPE dsari_run_failure_count counter',
        'dsari_run_failure_count{job_name="a"} 2',
      ].join('\n'),
    );
    expect(text.startsWith('# HELP dsari_exporter_collect_seconds Time spent collecting metrics\n# TYPE dsari_exporter_collect_seconds gauge\n')).toBe(true);
  });

  it('--no-running leaves out running runs; no running runs, no running families', async () => {
    const text = formatExposition(await collector({ running: false }).collect());
    expect(text).not.toContain('dsari_running_run');
  });

  it('reuses finished-run metrics for the cache time, then recomputes', async () => {
    const c = collector({ cache: 120 });
    clock = 0;
    const first = formatExposition(await c.collect());
    expect(first).toContain('dsari_run_count{job_name="a"} 4');
    await store.finishRun({ ...(await store.listRunning())[0]!, stopTime: 5010, exitCode: 0 });
    clock = 60_000;
    const cached = formatExposition(await c.collect());
    expect(cached).toContain('dsari_run_count{job_name="b"} 0');
    expect(cached).not.toContain('dsari_running_run'); // running part is always fresh
    clock = 121_000;
    const fresh = formatExposition(await c.collect());
    expect(fresh).toContain('dsari_run_count{job_name="b"} 1');
  });

  it('keeps its values consistent with the database as runs are added, deleted or recorded out of order', async () => {
    const file = join(tmp.path, 'dsari.sqlite3');
    const c = collector({ cache: 0, quantiles: '0,0.5,1' });
    const summaryOf = async (col: MetricsCollector): Promise<string> =>
      formatExposition(await col.collect())
        .split('\n')
        .filter((l) => /^dsari_run_(duration|latency)_seconds/.test(l))
        .join('\n');
    const check = async (): Promise<void> => {
      clock += 1000;
      expect(await summaryOf(c)).toBe(await summaryOf(collector({ cache: 0, quantiles: '0,0.5,1' })));
    };
    await check();
    // appended runs (the usual case): fetched incrementally, not reloaded whole
    addOriginalRuns(file, [
      { job: 'a', id: 'a-5', schedule: 4990, start: 5000, stop: 5100, exit: 0 },
      { job: 'a', id: 'a-6', schedule: 5999, start: 6000, stop: 6001, exit: 0 },
    ]);
    const durations = vi.spyOn(store, 'durations');
    clock += 1000;
    await c.collect();
    expect(durations).not.toHaveBeenCalled();
    durations.mockRestore();
    await check();
    expect(await summaryOf(c)).toContain('dsari_run_duration_seconds{job_name="a",quantile="1"} 100.0');
    // a run deleted and another recorded with an old stop time: reloaded whole
    const db = new Database(file);
    db.prepare("DELETE FROM runs WHERE run_id = 'a-5'").run();
    db.close();
    addOriginalRuns(file, [{ job: 'a', id: 'a-0', schedule: 0, start: 500, stop: 501, exit: 0 }]);
    await check();
    expect(await summaryOf(c)).toContain('dsari_run_latency_seconds{job_name="a",quantile="1"} 500.0');
  });

  it('exports paused jobs and pending retries and dependency runs only when there are some', async () => {
    const c = collector({ quantiles: '0.5' });
    const names = async () => parsePrometheusTextFormat(formatExposition(await c.collect())).map((f) => f.name);
    expect(await names()).not.toContain('dsari_job_paused');
    await store.addPause({ jobName: 'a', pausedAt: 1, pausedBy: 'ops', reason: null });
    await store.addPending([
      { runId: '00000000-0000-4000-8000-000000000001', jobName: 'c', scheduleTime: 10, triggerType: 'retry', triggerData: { attempt: 1 }, createdAt: 1 },
      { runId: '00000000-0000-4000-8000-000000000002', jobName: 'c', scheduleTime: 11, triggerType: 'retry', triggerData: { attempt: 1 }, createdAt: 1 },
      { runId: '00000000-0000-4000-8000-000000000003', jobName: 'b', scheduleTime: 12, triggerType: 'after', triggerData: {}, createdAt: 1 },
    ]);
    const text = formatExposition(await c.collect());
    expect(text).toContain('# TYPE dsari_job_paused gauge\n');
    expect(text).toContain('dsari_job_paused{job_name="a"} 1\ndsari_job_paused{job_name="b"} 0\ndsari_job_paused{job_name="c"} 0\n');
    expect(text).toContain('dsari_job_pending_runs{job_name="b",trigger_type="after"} 1\ndsari_job_pending_runs{job_name="c",trigger_type="retry"} 2\n');
    parseExpositionStrict(text);
  });
});
