/**
 * The run policies as decisions of the core, on a virtual clock (SPEC-BEYOND §12.1–§12.5):
 * catch-up, overlap skip/replace, pauses, retries, dependencies, and their combinations.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATCHUP_WINDOW } from '../../src/config/policies.js';
import type { JobConfig, JobPolicies, RetryPolicy } from '../../src/config/types.js';
import { SchedulerCore } from '../../src/daemon/core.js';
import { scheduleLookup } from '../../src/daemon/index.js';
import { retryDelay } from '../../src/daemon/policy.js';
import type { RunResult } from '../../src/daemon/types.js';
import { parseDateTime } from '../../src/schedule/time.js';
import { counterIds, everyN, job, schedulingConfig } from './fixtures.js';

const T0 = 1_699_998_300;

function core(random = () => 0, nextFireTime = everyN) {
  return new SchedulerCore({ nextFireTime, newRunId: counterIds(), random });
}

const NONE: JobPolicies = { catchup: 'none', catchupWindow: DEFAULT_CATCHUP_WINDOW, overlap: 'queue', retry: null, after: [], onSuccess: [], onFailure: [] };
function pjob(name: string, policies: Partial<JobPolicies>, over: Partial<JobConfig> = {}): JobConfig {
  const p = { ...NONE, ...policies };
  return job(name, { ...over, concurrentRuns: p.overlap === 'allow', policies: p });
}
const RETRY: RetryPolicy = { attempts: 2, delay: 10, backoff: 2, maxDelay: 3600, jitter: 0, onExitCodes: null, onTimeout: true, onLost: true };
const ok = (t: number): RunResult => ({ exitCode: 0, stopTime: t, timedOut: false, lost: false, endedBy: null });
const fail = (t: number, exitCode = 1, extra: Partial<RunResult> = {}): RunResult => ({ exitCode, stopTime: t, timedOut: false, lost: false, endedBy: null, ...extra });

describe('catchup (§12.1)', () => {
  it('none runs nothing; latest runs the newest missed fire once; all runs each, oldest first', () => {
    for (const [policy, expected] of [['none', []], ['latest', [T0 + 30]], ['all', [T0 + 10, T0 + 20, T0 + 30]]] as const) {
      const c = core();
      c.reload(schedulingConfig([pjob('a', { catchup: policy }, { schedule: 'every:10' })]), T0 + 35);
      const out = c.catchUp(['a'], new Map([['a', T0]]), T0 + 35);
      expect(out.runs.map((r) => r.scheduleTime)).toEqual(expected);
      const started = c.takeStartable(T0 + 35);
      // Caught-up runs queue behind each other (overlap: queue): one starts now.
      expect(started.map((d) => [d.run.scheduleTime, d.run.catchup])).toEqual(expected.length > 0 ? [[expected[0], true]] : []);
      expect(out.dropped).toEqual(policy === 'latest' ? [{ job: 'a', count: 2 }] : []);
    }
  });

  it('a job with no scheduled run on record backfills nothing; the window bounds how far back', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { catchup: 'all', catchupWindow: 25 }, { schedule: 'every:10' })]), T0 + 100);
    expect(c.catchUp(['a'], new Map(), T0 + 100).runs).toEqual([]);
    const out = c.catchUp(['a'], new Map([['a', T0]]), T0 + 100);
    expect(out.runs.map((r) => r.scheduleTime)).toEqual([T0 + 80, T0 + 90, T0 + 100]);
  });

  it('all keeps at most 100 runs, the newest, and says how many it dropped', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { catchup: 'all' }, { schedule: 'every:1' })]), T0 + 150);
    const out = c.catchUp(['a'], new Map([['a', T0]]), T0 + 150);
    expect(out.runs).toHaveLength(100);
    expect(out.runs[0]?.scheduleTime).toBe(T0 + 51);
    expect(out.dropped).toEqual([{ job: 'a', count: 50 }]);
  });

  it('across a DST change (Europe/Berlin, spring forward) each missed wall-clock fire runs once', () => {
    const lookup = scheduleLookup();
    const c = core(() => 0, lookup);
    const j = pjob('a', { catchup: 'all', catchupWindow: 6 * 3600 }, { schedule: '30 * * * *', scheduleTimezone: 'Europe/Berlin' });
    // 2024-03-31: 02:00–03:00 local does not exist. The last fire ran at 00:30 (plus the job's
    // hashed seconds); the daemon was down until 04:10. Missed: 01:30 CET and 03:30 CEST, one
    // hour of real time apart (02:30 never happened).
    const last = lookup(j, parseDateTime('2024-03-31T00:00:00', 'Europe/Berlin')) as number;
    const now = parseDateTime('2024-03-31T04:10:00', 'Europe/Berlin');
    c.reload(schedulingConfig([j]), now);
    const out = c.catchUp(['a'], new Map([['a', last]]), now);
    expect(out.runs.map((r) => r.scheduleTime - last)).toEqual([3600, 7200]);
  });
});

describe('overlap (§12.2)', () => {
  it('skip drops fires due while the job runs, counts them, and goes on with the schedule', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { overlap: 'skip' }, { schedule: 'every:1' })]), T0);
    const [first] = c.takeStartable(T0 + 1);
    expect(first?.next?.scheduleTime).toBe(T0 + 2);
    const d2 = c.decide(T0 + 2);
    expect(d2.start).toEqual([]);
    expect(d2.skipped.map((s) => [s.run.scheduleTime, s.reason])).toEqual([[T0 + 2, 'running']]);
    expect(c.decide(T0 + 3).skipped).toHaveLength(1);
    c.runFinished(first!.run.runId, ok(T0 + 3.5), T0 + 3.5);
    const [second] = c.takeStartable(T0 + 4);
    expect(second?.run.scheduleTime).toBe(T0 + 4);
    expect(c.skippedFires('a')).toBe(2);
  });

  it('skip inside a full concurrency group: the job is not running, so its fire waits for a slot', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { overlap: 'skip' }, { schedule: 'every:5', concurrencyGroups: ['g'] }), job('b', { concurrencyGroups: ['g'] })], { g: 1 }), T0);
    c.addTrigger({ jobName: 'b', scheduleTime: T0, triggerData: {} }, T0);
    const [b] = c.takeStartable(T0);
    const d = c.decide(T0 + 5);
    expect(d.start).toEqual([]);
    expect(d.skipped).toEqual([]);
    c.runFinished(b!.run.runId, ok(T0 + 6), T0 + 6);
    expect(c.takeStartable(T0 + 6).map((x) => [x.run.jobName, x.run.scheduleTime])).toEqual([['a', T0 + 5]]);
    expect(c.skippedFires('a')).toBe(0);
  });

  it('a trigger for a running skip job is refused, not accepted and dropped later', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { overlap: 'skip' }, { schedule: 'every:100' })]), T0);
    expect(c.triggerRefusal('a')).toBeNull();
    c.takeStartable(T0 + 100);
    expect(c.triggerRefusal('a')).toMatch(/running and its overlap policy is skip/);
  });

  it('replace asks once to end the running run, and the new run starts when it has ended', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { overlap: 'replace' }, { schedule: 'every:2', maxExecutionGrace: 7 })]), T0);
    const [first] = c.takeStartable(T0 + 2);
    const d = c.decide(T0 + 4);
    expect(d.replace).toEqual([{ run: expect.objectContaining({ scheduleTime: T0 + 4 }), runIds: [first!.run.runId], grace: 7 }]);
    expect(c.decide(T0 + 4.5).replace).toEqual([]);
    c.runFinished(first!.run.runId, { ...fail(T0 + 4.6, 143), endedBy: 'replaced' }, T0 + 4.6);
    expect(c.takeStartable(T0 + 4.6).map((x) => x.run.scheduleTime)).toEqual([T0 + 4]);
  });
});

describe('pause (§12.4)', () => {
  it('skips scheduled fires (not caught up on resume) and holds triggers until the resume', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:10' })]), T0);
    c.setPauses([{ jobName: 'a', pausedAt: T0, pausedBy: 'ops', reason: 'maintenance' }]);
    const d = c.decide(T0 + 10);
    expect(d.skipped.map((s) => s.reason)).toEqual(['paused']);
    const t = c.addTrigger({ jobName: 'a', scheduleTime: T0 + 11, triggerData: {} }, T0 + 11);
    expect(c.takeStartable(T0 + 12)).toEqual([]);
    expect(c.status().pending.find((p) => p.runId === t?.run.runId)?.paused).toBe(true);
    c.setPauses([]);
    expect(c.takeStartable(T0 + 13).map((x) => x.run.triggerType)).toEqual(['file']);
    expect(c.skippedFires('a')).toBe(1);
  });

  it('a pause of everything (*) holds every job', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:10' }), job('b', { schedule: 'every:10' })]), T0);
    c.setPauses([{ jobName: '*', pausedAt: T0, pausedBy: 'ops', reason: null }]);
    expect(c.decide(T0 + 10).skipped).toHaveLength(2);
    expect(c.status().paused).toEqual([{ job: '*', since: T0, by: 'ops', reason: null }]);
  });

  it('a retry that meets a pause waits for the resume', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { retry: RETRY })]), T0);
    c.addTrigger({ jobName: 'a', scheduleTime: T0, triggerData: {} }, T0);
    const [run] = c.takeStartable(T0);
    const out = c.runFinished(run!.run.runId, fail(T0 + 1), T0 + 1);
    expect(out.retry?.scheduleTime).toBe(T0 + 11);
    c.setPauses([{ jobName: 'a', pausedAt: T0 + 2, pausedBy: 'ops', reason: null }]);
    expect(c.takeStartable(T0 + 20)).toEqual([]);
    c.setPauses([]);
    expect(c.takeStartable(T0 + 21).map((x) => [x.run.triggerType, x.run.triggerData])).toEqual([['retry', { retry_of: run!.run.runId, previous_run: run!.run.runId, attempt: 1 }]]);
  });
});

describe('retry (§12.3)', () => {
  it('backs off, caps, and stops after the attempts with one final failure', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { retry: { ...RETRY, attempts: 3, delay: 10, backoff: 3, maxDelay: 50 } })]), T0);
    c.addTrigger({ jobName: 'a', scheduleTime: T0, triggerData: {} }, T0);
    let [run] = c.takeStartable(T0);
    const first = run!.run.runId;
    const times: number[] = [];
    let t = T0;
    for (let i = 0; i < 4; i++) {
      t += 1;
      const out = c.runFinished(run!.run.runId, fail(t), t);
      if (i === 3) {
        expect(out).toEqual({ followUps: [], retry: null, finalFailure: true });
        break;
      }
      expect(out.finalFailure).toBe(false);
      expect(out.retry?.triggerData).toEqual({ retry_of: first, previous_run: run!.run.runId, attempt: i + 1 });
      times.push(out.retry!.scheduleTime - t);
      t = out.retry!.scheduleTime;
      [run] = c.takeStartable(t);
    }
    expect(times).toEqual([10, 30, 50]);
  });

  it('retries only the listed exit codes, timeouts and lost runs as configured, never a cancelled run', () => {
    const policy: RetryPolicy = { ...RETRY, onExitCodes: [75], onTimeout: false, onLost: true };
    const cases: Array<[RunResult, boolean]> = [
      [fail(T0, 1), false],
      [fail(T0, 75), true],
      [fail(T0, 143, { timedOut: true }), false],
      [fail(T0, 255, { lost: true }), true],
      [fail(T0, 143, { endedBy: 'cancelled' }), false],
      [ok(T0), false],
    ];
    for (const [result, retried] of cases) {
      const c = core();
      c.reload(schedulingConfig([pjob('a', { retry: policy })]), T0);
      c.addTrigger({ jobName: 'a', scheduleTime: T0, triggerData: {} }, T0);
      const [run] = c.takeStartable(T0);
      expect(c.runFinished(run!.run.runId, result, T0).retry !== null).toBe(retried);
    }
  });

  it('jitter moves a delay by at most its fraction, the same way for the same run id', () => {
    const p: RetryPolicy = { ...RETRY, delay: 100, jitter: 0.1 };
    const ds = ['r1', 'r2', 'r3', 'r4', 'r5'].map((id) => retryDelay(p, 1, id));
    for (const d of ds) {
      expect(d).toBeGreaterThanOrEqual(90);
      expect(d).toBeLessThanOrEqual(110);
    }
    expect(new Set(ds).size).toBeGreaterThan(1);
    expect(retryDelay(p, 1, 'r1')).toBe(ds[0]);
  });

  it('a scheduled run due while a retry is pending does not cancel it', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('a', { retry: { ...RETRY, delay: 30 } }, { schedule: 'every:20' })]), T0);
    const [run] = c.takeStartable(T0 + 20);
    c.runFinished(run!.run.runId, fail(T0 + 21), T0 + 21);
    const s = c.takeStartable(T0 + 40);
    expect(s.map((x) => x.run.triggerType)).toEqual(['schedule']);
    c.runFinished(s[0]!.run.runId, ok(T0 + 41), T0 + 41);
    expect(c.takeStartable(T0 + 51).map((x) => x.run.triggerType)).toEqual(['retry']);
  });
});

describe('dependencies (§12.5)', () => {
  it('fan-in where one upstream fails then succeeds: one after run with both run ids, then waits for both again', () => {
    const c = core();
    c.reload(schedulingConfig([job('a'), job('b'), pjob('deploy', { after: ['a', 'b'] })]), T0);
    const run = (name: string, t: number, result: RunResult) => {
      c.addTrigger({ jobName: name, scheduleTime: t, triggerData: {} }, t);
      const [d] = c.takeStartable(t);
      return { id: d!.run.runId, out: c.runFinished(d!.run.runId, result, result.stopTime) };
    };
    expect(run('a', T0, fail(T0 + 1)).out.followUps).toEqual([]);
    expect(run('b', T0 + 2, ok(T0 + 3)).out.followUps).toEqual([]);
    const a2 = run('a', T0 + 4, ok(T0 + 5));
    const b1 = c.pendingRuns().length === 1 ? c.pendingRuns()[0] : undefined;
    expect(a2.out.followUps.map((f) => [f.jobName, f.triggerType])).toEqual([['deploy', 'after']]);
    expect(b1?.triggerData).toEqual({ after: { a: a2.id, b: expect.any(String) } });
    const [dep] = c.takeStartable(T0 + 5);
    expect(dep?.run.jobName).toBe('deploy');
    c.runFinished(dep!.run.runId, ok(T0 + 6), T0 + 6);
    // a succeeds again: b has no success since deploy's last after run started.
    expect(run('a', T0 + 7, ok(T0 + 8)).out.followUps).toEqual([]);
    expect(run('b', T0 + 9, ok(T0 + 10)).out.followUps.map((f) => f.jobName)).toEqual(['deploy']);
  });

  it('on_success and on_failure chain once; on_failure only after the retries are exhausted', () => {
    const c = core();
    c.reload(schedulingConfig([pjob('build', { onSuccess: ['smoke'], onFailure: ['logs'], retry: { ...RETRY, attempts: 1 } }), job('smoke'), job('logs')]), T0);
    c.addTrigger({ jobName: 'build', scheduleTime: T0, triggerData: {} }, T0);
    const [b] = c.takeStartable(T0);
    const first = c.runFinished(b!.run.runId, fail(T0 + 1), T0 + 1);
    expect(first.followUps.map((f) => f.triggerType)).toEqual(['retry']);
    const [r] = c.takeStartable(T0 + 11);
    const second = c.runFinished(r!.run.runId, fail(T0 + 12, 3), T0 + 12);
    expect(second.followUps.map((f) => [f.jobName, f.triggerType, f.triggerData])).toEqual([['logs', 'upstream', { upstream: { job: 'build', run_id: r!.run.runId, exit_code: 3 } }]]);
    expect(second.finalFailure).toBe(true);
  });
});
