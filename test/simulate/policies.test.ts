/**
 * The run policies in the simulator (SPEC-BEYOND §12 as decided by the core): overlap skip and
 * replace, retries of runs drawn as failed, max_execution, pauses and catch-up read from a real
 * SQLite store, and dependency runs. Each case is worked out by hand from the policy.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATCHUP_WINDOW } from '../../src/config/policies.js';
import type { JobConfig, JobPolicies, RetryPolicy } from '../../src/config/types.js';
import { Logger, MemorySink } from '../../src/log.js';
import { EventKind, parseDurationSpec, simulate, type SimulationResult } from '../../src/simulate/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { everyN, job, schedulingConfig } from '../daemon/fixtures.js';
import { makeTempDir } from '../helpers/index.js';

const T0 = 1_800_000_000;
const NONE: JobPolicies = { catchup: 'none', catchupWindow: DEFAULT_CATCHUP_WINDOW, overlap: 'queue', retry: null, after: [], onSuccess: [], onFailure: [] };
const RETRY: RetryPolicy = { attempts: 2, delay: 10, backoff: 2, maxDelay: 3600, jitter: 0, onExitCodes: null, onTimeout: true, onLost: true };
const base = { store: null, zone: 'UTC', hostZone: 'UTC', nextFireTime: everyN } as const;

function pjob(name: string, policies: Partial<JobPolicies>, over: Partial<JobConfig> = {}): JobConfig {
  const p = { ...NONE, ...policies };
  return job(name, { ...over, concurrentRuns: p.overlap === 'allow', policies: p });
}

/** Every start as [job, trigger, schedule offset, start offset] relative to T0. */
function starts(r: SimulationResult): Array<[string, string, number, number]> {
  const tl = r.timeline;
  const out: Array<[string, string, number, number]> = [];
  const triggers = ['schedule', 'catchup', 'retry', 'after', 'upstream', 'file'];
  for (let e = 0; e < tl.eventCount; e++) {
    if (tl.eventKind.get(e) !== EventKind.start) continue;
    const i = tl.eventRef.get(e);
    out.push([r.jobs[tl.runJob.get(i)]?.name ?? '?', triggers[tl.runTrigger.get(i)] ?? '?', tl.runSchedule.get(i) - T0, tl.runStart.get(i) - T0]);
  }
  return out;
}

async function store(file: string, fill: (s: SqliteStore) => Promise<void>): Promise<SqliteStore> {
  const s = new SqliteStore(file, { log: new Logger({ sink: new MemorySink() }) });
  await s.open();
  await fill(s);
  return s;
}

async function finished(s: SqliteStore, jobName: string, k: number, scheduleTime: number, seconds: number, exitCode: number): Promise<void> {
  const runId = `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
  const run = { jobName, runId, scheduleTime, startTime: scheduleTime, triggerType: 'schedule', triggerData: {}, runData: {} };
  await s.insertRunning(run);
  await s.finishRun({ ...run, stopTime: scheduleTime + seconds, exitCode });
}

describe('policies in the simulator', () => {
  it('overlap: skip drops the fires that come while the job runs', async () => {
    const config = schedulingConfig([pjob('s', { overlap: 'skip' }, { schedule: 'every:10' })]);
    const r = await simulate({ ...base, config, from: T0 - 1, until: T0 + 60, durations: parseDurationSpec(['25']) });
    // Runs at 0 (to 25), 10 and 20 skipped, 30 runs (to 55), 40 and 50 skipped, 60 runs.
    expect(starts(r).map(([, , s]) => s)).toEqual([0, 30, 60]);
    expect(r.summary.jobs[0]).toMatchObject({ runs: 3, skipped: 4, skippedFor: { late: 0, running: 4, paused: 0 }, fires: 7, queued: 0 });
    expect(r.summary.warnings).toContain('`s` skipped 4 of 7 fire times because it was still running (overlap: skip)');
  });

  it('overlap: replace ends the running run when the next fire comes', async () => {
    const config = schedulingConfig([pjob('r', { overlap: 'replace' }, { schedule: 'every:10' })]);
    const r = await simulate({ ...base, config, from: T0 - 1, until: T0 + 30, durations: parseDurationSpec(['25']) });
    expect(starts(r).map(([, , s, t]) => [s, t])).toEqual([
      [0, 0],
      [10, 10],
      [20, 20],
      [30, 30],
    ]);
    expect(r.summary.jobs[0]).toMatchObject({ runs: 4, replaced: 3, failed: 0 });
    const ends = Array.from({ length: r.timeline.eventCount }, (_, e) => e).filter((e) => r.timeline.eventKind.get(e) === EventKind.end).map((e) => r.timeline.eventTime.get(e) - T0);
    expect(ends).toEqual([10, 20, 30, 55]);
  });

  it('a run drawn as failed is retried after the delay, with backoff, up to the attempts', async () => {
    const tmp = makeTempDir('dsari-sim-pol-');
    try {
      // Every run of `flaky` in the history failed: every simulated run fails too.
      const s = await store(join(tmp.path, 'db.sqlite3'), async (st) => {
        for (let k = 0; k < 4; k++) await finished(st, 'flaky', k, T0 - 10_000 + k * 100, 5, 2);
      });
      const config = schedulingConfig([pjob('flaky', { retry: RETRY }, { schedule: 'every:1000' })]);
      const r = await simulate({ ...base, store: s, config, from: T0 - 1, until: T0 + 500 });
      await s.close();
      // Run at 0 lasts 5 (median), fails; retry 1 at 5 + 10 = 15, fails at 20; retry 2 at 20 + 20 = 40.
      expect(starts(r)).toEqual([
        ['flaky', 'schedule', 0, 0],
        ['flaky', 'retry', 15, 15],
        ['flaky', 'retry', 40, 40],
      ]);
      expect(r.summary.jobs[0]).toMatchObject({ runs: 3, retries: 2, failed: 3 });
      expect(r.summary.warnings.some((w) => w.startsWith('`flaky` was retried 2 times (failures drawn from its history: 100%'))).toBe(true);
    } finally {
      tmp.cleanup();
    }
  });

  it('max_execution ends a run that would last longer, and that counts as a failure for retries', async () => {
    const config = schedulingConfig([pjob('long', { retry: { ...RETRY, attempts: 1 } }, { schedule: 'every:1000', maxExecution: 30 })]);
    const r = await simulate({ ...base, config, from: T0 - 1, until: T0 + 500, durations: parseDurationSpec(['100']) });
    expect(starts(r).map(([, t, s]) => [t, s])).toEqual([
      ['schedule', 0],
      ['retry', 40],
    ]);
    expect(r.summary.jobs[0]).toMatchObject({ failed: 2, retries: 1 });
  });

  it('a pause set in the store skips the paused job\'s fires for the whole window', async () => {
    const tmp = makeTempDir('dsari-sim-pol-');
    try {
      const s = await store(join(tmp.path, 'db.sqlite3'), async (st) => {
        await st.addPause({ jobName: 'held', pausedAt: T0 - 100, pausedBy: 'test', reason: 'maintenance' });
      });
      const config = schedulingConfig([job('held', { schedule: 'every:10' }), job('free', { schedule: 'every:10' })]);
      const r = await simulate({ ...base, store: s, config, from: T0 - 1, until: T0 + 30 });
      const ignored = await simulate({ ...base, store: s, config, from: T0 - 1, until: T0 + 30, pauses: false });
      await s.close();
      expect(r.summary.jobs.map((j) => [j.name, j.runs, j.skippedFor.paused])).toEqual([
        ['held', 0, 4],
        ['free', 4, 0],
      ]);
      expect(ignored.summary.jobs.map((j) => j.runs)).toEqual([4, 4]);
    } finally {
      tmp.cleanup();
    }
  });

  it('catch-up as at a daemon start: the fires missed since the last recorded one run first', async () => {
    const tmp = makeTempDir('dsari-sim-pol-');
    try {
      const s = await store(join(tmp.path, 'db.sqlite3'), async (st) => {
        await finished(st, 'c', 0, T0 - 40, 1, 0);
      });
      const config = schedulingConfig([pjob('c', { catchup: 'all' }, { schedule: 'every:10' })]);
      const started = await simulate({ ...base, store: s, config, from: T0 - 5, until: T0 + 20, durations: parseDurationSpec(['2']), daemonStart: true });
      const running = await simulate({ ...base, store: s, config, from: T0 - 5, until: T0 + 20, durations: parseDurationSpec(['2']) });
      await s.close();
      // Missed: T0-30, T0-20, T0-10; they queue behind each other, then the schedule goes on.
      expect(starts(started).map(([, t, sch, st]) => [t, sch, st])).toEqual([
        ['catchup', -30, -5],
        ['catchup', -20, -3],
        ['catchup', -10, -1],
        ['schedule', 0, 1],
        ['schedule', 10, 10],
        ['schedule', 20, 20],
      ]);
      expect(starts(running).map(([, t]) => t)).toEqual(['schedule', 'schedule', 'schedule']);
    } finally {
      tmp.cleanup();
    }
  });

  it('on_success and after: dependency runs follow their upstream runs', async () => {
    const config = schedulingConfig([
      pjob('extract', { onSuccess: ['load'] }, { schedule: 'every:100' }),
      pjob('load', {}),
      pjob('other', {}, { schedule: 'every:100' }),
      pjob('report', { after: ['load', 'other'] }),
    ]);
    const r = await simulate({ ...base, config, from: T0 - 1, until: T0 + 150, durations: parseDurationSpec(['5', 'other=30']) });
    expect(starts(r).map(([j, t, , st]) => [j, t, st])).toEqual([
      ['extract', 'schedule', 0],
      ['other', 'schedule', 0],
      ['load', 'upstream', 5],
      ['report', 'after', 30],
      ['extract', 'schedule', 100],
      ['other', 'schedule', 100],
      ['load', 'upstream', 105],
      ['report', 'after', 130],
    ]);
    expect(r.summary.jobs.find((j) => j.name === 'report')?.dependencyRuns).toBe(2);
  });
});
