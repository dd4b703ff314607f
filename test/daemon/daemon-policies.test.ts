/**
 * The daemon carrying out the policies (SPEC-BEYOND §12) on a manual clock: what is written to
 * the store and when, what a restart restores, what the runs' environments get.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATCHUP_WINDOW } from '../../src/config/policies.js';
import type { JobConfig, JobPolicies } from '../../src/config/types.js';
import type { LaunchSpec } from '../../src/daemon/ports.js';
import { makeTempDir } from '../helpers/index.js';
import { job, settle } from './fixtures.js';
import { makeHarness, T0, writeTriggerIn, type HarnessOptions } from './harness.js';
import { MemoryStore } from './memory-store.js';

let tmp: { path: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir('dsari-daemon-policies-');
});
afterEach(() => tmp.cleanup());

const NONE: JobPolicies = { catchup: 'none', catchupWindow: DEFAULT_CATCHUP_WINDOW, overlap: 'queue', retry: null, after: [], onSuccess: [], onFailure: [] };
function pjob(name: string, policies: Partial<JobPolicies>, over: Partial<JobConfig> = {}): JobConfig {
  const p = { ...NONE, ...policies };
  return job(name, { ...over, concurrentRuns: p.overlap === 'allow', policies: p });
}
const harness = (jobs: JobConfig[], opts: HarnessOptions = {}) => makeHarness(tmp.path, jobs, { ...opts, daemon: { pausePollMs: 1000, ...opts.daemon } });
const trigger = (jobName: string, name = 'trigger.json') => writeTriggerIn(tmp.path, jobName, '{}', name);
const RETRY = { attempts: 2, delay: 30, backoff: 2, maxDelay: 3600, jitter: 0, onExitCodes: null, onTimeout: true, onLost: true };

describe('Daemon: retries', () => {
  it('keeps a retry with the failed record, restores it after a restart and runs it at its time', async () => {
    const store = new MemoryStore();
    const h = harness([pjob('a', { retry: RETRY })], { store });
    await h.daemon.start();
    trigger('a');
    h.daemon.scanTriggers();
    await settle();
    const [first] = h.exec.started;
    expect((h.exec.run(first!).spec as LaunchSpec).policyEnvironment).toEqual({ RETRY_ATTEMPT: '0', RETRY_OF: '' });
    h.clock.advance(2);
    h.exec.run(first!).end(1);
    await settle();
    const failed = store.finished.get(first!);
    const [pending] = store.pending.values();
    expect(pending).toMatchObject({ jobName: 'a', triggerType: 'retry', scheduleTime: T0 + 32, triggerData: { retry_of: first, previous_run: first, attempt: 1 } });
    expect(failed?.runData['dsari_retry']).toEqual({ run_id: pending!.runId, schedule_time: T0 + 32, attempt: 1 });
    // The daemon dies (nothing of it is kept) and a new one starts on the same store.
    const h2 = harness([pjob('a', { retry: RETRY })], { store, clock: h.clock });
    await h2.daemon.start();
    expect(h2.logText()).toContain(`Pending retry run restored from before the restart`);
    h2.clock.advance(29.5);
    await settle();
    expect(h2.exec.started).toEqual([]);
    h2.clock.advance(1);
    await settle();
    expect(h2.exec.started).toEqual([pending!.runId]);
    expect((h2.exec.run(pending!.runId).spec as LaunchSpec).policyEnvironment).toEqual({ RETRY_ATTEMPT: '1', RETRY_OF: first });
    expect(store.pending.size).toBe(0);
    expect(store.running.get(pending!.runId)?.triggerType).toBe('retry');
  });
});

describe('Daemon: lost runs (on_lost)', () => {
  it('a run lost in a crash is retried with on_lost, and the retry is kept with its record', async () => {
    const store = new MemoryStore();
    const base = { scheduleTime: T0 - 60, startTime: T0 - 60, triggerType: 'schedule', triggerData: {} };
    await store.insertRunning({ ...base, jobName: 'a', runId: 'gone', runData: { pid: 79, process_start_time: 5 } });
    await store.insertRunning({ ...base, jobName: 'b', runId: 'gone-too', runData: { pid: 80, process_start_time: 5 } });
    const h = harness([pjob('a', { retry: { ...RETRY, onLost: true } }), pjob('b', { retry: { ...RETRY, onLost: false } })], { store });
    await h.daemon.start();
    await settle();
    expect(store.finished.get('gone')?.runData).toMatchObject({ dsari_status: 'lost', dsari_retry: { attempt: 1, schedule_time: T0 + 30 } });
    expect(store.finished.get('gone-too')?.runData['dsari_retry']).toBeUndefined();
    expect([...store.pending.values()].map((p) => [p.jobName, p.triggerType, p.triggerData])).toEqual([['a', 'retry', { retry_of: 'gone', previous_run: 'gone', attempt: 1 }]]);
  });
});

describe('Daemon: pause and resume', () => {
  it('sees a pause written by another process, holds a trigger, and runs it after the resume', async () => {
    const h = harness([job('a', { schedule: 'every:10' })]);
    await h.daemon.start();
    await h.store.addPause({ jobName: 'a', pausedAt: T0, pausedBy: 'alice', reason: 'disk swap' });
    h.clock.advance(1);
    await settle();
    expect(h.logText()).toContain('INFO: [a] Job paused by alice: disk swap');
    h.clock.advance(10);
    await settle();
    expect(h.logText()).toMatch(/Scheduled run for .* skipped: the job is paused/);
    trigger('a');
    h.daemon.scanTriggers();
    h.clock.advance(10);
    await settle();
    expect(h.exec.started).toEqual([]);
    const { changed } = await h.daemon.resume('a', 'bob');
    expect(changed).toBe(true);
    await settle();
    expect(h.exec.started).toHaveLength(1);
    expect(h.store.running.get(h.exec.started[0]!)?.triggerType).toBe('file');
    expect(h.logText()).toContain('INFO: [a] Job resumed');
  });

  it('pause of an unknown job is an error; pausing twice says so calmly', async () => {
    const h = harness([job('a')]);
    await h.daemon.start();
    await expect(h.daemon.pause('nope', 'me', null)).rejects.toThrow('no job named "nope"');
    expect(await h.daemon.pause('a', 'me', null)).toEqual({ changed: true });
    expect(await h.daemon.pause('a', 'me', null)).toEqual({ changed: false });
    expect(await h.daemon.pause(null, 'me', 'all')).toEqual({ changed: true });
    expect([...h.store.pauses.keys()].sort()).toEqual(['*', 'a']);
  });
});

describe('Daemon: overlap', () => {
  it('replace ends the running run with the job grace, records it as replaced and starts the new one', async () => {
    const h = harness([pjob('a', { overlap: 'replace' }, { schedule: 'every:10', maxExecutionGrace: 4 })]);
    await h.daemon.start();
    h.clock.advance(10);
    await settle();
    const [first] = h.exec.started;
    h.clock.advance(10);
    await settle();
    expect(h.exec.run(first!).terminated).toEqual([4]);
    h.exec.run(first!).end(143);
    await settle();
    expect(h.store.finished.get(first!)?.runData['dsari_status']).toBe('replaced');
    expect(h.exec.started).toHaveLength(2);
  });

  it('skip logs each dropped fire', async () => {
    const h = harness([pjob('a', { overlap: 'skip' }, { schedule: 'every:10' })]);
    await h.daemon.start();
    h.clock.advance(10);
    await settle();
    h.clock.advance(20);
    await settle();
    expect(h.exec.started).toHaveLength(1);
    expect(h.logText().match(/skipped: the job is still running \(overlap: skip\)/g)).toHaveLength(2);
  });
});

describe('Daemon: cancel', () => {
  it('a running run is ended and recorded as cancelled (no retry); a pending trigger is dropped with its file', async () => {
    const h = harness([pjob('a', { retry: RETRY }), job('b', { schedule: 'every:3600' })]);
    await h.daemon.start();
    trigger('a');
    h.daemon.scanTriggers();
    await settle();
    const [run] = h.exec.started;
    expect(await h.daemon.cancelRun(run!, 'alice')).toBe('cancelled');
    expect(h.exec.run(run!).terminated).toEqual([60]);
    h.exec.run(run!).end(143);
    await settle();
    expect(h.store.finished.get(run!)?.runData['dsari_status']).toBe('cancelled');
    expect(h.store.pending.size).toBe(0);
    expect(await h.daemon.cancelRun(run!, 'alice')).toBe('ended');
    expect(await h.daemon.cancelRun('no-such-run', 'alice')).toBe('unknown');
    // A trigger for the future waits; cancelling it removes its kept file.
    const file = writeTriggerIn(tmp.path, 'b', '{"schedule_time": 1999999999}');
    h.daemon.scanTriggers();
    await settle();
    const pendingId = h.daemon.schedulerStatus().pending.find((p) => p.triggerType === 'file')?.runId;
    expect(pendingId).toBeDefined();
    expect(await h.daemon.cancelRun(pendingId!, 'alice')).toBe('dropped');
    expect(existsSync(file)).toBe(false);
    // The job keeps its schedule: the trigger had taken over its next scheduled run.
    expect(h.daemon.schedulerStatus().pending.map((p) => p.triggerType)).toEqual(['schedule']);
  });
});

describe('Daemon: catch-up and dependencies', () => {
  it('catchup: all runs each fire missed since the last scheduled run on record, marked dsari_catchup', async () => {
    const store = new MemoryStore();
    await store.finishRun({ jobName: 'a', runId: 'old', scheduleTime: T0 - 30, startTime: T0 - 30, stopTime: T0 - 29, exitCode: 0, triggerType: 'schedule', triggerData: {}, runData: {} });
    const h = harness([pjob('a', { catchup: 'all' }, { schedule: 'every:10' })], { store });
    await h.daemon.start();
    await settle();
    for (let i = 0; i < 3; i++) {
      const id = h.exec.started[i];
      expect(id).toBeDefined();
      expect(store.running.get(id!)).toMatchObject({ scheduleTime: T0 - 20 + 10 * i, triggerType: 'schedule', runData: { dsari_catchup: true } });
      h.exec.run(id!).end(0);
      await settle();
    }
    expect(h.exec.started).toHaveLength(3);
  });

  it('after: a run once both upstream jobs have succeeded, with UPSTREAM_RUN_IDS', async () => {
    const h = harness([job('a'), job('b'), pjob('deploy', { after: ['a', 'b'] })]);
    await h.daemon.start();
    trigger('a');
    trigger('b');
    h.daemon.scanTriggers();
    await settle();
    const [a, b] = h.exec.started;
    h.exec.run(a!).end(0);
    await settle();
    expect(h.exec.started).toHaveLength(2);
    h.exec.run(b!).end(0);
    await settle();
    const deploy = h.exec.started[2];
    const spec = h.exec.run(deploy!).spec as LaunchSpec;
    expect(spec.job.name).toBe('deploy');
    expect(spec.policyEnvironment?.['UPSTREAM_RUN_IDS']?.split(' ').sort()).toEqual([`a=${a}`, `b=${b}`].sort());
    expect(h.store.running.get(deploy!)).toMatchObject({ triggerType: 'after' });
  });
});
