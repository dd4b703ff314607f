/**
 * Clock faults through the SCHEDULER (the Daemon with its real schedule engine, a manual clock,
 * a fake executor and an in-memory store): daylight-saving changes in several zones, wall-clock
 * steps back and forward, a long suspend. Time moves only when the test moves it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobConfig } from '../../src/config/types.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { scheduleLookup } from '../../src/daemon/index.js';
import { Logger, MemorySink } from '../../src/log.js';
import { isValidZone, parseDateTime } from '../../src/schedule/time.js';
import { startRun } from '../../src/executor/spawn.js';
import type { RunEvent } from '../../src/executor/types.js';
import { makeTempDir } from '../helpers/index.js';
import { leftoverProcesses, prepareRun, track, waitForOutput } from '../executor/support.js';
import { FakeExecutor } from '../daemon/fake-executor.js';
import { counterIds, job, makeConfig, ManualClock, settle } from '../daemon/fixtures.js';
import { MemoryStore } from '../daemon/memory-store.js';

let tmp: { path: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir('dsari-clock-');
});
afterEach(() => tmp.cleanup());

interface Harness {
  daemon: Daemon;
  clock: ManualClock;
  exec: FakeExecutor;
  sink: MemorySink;
  /** Schedule times of the runs started so far, in start order. */
  started(): number[];
}

async function harness(jobs: JobConfig[], start: number): Promise<Harness> {
  const clock = new ManualClock(start);
  const exec = new FakeExecutor(clock);
  const sink = new MemorySink();
  const config = makeConfig(tmp.path, jobs);
  const daemon = new Daemon({
    config,
    loadConfig: () => config,
    store: new MemoryStore(),
    executor: exec,
    clock,
    log: new Logger({ sink, level: 'debug' }),
    nextFireTime: scheduleLookup(),
    time: { localZone: () => 'UTC', isValidZone, parseDateTime },
    newRunId: counterIds(`c${Math.floor(Math.random() * 1e6)}`),
    random: () => 0,
    hostname: 'testhost',
    triggers: { notify: false, settleMs: 0 },
  });
  await daemon.start();
  await settle();
  return {
    daemon,
    clock,
    exec,
    sink,
    started: () => exec.started.map((id) => (exec.run(id).spec as { scheduleTime: number }).scheduleTime),
  };
}

/** Moves the clock in steps, ending every run one second after it started. */
async function runFor(h: Harness, seconds: number, step = 60): Promise<void> {
  const ended = new Set<string>();
  for (let t = 0; t < seconds; t += step) {
    h.clock.advance(Math.min(step, seconds - t));
    await settle();
    for (const id of h.exec.started) {
      if (!ended.has(id)) {
        ended.add(id);
        h.exec.run(id).end(0);
      }
    }
    await settle();
  }
}

async function stop(h: Harness): Promise<void> {
  const done = h.daemon.shutdown('SIGTERM');
  await settle();
  for (const [, r] of h.exec.runs) r.end(0);
  await done;
}

/** Scheduled times carry the job's hashed second offset (SPEC §4): compared to the minute. */
const T0_EXEC = 1_700_000_000;
const iso = (t: number): string => new Date(Math.floor(t / 60) * 60_000).toISOString();
const at = (s: string): number => Date.parse(s) / 1000;

describe('clock: daylight-saving changes through the scheduler', () => {
  const gaps: Array<[string, string, string, string, string]> = [
    // zone, schedule, daemon start (UTC), expected fire times (UTC ISO) over three days
    ['America/New_York', '30 2 * * *', '2024-03-09T00:00:00Z', '2024-03-09T07:30:00.000Z 2024-03-10T07:00:00.000Z 2024-03-11T06:30:00.000Z', 'spring gap'],
    ['Europe/London', '30 1 * * *', '2024-03-30T00:00:00Z', '2024-03-30T01:30:00.000Z 2024-03-31T01:00:00.000Z 2024-04-01T00:30:00.000Z', 'spring gap'],
    ['Australia/Sydney', '30 2 * * *', '2024-10-04T12:00:00Z', '2024-10-04T16:30:00.000Z 2024-10-05T16:00:00.000Z 2024-10-06T15:30:00.000Z', 'spring gap'],
    ['America/New_York', '30 1 * * *', '2024-11-02T00:00:00Z', '2024-11-02T05:30:00.000Z 2024-11-03T05:30:00.000Z 2024-11-04T06:30:00.000Z', 'autumn repeat'],
    ['Europe/Berlin', '30 2 * * *', '2024-10-26T00:00:00Z', '2024-10-26T00:30:00.000Z 2024-10-27T00:30:00.000Z 2024-10-28T01:30:00.000Z', 'autumn repeat'],
    ['Australia/Lord_Howe', '15 2 * * *', '2021-10-01T12:00:00Z', '2021-10-01T15:45:00.000Z 2021-10-02T15:30:00.000Z 2021-10-03T15:15:00.000Z', 'spring gap (30 min)'],
  ];
  for (const [zone, schedule, start, expected, what] of gaps) {
    it(`${what} in ${zone} (${schedule}): exactly one run per day, none repeated`, async () => {
      const h = await harness([job('d', { schedule, scheduleTimezone: zone })], at(start));
      await runFor(h, 3 * 86400, 300);
      expect(h.started().map(iso).join(' ')).toBe(expected);
      await stop(h);
    });
  }

  it('an every-20-minutes job over the autumn repeat in Los Angeles runs at a steady real-time pace (the repeated hour runs, nothing twice)', async () => {
    const h = await harness([job('m', { schedule: '*/20 * * * *', scheduleTimezone: 'America/Los_Angeles' })], at('2021-11-07T07:00:00Z'));
    await runFor(h, 4 * 3600, 60);
    const times = h.started();
    expect(new Set(times).size).toBe(times.length);
    expect(times).toHaveLength(12);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1200);
    await stop(h);
  });
});

describe('clock: wall-clock steps and suspends', () => {
  const T = at('2024-05-01T12:00:30Z');

  it('a step back of one hour repeats no scheduled time', async () => {
    const h = await harness([job('a', { schedule: '*/10 * * * *' }), job('h', { schedule: '0 * * * *' })], T);
    await runFor(h, 2 * 3600);
    const before = h.started().length;
    expect(before).toBe(12 + 2);
    h.clock.jumpWall(-3600);
    await runFor(h, 2 * 3600);
    const times = h.started();
    const dup = times.filter((t, i) => times.indexOf(t) !== i).map(iso);
    expect(dup).toEqual([]);
    // …and the jobs go on once the clock is past the times they already ran at.
    expect(times.length - before).toBeGreaterThanOrEqual(6);
    expect(h.sink.lines.join('\n')).toMatch(/The wall clock went back by 1:00:00/);
    await stop(h);
  });

  it('a step back of two days (a badly wrong clock corrected) computes runs from the corrected time', async () => {
    const h = await harness([job('a', { schedule: '*/10 * * * *' })], T);
    await runFor(h, 1800);
    const n = h.exec.started.length;
    h.clock.jumpWall(-2 * 86400);
    await runFor(h, 1800);
    // Not held back for two days: it runs every 10 minutes of the corrected clock.
    expect(h.exec.started.length - n).toBeGreaterThanOrEqual(2);
    await stop(h);
  });

  it('a step forward of one hour starts each due job once, not a burst', async () => {
    const h = await harness([job('a', { schedule: '* * * * *' }), job('b', { schedule: '*/5 * * * *' }), job('c', { schedule: '0 0 1 1 *' })], T);
    await runFor(h, 120);
    const n = h.exec.started.length;
    h.clock.jumpWall(3600);
    h.clock.advance(60); // the daemon sleeps at most 60 s, so it looks within a minute
    await settle();
    const burst = h.exec.started.slice(n).map((id) => h.exec.run(id).spec.job?.name);
    expect(burst.sort()).toEqual(['a', 'b']);
    expect(h.sink.lines.join('\n')).toMatch(/The wall clock jumped forward by 1:0\d:\d\d/);
    await stop(h);
  });

  it('a suspend of three days gives one run per job, not a backlog', async () => {
    const h = await harness([job('a', { schedule: '* * * * *' }), job('d', { schedule: '0 3 * * *' })], T);
    await runFor(h, 120);
    const n = h.exec.started.length;
    h.clock.jumpWall(3 * 86400); // the machine slept: the wall clock moved, the monotonic one did not
    h.clock.advance(60);
    await settle();
    expect(h.exec.started.slice(n).map((id) => h.exec.run(id).spec.job?.name).sort()).toEqual(['a', 'd']);
    // …and afterwards the pace is normal again: one run a minute for a.
    for (const id of h.exec.started) h.exec.run(id).end(0);
    await settle();
    const m = h.exec.started.length;
    await runFor(h, 600);
    const a = h.exec.started.slice(m).filter((id) => h.exec.run(id).spec.job?.name === 'a');
    expect(a.length).toBeGreaterThanOrEqual(9);
    expect(a.length).toBeLessThanOrEqual(11);
    await stop(h);
  });
});

describe('clock: max_execution and its grace run on the monotonic clock', () => {
  it('a wall-clock jump forward or back neither fires nor delays SIGTERM/SIGKILL', async () => {
    const clock = new ManualClock(T0_EXEC);
    const { runDir, env } = prepareRun(tmp.path, 'r-mono');
    const events: RunEvent[] = [];
    const handle = startRun({ argv: ['/bin/sh', '-c', 'trap "" TERM; echo started; while :; do sleep 1; done'], env, runDir, clock, maxExecution: 600, maxExecutionGrace: 60, onEvent: (e) => events.push(e) });
    track(handle.pid);
    try {
      await waitForOutput(runDir, 'started');
      clock.jumpWall(7200); // two hours forward: nothing due yet
      clock.advance(1);
      expect(events).toEqual([]);
      clock.jumpWall(-86_400); // a day back: not delayed either
      clock.advance(598.999);
      expect(events).toEqual([]);
      clock.advance(0.001);
      expect(events).toEqual([{ type: 'max-execution-term', pid: handle.pid, maxExecution: 600 }]);
      clock.jumpWall(3600);
      clock.advance(59.999);
      expect(events).toHaveLength(1);
      clock.advance(0.001);
      expect(events[1]).toEqual({ type: 'max-execution-kill', pid: handle.pid, grace: 60 });
      expect(await handle.exited).toMatchObject({ exitCode: 137, timedOut: true });
    } finally {
      expect(leftoverProcesses()).toEqual([]);
    }
  });
});
