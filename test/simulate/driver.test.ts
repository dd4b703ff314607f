/**
 * The simulator on the daemon's core: with fixed durations, the starts, waits and skipped fires
 * it reports are the ones worked out by hand here; the event bound and the window checks stop
 * it with a message; one seed gives one result; history comes from a real SQLite store, which
 * the simulation leaves untouched.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../../src/log.js';
import { checkWindow, EventKind, parseDurationSpec, simulate, SimulationError, type SimulationResult } from '../../src/simulate/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { everyN, job, schedulingConfig } from '../daemon/fixtures.js';
import { makeTempDir } from '../helpers/index.js';

const T0 = 1_800_000_000; // a multiple of 60: minute boundaries fall on T0 + 60k

/** Every start as [job, schedule offset, start offset] relative to T0. */
function starts(r: SimulationResult): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  const tl = r.timeline;
  for (let e = 0; e < tl.eventCount; e++) {
    if (tl.eventKind.get(e) !== EventKind.start) continue;
    const i = tl.eventRef.get(e);
    out.push([r.jobs[tl.runJob.get(i)]?.name ?? '?', tl.runSchedule.get(i) - T0, tl.runStart.get(i) - T0]);
  }
  return out;
}

/** Fires at every multiple of n seconds (the core tests' schedule double). */
const every = (n: number) => ({ schedule: `every:${n}` });
const base = { store: null, zone: 'UTC', hostZone: 'UTC', nextFireTime: everyN } as const;

describe('simulate on the scheduler core', () => {
  it('queues runs for a full group in schedule order and counts the wait', async () => {
    // Both every minute, 40 s long, one slot.
    const config = schedulingConfig([job('a', { ...every(60), concurrencyGroups: ['g'] }), job('b', { ...every(60), concurrencyGroups: ['g'] })], { g: 1 });
    const r = await simulate({ config, ...base, from: T0 - 1, until: T0 + 150, durations: parseDurationSpec(['40']) });
    expect(starts(r)).toEqual([
      ['a', 0, 0],
      ['b', 0, 40],
      // a's next run (created at its start, for T0+60) waits for b until 80; b's next is T0+60 too.
      ['a', 60, 80],
      ['b', 60, 120],
      // a's run started at 80 scheduled T0+120 next; it waits until b ends at 160 > until: not started.
    ]);
    const [a, b] = r.summary.jobs;
    expect(a).toMatchObject({ name: 'a', runs: 2, queued: 2, skipped: 0, longestWait: 30, longestWaitFor: 'group', waitingAtEnd: 1 });
    expect(b).toMatchObject({ name: 'b', runs: 2, queued: 2, longestWait: 60, longestWaitFor: 'group' });
    expect(r.summary.groups[0]).toMatchObject({ name: 'g', max: 1, peak: 1, timeFull: 150, longestQueue: 1 });
    // Runs running at the end of the window finish (b's second run ends at 160).
    expect(r.timeline.eventTime.get(r.timeline.eventCount - 1) - T0).toBe(160);
  });

  it('counts the fire times passed over while a run waited for its previous run', async () => {
    const config = schedulingConfig([job('slow', every(1))]);
    const r = await simulate({ config, ...base, from: T0 - 0.5, until: T0 + 10, durations: parseDurationSpec(['3.5']) });
    // Starts at 0; its next (1) waits until 3.5 and its next is computed from 3.5: 4 (2 and 3
    // passed over); that one waits until 7 and the next is 8 (5, 6 and 7 passed over); 8 is
    // still waiting (for the run that ends at 10.5) when the window ends at 10.
    expect(starts(r).map(([, s, t]) => [s, t])).toEqual([
      [0, 0],
      [1, 3.5],
      [4, 7],
    ]);
    expect(r.summary.jobs[0]).toMatchObject({ runs: 3, skipped: 5, queued: 3, waitingAtEnd: 1, longestWaitFor: 'previous' });
    expect(r.summary.jobs[0]?.fires).toBe(3 + 1 + 5); // started, waiting at the end, skipped
  });

  it('draws failures from the history failure rate with the seed: same seed, same result', async () => {
    const tmp = makeTempDir('dsari-sim-');
    try {
      const store = await historyStore(join(tmp.path, 'db.sqlite3'), 'flaky', [10, 20, 30, 40, 1000], [0, 1, 0, 1, 0]);
      const config = schedulingConfig([job('flaky', every(60))]);
      const run = (seed: number, durations: string[] = []) => simulate({ ...base, config, store, from: T0 - 1, until: T0 + 6000, seed, durations: parseDurationSpec(durations) });
      const [one, again, other, p95] = [await run(7), await run(7), await run(8), await run(7, ['p95'])];
      await store.close();
      expect(one.durations.get('flaky')).toEqual({ seconds: 30, source: 'median', samples: 5, failureRate: 0.4 });
      expect(p95.durations.get('flaky')?.seconds).toBeCloseTo(808, 6); // rank 3.8 between 40 and 1000
      expect(one.summary.jobs[0]?.runs).toBe(101); // T0, T0 + 60, … T0 + 6000
      const failed = one.summary.jobs[0]?.failed ?? 0;
      expect(failed).toBeGreaterThan(20);
      expect(failed).toBeLessThan(60);
      expect(again.summary).toEqual(one.summary);
      const endStatuses = (r: SimulationResult) => Array.from({ length: r.timeline.runCount }, (_, i) => r.timeline.runFailed.get(i)).join('');
      expect(endStatuses(again)).toBe(endStatuses(one));
      expect(endStatuses(other)).not.toBe(endStatuses(one));
    } finally {
      tmp.cleanup();
    }
  });

  it('only reads the store', async () => {
    const tmp = makeTempDir('dsari-sim-');
    try {
      const file = join(tmp.path, 'db.sqlite3');
      (await historyStore(file, 'a', [5], [0])).close();
      const before = { bytes: readFileSync(file), mtime: statSync(file).mtimeMs };
      const store = new SqliteStore(file, { log: quietLog() });
      await store.open();
      await simulate({ ...base, config: schedulingConfig([job('a', every(60))]), store, from: T0, until: T0 + 3600 });
      await store.close();
      expect(readFileSync(file).equals(before.bytes)).toBe(true);
      expect(statSync(file).mtimeMs).toBe(before.mtime);
    } finally {
      tmp.cleanup();
    }
  });

  it('stops at the event bound with a message instead of growing without end', async () => {
    const config = schedulingConfig([job('tick', every(1))]);
    const p = simulate({ config, ...base, from: T0, until: T0 + 86_400, maxEvents: 1000, durations: parseDurationSpec(['0.1']) });
    await expect(p).rejects.toThrow(SimulationError);
    await expect(p).rejects.toThrow(/stopped after 1,000 events .*shorter window or fewer jobs/);
  });

  it.each([
    ['until before from', T0, T0 - 1, /--until .* is not after --from/],
    ['an empty window', T0, T0, /is not after/],
    ['ten years', T0, T0 + 3653 * 86_400, /3653 days long; at most 366 days/],
    ['not a number', NaN, T0, /finite/],
  ])('refuses a window: %s', (_name, from, until, message) => {
    expect(() => checkWindow(from, until)).toThrow(message);
  });

  it('refuses unknown jobs in --job and --durations', async () => {
    const config = schedulingConfig([job('a', every(60))]);
    await expect(simulate({ config, ...base, from: T0, until: T0 + 60, jobs: ['nope'] })).rejects.toThrow('unknown job: "nope"');
    await expect(simulate({ config, ...base, from: T0, until: T0 + 60, durations: parseDurationSpec(['ghost=5']) })).rejects.toThrow('--durations names unknown job "ghost"');
  });

  it('simulates only the jobs named, and only their groups', async () => {
    const config = schedulingConfig([job('a', { ...every(60), concurrencyGroups: ['g'] }), job('b', { ...every(60), concurrencyGroups: ['h'] })], { g: 1, h: 1 });
    const r = await simulate({ config, ...base, from: T0, until: T0 + 600, jobs: ['b'] });
    expect(r.summary.jobs.map((j) => j.name)).toEqual(['b']);
    expect(r.summary.groups.map((g) => g.name)).toEqual(['h']);
  });
});

describe('--durations', () => {
  it.each([
    [[], { mode: 'median', perJob: {} }],
    [['p95'], { mode: 'p95', perJob: {} }],
    [['90'], { mode: 'fixed', seconds: 90, perJob: {} }],
    [['1.5m', 'backup=2h'], { mode: 'fixed', seconds: 90, perJob: { backup: 7200 } }],
    [['history', 'a=0.25'], { mode: 'median', perJob: { a: 0.25 } }],
  ])('%j', (values, expected) => {
    const spec = parseDurationSpec(values);
    expect({ mode: spec.mode, ...(spec.mode === 'fixed' ? { seconds: spec.seconds } : {}), perJob: Object.fromEntries(spec.perJob) }).toEqual(expected);
  });

  it.each([
    [['soon'], /expected history, p95, SECONDS or JOB=SECONDS/],
    [['p95', '30'], /contradicts an earlier --durations/],
    [['a=-1'], /is not a duration/],
    [['400d'], /at most 366 days/],
  ])('refuses %j', (values, message) => {
    expect(() => parseDurationSpec(values)).toThrow(message);
  });
});

function quietLog(): Logger {
  return new Logger({ sink: new MemorySink() });
}

/** A SQLite store with finished runs of `jobName` lasting `durations` with these exit codes. */
async function historyStore(file: string, jobName: string, durations: number[], exits: number[]): Promise<SqliteStore> {
  const store = new SqliteStore(file, { log: quietLog() });
  await store.open();
  for (const [k, d] of durations.entries()) {
    const start = T0 - 100_000 + k * 2000;
    await store.insertRunning({ jobName, runId: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`, scheduleTime: start, startTime: start, triggerType: 'schedule', triggerData: {}, runData: {} });
    await store.finishRun({ jobName, runId: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`, scheduleTime: start, startTime: start, stopTime: start + d, exitCode: exits[k] ?? 0, triggerType: 'schedule', triggerData: {}, runData: {} });
  }
  return store;
}
