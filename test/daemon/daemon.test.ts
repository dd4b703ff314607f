import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import { makeTempDir } from '../helpers/index.js';
import { FakeExecutor } from './fake-executor.js';
import { job, makeConfig, ManualClock, settle } from './fixtures.js';
import { MemoryStore } from './memory-store.js';
import { type Harness, type HarnessOptions, makeHarness, writeTriggerIn } from './harness.js';

const T0 = 1_699_998_300;

let tmp: { path: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir('dsari-daemon-unit-');
});
afterEach(() => tmp.cleanup());

function harness(jobs: JobConfig[], opts: HarnessOptions = {}): Harness {
  return makeHarness(tmp.path, jobs, opts);
}

function writeTrigger(jobName: string, content: string, name = 'trigger.json', mtime?: number): string {
  return writeTriggerIn(tmp.path, jobName, content, name, mtime);
}


describe('Daemon: scheduled runs', () => {
  it('logs each job\'s next scheduled run at start-up with debug on, and none at info level', async () => {
    const h = harness([job('a', { schedule: 'every:10' }), job('b', { schedule: 'every:20' })]);
    await h.daemon.start();
    expect(h.logText()).toMatch(/^DEBUG: \[a \S+\] Next scheduled run: .* \(0:00:10\)$/m);
    expect(h.logText()).toMatch(/^DEBUG: \[b \S+\] Next scheduled run: .* \(0:00:20\)$/m);
    const sink = new MemorySink();
    const quiet = harness([job('a', { schedule: 'every:10' })], { daemon: { log: new Logger({ sink, level: 'info' }) } });
    await quiet.daemon.start();
    expect(sink.lines).toContain('INFO: Scheduler running');
    expect(sink.lines.join('\n')).not.toContain('Next scheduled run');
  });

  it('logs "Scheduler running", starts a due run, records it with pid and hostname, then the finished run', async () => {
    const h = harness([job('a', { schedule: 'every:10' })]);
    await h.daemon.start();
    expect(h.logText()).toContain('INFO: Scheduler running');
    h.clock.advance(10);
    await settle();
    const [runId] = h.exec.started;
    expect(runId).toBeDefined();
    const row = h.store.running.get(runId!);
    expect(row).toMatchObject({ jobName: 'a', scheduleTime: T0 + 10, startTime: T0 + 10, triggerType: 'schedule', runData: { pid: 1000, hostname: 'testhost', process_start_time: 4242 } });
    expect(h.logText()).toContain(`INFO: [a ${runId}] Running PID 1000: /bin/true`);
    h.exec.returnData.set(join(tmp.path, 'runs', 'a', runId!), { data: { ok: 1 } });
    h.clock.advance(1.02);
    h.exec.run(runId!).end(0);
    await settle();
    expect(h.store.finished.get(runId!)).toMatchObject({ exitCode: 0, stopTime: T0 + 11.02, runData: { return_data: { ok: 1 } } });
    expect(h.store.running.size).toBe(0);
    expect(h.logText()).toContain(`INFO: [a ${runId}] Finished with status 0 in 0:00:01.020000`);
    expect(existsSync(join(tmp.path, 'runs', 'a', runId!))).toBe(true);
  });

  it('a command that does not exist is recorded with its status and a reason', async () => {
    const h = harness([job('a', { command: ['/no/such/thing'] })]);
    h.exec.missing.add('/no/such/thing');
    await h.daemon.start();
    writeTrigger('a', '{}');
    h.daemon.scanTriggers();
    await settle();
    const [rec] = h.store.finished.values();
    expect(rec).toMatchObject({ exitCode: 127, runData: { dsari_status: 'failed_to_start', dsari_reason: '/no/such/thing: command not found' } });
    expect(h.logText()).toMatch(/ERROR: \[a [^\]]+\] Cannot run \/no\/such\/thing: \/no\/such\/thing: command not found/);
  });

  it('a return_data file that cannot be used is logged and the run still recorded', async () => {
    const h = harness([job('a')]);
    await h.daemon.start();
    writeTrigger('a', '{}');
    h.daemon.scanTriggers();
    await settle();
    const [runId] = h.exec.started;
    h.exec.returnData.set(join(tmp.path, 'runs', 'a', runId!), { error: 'return_data.json: not valid JSON' });
    h.exec.run(runId!).end(3);
    await settle();
    expect(h.store.finished.get(runId!)?.exitCode).toBe(3);
    expect(h.store.finished.get(runId!)?.runData['return_data']).toBeUndefined();
    expect(h.logText()).toContain('return_data ignored: return_data.json: not valid JSON');
  });
});

describe('Daemon: triggers', () => {
  it('consumes a trigger into a run with the content as trigger_data and the mtime as schedule time', async () => {
    const h = harness([job('t')]);
    await h.daemon.start();
    const file = writeTrigger('t', '{"type":"git","environment":{"X":1}}', 'trigger.json', T0 - 5);
    h.daemon.scanTriggers();
    await settle();
    expect(existsSync(file)).toBe(false);
    const [runId] = h.exec.started;
    const row = h.store.running.get(runId!);
    expect(row).toMatchObject({ triggerType: 'file', scheduleTime: T0 - 5, triggerData: { type: 'git', environment: { X: '1' } } });
    expect(readdirSync(join(tmp.path, 'trigger', 't', 'pending'))).toEqual([]);
    expect(h.logText()).toMatch(/INFO: \[t [^\]]+\] Trigger detected, created run for/);
  });

  it('JSON wins over YAML; the YAML one is consumed next', async () => {
    const h = harness([job('t', { concurrentRuns: true })]);
    await h.daemon.start();
    writeTrigger('t', 'type: from-yaml\n', 'trigger.yaml');
    writeTrigger('t', '{"type":"from-json"}');
    h.daemon.scanTriggers();
    await settle();
    const types = [...h.store.running.values()].map((r) => r.triggerData['type']);
    expect(types).toEqual(['from-json', 'from-yaml']);
  });

  it.each([
    ['a list', '[1, 2]', /the trigger must be a mapping, not a list/],
    ['environment: 5', '{"environment": 5}', /environment must be a mapping, not number 5/],
    ['a bad time', '{"schedule_time": "yesterday-ish"}', /schedule_time: time "yesterday-ish" does not parse/],
    ['a syntax error', '{"a": ', /not valid JSON/],
    ['an identity override', '{"environment": {"RUN_ID": "x"}}', /environment may not set RUN_ID/],
  ])('rejects %s: moved to rejected/ with the reason beside it, logged with job and reason', async (_w, content, reason) => {
    const h = harness([job('t')]);
    await h.daemon.start();
    writeTrigger('t', content);
    h.daemon.scanTriggers();
    await settle();
    expect(h.exec.started).toEqual([]);
    const rejected = readdirSync(join(tmp.path, 'trigger', 't', 'rejected')).sort();
    expect(rejected).toHaveLength(2);
    const reasonFile = rejected.find((f) => f.endsWith('.reason'))!;
    expect(readFileSync(join(tmp.path, 'trigger', 't', 'rejected', reasonFile), 'utf8')).toMatch(reason);
    expect(readFileSync(join(tmp.path, 'trigger', 't', 'rejected', reasonFile.replace(/\.reason$/, '')), 'utf8')).toBe(content);
    expect(h.logText()).toMatch(new RegExp(`ERROR: \\[t\\] Cannot load trigger: ${reason.source}`));
  });

  it('rejects a trigger for an unknown job with a clear reason', async () => {
    const h = harness([job('t')]);
    await h.daemon.start();
    writeTrigger('nope', '{}');
    h.daemon.scanTriggers();
    await settle();
    expect(h.logText()).toContain('ERROR: [nope] Cannot load trigger: no job named "nope" in the configuration');
  });

  it('a future trigger is kept in pending/ and survives a restart', async () => {
    const h = harness([job('t')]);
    await h.daemon.start();
    writeTrigger('t', `{"schedule_time": ${T0 + 100}, "description": "later"}`);
    h.daemon.scanTriggers();
    await settle();
    expect(readdirSync(join(tmp.path, 'trigger', 't', 'pending'))).toHaveLength(1);
    await h.daemon.shutdown('SIGTERM');
    expect(h.logText()).toMatch(/Triggered run not started; its trigger is kept for the next start/);
    const h2 = harness([job('t')], { clock: h.clock });
    await h2.daemon.start();
    expect(h2.logText()).toMatch(/Trigger restored from before the restart, created run for/);
    h2.clock.advance(99);
    await settle();
    expect(h2.exec.started).toEqual([]);
    h2.clock.advance(1);
    await settle();
    expect(h2.exec.started).toHaveLength(1);
    const [row] = h2.store.running.values();
    expect(row?.triggerData).toEqual({ schedule_time: T0 + 100, description: 'later' });
    expect(readdirSync(join(tmp.path, 'trigger', 't', 'pending'))).toEqual([]);
  });

  it('a trigger replaces the pending scheduled run and the job keeps its schedule afterwards', async () => {
    const h = harness([job('a', { schedule: 'every:100' })]);
    await h.daemon.start();
    writeTrigger('a', '{}', 'trigger.json', T0);
    h.daemon.scanTriggers();
    await settle();
    expect(h.logText()).toMatch(/Trigger detected, created run for .*, replacing /);
    const [first] = h.exec.started;
    h.exec.run(first!).end(0);
    await settle();
    h.clock.advance(100);
    await settle();
    expect(h.exec.started).toHaveLength(2);
    expect(h.store.running.get(h.exec.started[1]!)?.triggerType).toBe('schedule');
  });
});

describe('Daemon: signals', () => {
  it('SIGHUP with a good config recomputes pending runs; a bad one is rejected and the old one keeps running', async () => {
    const h = harness([job('a', { schedule: 'every:10' })]);
    await h.daemon.start();
    h.setConfig(new ConfigError('dsari.yaml: job "a": schedule: bad', { file: 'dsari.yaml', job: 'a', key: 'schedule' }));
    expect(h.daemon.reload()).toBe(false);
    expect(h.logText()).toContain('ERROR: Reload failed, still running the previous configuration: dsari.yaml: job "a": schedule: bad');
    h.clock.advance(10);
    await settle();
    expect(h.exec.started).toHaveLength(1);
    h.setConfig(makeConfig(tmp.path, [job('a', { schedule: 'every:10' }), job('b', { schedule: 'every:15' })]));
    expect(h.daemon.reload()).toBe(true);
    expect(h.logText()).toContain('INFO: Configuration reloaded: 2 job(s)');
    h.clock.advance(5);
    await settle();
    expect(h.exec.started).toHaveLength(2);
  });

  it('SIGTERM without shutdown_kill_runs waits for running runs and records them', async () => {
    const h = harness([job('a', { schedule: 'every:10' })]);
    await h.daemon.start();
    h.clock.advance(10);
    await settle();
    const stopped = h.daemon.shutdown('SIGTERM');
    expect(h.logText()).toContain('INFO: Shutdown will proceed after runs have completed');
    h.clock.advance(30);
    await settle();
    expect(h.exec.started).toHaveLength(1);
    h.exec.run(h.exec.started[0]!).end(0);
    await stopped;
    expect(h.store.finished.size).toBe(1);
    expect(h.store.closed).toBe(true);
    expect(h.logText()).toContain('INFO: Shutdown complete');
  });

  it('SIGTERM with shutdown_kill_runs terminates runs with the configured grace', async () => {
    const h = harness([job('a', { schedule: 'every:10' })], { over: { shutdownKillRuns: true, shutdownKillGrace: 3 } });
    await h.daemon.start();
    h.clock.advance(10);
    await settle();
    void h.daemon.shutdown('SIGTERM');
    const run = h.exec.run(h.exec.started[0]!);
    expect(run.terminated).toEqual([3]);
    expect(h.logText()).toMatch(/Shutdown requested, sending SIGTERM to PID 1000/);
    run.end(143, { signal: 'SIGTERM' });
    await h.daemon.done;
    expect(h.store.finished.get(run.spec.runId)?.exitCode).toBe(143);
  });

  it('SIGQUIT logs running runs, group use and pending runs', async () => {
    const h = harness([job('a', { schedule: 'every:10', concurrencyGroups: ['g'] }), job('b', { schedule: 'every:30' })], { groups: { g: 2 } });
    await h.daemon.start();
    h.clock.advance(10);
    await settle();
    h.daemon.logStatus();
    const text = h.logText();
    expect(text).toMatch(/\[a [^\]]+\] PID 1000 running since .* \(0:00:00\)/);
    expect(text).toMatch(/\[a [^\]]+\] Concurrency group: g \(1 out of 2\)/);
    expect(text).toMatch(/\[b [^\]]+\] Next run \(schedule\): .* \(0:00:20\)/);
  });
});

describe('Daemon: crashes (SPEC §5.6)', () => {
  it('adopts a live leftover, records a gone one with its left status, and one without as lost', async () => {
    const store = new MemoryStore();
    const base = { scheduleTime: T0 - 60, startTime: T0 - 60, triggerType: 'schedule', triggerData: {} };
    await store.insertRunning({ ...base, jobName: 'a', runId: 'alive', runData: { pid: 77, process_start_time: 5, concurrency_group: 'g' } });
    await store.insertRunning({ ...base, jobName: 'a', runId: 'ended', runData: { pid: 78, process_start_time: 5 } });
    await store.insertRunning({ ...base, jobName: 'a', runId: 'gone', runData: { pid: 79, process_start_time: 5 } });
    const clock = new ManualClock(T0);
    const exec = new FakeExecutor(clock);
    exec.alive.add(77);
    exec.exitStatus.set(join(tmp.path, 'runs', 'a', 'ended'), { exitCode: 4, stopTime: T0 - 30 });
    const h = harness([job('a', { concurrencyGroups: ['g'] }), job('b', { concurrencyGroups: ['g'] })], { store, clock, exec });
    await h.daemon.start();
    await settle();
    expect(store.finished.get('ended')).toMatchObject({ exitCode: 4, stopTime: T0 - 30, runData: { dsari_status: 'recovered' } });
    expect(store.finished.get('gone')).toMatchObject({ exitCode: 255, stopTime: T0, runData: { dsari_status: 'lost', dsari_reason: expect.stringContaining('process 79') } });
    expect(h.logText()).toMatch(/\[a alive\] Adopted PID 77/);
    // The adopted run still holds the group's only slot.
    writeTrigger('b', '{}');
    h.daemon.scanTriggers();
    await settle();
    expect(exec.started).toEqual([]);
    exec.run('alive').end(0);
    await settle();
    expect(store.finished.get('alive')).toMatchObject({ exitCode: 0, runData: { adopted: true } });
    expect(exec.started).toHaveLength(1);
  });
});

describe('Daemon: crash between start and trigger removal', () => {
  it('a kept trigger whose run was already started is not run again', async () => {
    const store = new MemoryStore();
    await store.insertRunning({ jobName: 't', runId: 'kept-1', scheduleTime: T0 - 9, startTime: T0 - 9, triggerType: 'file', triggerData: {}, runData: { pid: 99, process_start_time: 1 } });
    mkdirSync(join(tmp.path, 'trigger', 't', 'pending'), { recursive: true });
    writeFileSync(join(tmp.path, 'trigger', 't', 'pending', 'kept-1.json'), '{}');
    const h = harness([job('t')], { store });
    await h.daemon.start();
    await settle();
    expect(store.finished.get('kept-1')?.exitCode).toBe(255);
    expect(h.exec.started).toEqual([]);
    expect(existsSync(join(tmp.path, 'trigger', 't', 'pending', 'kept-1.json'))).toBe(false);
  });
});

describe('Daemon: database trouble', () => {
  it('keeps a finished run it cannot write, retries, and writes it when the database is back', async () => {
    const h = harness([job('t')]);
    await h.daemon.start();
    writeTrigger('t', '{}');
    h.daemon.scanTriggers();
    await settle();
    h.store.failWrites = 'database is locked';
    h.exec.run(h.exec.started[0]!).end(0);
    await settle();
    expect(h.store.finished.size).toBe(0);
    expect(h.logText()).toMatch(/Cannot record the finished run: database is locked/);
    h.store.failWrites = null;
    h.clock.advance(1);
    await settle();
    expect(h.store.finished.size).toBe(1);
  });

  it('at shutdown, runs that still cannot be written go to a journal the next start replays', async () => {
    const h = harness([job('t')]);
    await h.daemon.start();
    writeTrigger('t', '{}');
    h.daemon.scanTriggers();
    await settle();
    h.store.failWrites = 'database is locked';
    h.exec.run(h.exec.started[0]!).end(0);
    await settle();
    const stopped = h.daemon.shutdown('SIGTERM');
    for (let i = 0; i < 30; i++) {
      h.clock.advance(1);
      await settle();
    }
    await stopped;
    expect(readFileSync(join(tmp.path, 'unrecorded-runs.jsonl'), 'utf8')).toContain('"jobName":"t"');
    const store2 = new MemoryStore();
    const h2 = harness([job('t')], { store: store2 });
    await h2.daemon.start();
    expect(store2.finished.size).toBe(1);
    expect(existsSync(join(tmp.path, 'unrecorded-runs.jsonl'))).toBe(false);
  });
});
