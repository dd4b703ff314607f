import { describe, expect, it } from 'vitest';
import { SchedulerCore } from '../../src/daemon/core.js';
import { counterIds, everyN, job, schedulingConfig } from './fixtures.js';

const T0 = 1_699_998_300; // a multiple of 2100: every test period divides it

function core(random = () => 0) {
  return new SchedulerCore({ nextFireTime: everyN, newRunId: counterIds(), random });
}

describe('pending scheduled runs (SPEC §5.1)', () => {
  it('gives each scheduled job one pending run at its next fire time', () => {
    const c = core();
    const out = c.reload(schedulingConfig([job('a', { schedule: 'every:10' }), job('b', { schedule: 'every:60' }), job('t')]), T0 + 1);
    expect(out.scheduled.map((r) => [r.jobName, r.scheduleTime, r.triggerType])).toEqual([
      ['a', T0 + 10, 'schedule'],
      ['b', T0 + 60, 'schedule'],
    ]);
    expect(c.pendingCount).toBe(2);
    expect(c.nextWakeup()).toBe(T0 + 10);
  });

  it('starts nothing before the time and the due run at it, computing the next from that moment', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:10' })]), T0 + 1);
    expect(c.takeStartable(T0 + 9.99)).toEqual([]);
    const [d] = c.takeStartable(T0 + 10);
    expect(d?.run.scheduleTime).toBe(T0 + 10);
    expect(d?.startTime).toBe(T0 + 10);
    expect(d?.next?.scheduleTime).toBe(T0 + 20);
    expect(c.nextWakeup()).toBe(T0 + 20);
  });

  it('skips fire times missed while a run waited (no catch-up burst)', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:1' })]), T0);
    const [first] = c.takeStartable(T0 + 1);
    expect(first).toBeDefined();
    // The run lasts 5 s: its next (T0+2) waits, the others are never created.
    expect(c.takeStartable(T0 + 2)).toEqual([]);
    expect(c.takeStartable(T0 + 4)).toEqual([]);
    c.runEnded(first!.run.runId);
    const [second] = c.takeStartable(T0 + 6);
    expect(second?.run.scheduleTime).toBe(T0 + 2);
    expect(second?.next?.scheduleTime).toBe(T0 + 7);
    expect(c.pendingCount).toBe(1);
  });

  it('after a forward wall-clock jump each job starts once, not once per missed time', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:1', concurrentRuns: true })]), T0);
    const started = c.takeStartable(T0 + 3600);
    expect(started).toHaveLength(1);
    expect(started[0]?.next?.scheduleTime).toBe(T0 + 3601);
  });

  it('a job whose schedule cannot be computed gets no run and the error is reported', () => {
    const c = core();
    const out = c.reload(schedulingConfig([job('bad', { schedule: 'nonsense' }), job('ok', { schedule: 'every:5' })]), T0);
    expect(out.scheduleErrors).toEqual([{ job: 'bad', error: 'bad test schedule nonsense' }]);
    expect(out.scheduled.map((r) => r.jobName)).toEqual(['ok']);
  });

  it('a schedule that ends produces no further runs', () => {
    const c = new SchedulerCore({ nextFireTime: (_j, after) => (after < T0 + 5 ? T0 + 5 : null), newRunId: counterIds() });
    c.reload(schedulingConfig([job('once', { schedule: 'x' })]), T0);
    const [d] = c.takeStartable(T0 + 5);
    expect(d?.next).toBeNull();
    expect(c.nextWakeup()).toBeNull();
  });
});

describe('triggers (SPEC §5.2)', () => {
  it('replaces the pending scheduled run of a job without concurrent_runs and inherits its duty', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:100' })]), T0);
    const out = c.addTrigger({ jobName: 'a', scheduleTime: T0 + 1, triggerData: { type: 'x' } }, T0 + 1);
    expect(out?.replaced.map((r) => r.triggerType)).toEqual(['schedule']);
    expect(out?.run.respawn).toBe(true);
    expect(c.pendingCount).toBe(1);
    const [d] = c.takeStartable(T0 + 1);
    expect(d?.run.triggerType).toBe('file');
    expect(d?.next?.scheduleTime).toBe(T0 + 100);
  });

  it('a trigger for a trigger-only job schedules nothing after it', () => {
    const c = core();
    c.reload(schedulingConfig([job('t')]), T0);
    c.addTrigger({ jobName: 't', scheduleTime: T0, triggerData: {} }, T0);
    const [d] = c.takeStartable(T0);
    expect(d?.next).toBeNull();
    expect(c.pendingCount).toBe(0);
  });

  it('adds beside pending and running runs with concurrent_runs', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:100', concurrentRuns: true })]), T0);
    c.addTrigger({ jobName: 'a', scheduleTime: T0, triggerData: {} }, T0);
    const first = c.takeStartable(T0);
    expect(first).toHaveLength(1);
    const out = c.addTrigger({ jobName: 'a', scheduleTime: T0 + 1, triggerData: {} }, T0 + 1);
    expect(out?.replaced).toEqual([]);
    expect(out?.run.respawn).toBe(false);
    expect(c.takeStartable(T0 + 1)).toHaveLength(1);
    expect(c.runningCount).toBe(2);
    expect(c.pendingCount).toBe(1); // the scheduled one at T0+100
  });

  it('a future trigger waits for its time', () => {
    const c = core();
    c.reload(schedulingConfig([job('t')]), T0);
    c.addTrigger({ jobName: 't', scheduleTime: T0 + 50, triggerData: {} }, T0);
    expect(c.nextWakeup()).toBe(T0 + 50);
    expect(c.takeStartable(T0 + 49)).toEqual([]);
    expect(c.takeStartable(T0 + 50)).toHaveLength(1);
  });

  it('refuses unknown jobs and triggers during shutdown', () => {
    const c = core();
    c.reload(schedulingConfig([job('t')]), T0);
    expect(c.addTrigger({ jobName: 'nope', scheduleTime: T0, triggerData: {} }, T0)).toBeNull();
    c.beginShutdown();
    expect(c.addTrigger({ jobName: 't', scheduleTime: T0, triggerData: {} }, T0)).toBeNull();
  });

  it('keeps a given run id (a trigger restored after a restart)', () => {
    const c = core();
    c.reload(schedulingConfig([job('t')]), T0);
    const out = c.addTrigger({ jobName: 't', scheduleTime: T0 + 5, triggerData: {}, runId: 'kept', triggerFile: '/x' }, T0);
    expect(out?.run.runId).toBe('kept');
    expect(out?.run.triggerFile).toBe('/x');
  });
});

describe('overlap (SPEC §5.3)', () => {
  it('never starts a second run of a job without concurrent_runs; the waiting one starts when it ends', () => {
    const c = core();
    c.reload(schedulingConfig([job('t')]), T0);
    c.addTrigger({ jobName: 't', scheduleTime: T0, triggerData: {} }, T0);
    const [first] = c.takeStartable(T0);
    c.addTrigger({ jobName: 't', scheduleTime: T0 + 1, triggerData: { n: 2 } }, T0 + 1);
    expect(c.takeStartable(T0 + 2)).toEqual([]);
    expect(c.status().pending[0]?.waiting).toBe(true);
    c.runEnded(first!.run.runId);
    const [second] = c.takeStartable(T0 + 3);
    expect(second?.run.triggerData).toEqual({ n: 2 });
  });
});

describe('concurrency groups (SPEC §5.4)', () => {
  it('holds the limit exactly under a burst and hands out slots in schedule-time order', () => {
    const c = core(Math.random);
    const jobs = Array.from({ length: 50 }, (_, i) => job(`j${String(i).padStart(2, '0')}`, { concurrencyGroups: ['g'] }));
    c.reload(schedulingConfig(jobs, { g: 3 }), T0);
    // Triggers arrive in reverse name order with schedule times in name order.
    for (let i = 49; i >= 0; i--) c.addTrigger({ jobName: `j${String(i).padStart(2, '0')}`, scheduleTime: T0 + i / 100, triggerData: {} }, T0 + 1);
    const order: string[] = [];
    let now = T0 + 1;
    let started = c.takeStartable(now);
    let maxUse = 0;
    while (started.length > 0 || c.runningCount > 0) {
      for (const d of started) {
        order.push(d.run.jobName);
        expect(d.concurrencyGroup).toBe('g');
      }
      maxUse = Math.max(maxUse, c.groupUsage('g'));
      expect(c.groupUsage('g')).toBeLessThanOrEqual(3);
      const oldest = c.runningRuns()[0];
      if (oldest === undefined) break;
      c.runEnded(oldest.runId);
      now += 0.1;
      started = c.takeStartable(now);
    }
    expect(maxUse).toBe(3);
    expect(order).toEqual(jobs.map((j) => j.name));
  });

  it('picks at random among the free groups and records the pick', () => {
    const picks = new Set<string | null>();
    for (const r of [0, 0.4, 0.99]) {
      const c = core(() => r);
      c.reload(schedulingConfig([job('a', { concurrencyGroups: ['g1', 'g2', 'g3'] })], { g1: 1, g2: 1, g3: 1 }), T0);
      c.addTrigger({ jobName: 'a', scheduleTime: T0, triggerData: {} }, T0);
      picks.add(c.takeStartable(T0)[0]?.concurrencyGroup ?? null);
    }
    expect(picks).toEqual(new Set(['g1', 'g2', 'g3']));
  });

  it('a run of another group is not held up by a waiting run', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { concurrencyGroups: ['g'] }), job('b', { concurrencyGroups: ['g'] }), job('c', { concurrencyGroups: ['h'] })]), T0);
    for (const n of ['a', 'b', 'c']) c.addTrigger({ jobName: n, scheduleTime: T0, triggerData: {} }, T0);
    expect(c.takeStartable(T0).map((d) => d.run.jobName)).toEqual(['a', 'c']);
  });

  it('an adopted run holds its job and its group slot', () => {
    const c = core();
    const a = job('a', { concurrencyGroups: ['g'] });
    c.reload(schedulingConfig([a, job('b', { concurrencyGroups: ['g'] })]), T0);
    c.adopt({ runId: 'old', jobName: 'a', job: a, scheduleTime: T0 - 5, startTime: T0 - 5, triggerType: 'schedule', triggerData: {}, concurrencyGroup: 'g', pid: 42, adopted: true });
    c.addTrigger({ jobName: 'b', scheduleTime: T0, triggerData: {} }, T0);
    expect(c.takeStartable(T0)).toEqual([]);
    c.runEnded('old');
    expect(c.takeStartable(T0 + 1).map((d) => d.run.jobName)).toEqual(['b']);
  });
});

describe('reload (SPEC §5.5)', () => {
  it('recomputes scheduled runs, keeps triggered ones, drops those of removed jobs', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:10' }), job('gone')]), T0);
    c.addTrigger({ jobName: 'gone', scheduleTime: T0 + 500, triggerData: {} }, T0);
    const out = c.reload(schedulingConfig([job('a', { schedule: 'every:7' }), job('new', { schedule: 'every:3' })]), T0 + 1);
    expect(out.orphaned.map((r) => r.jobName)).toEqual(['gone']);
    expect(c.pendingRuns().map((r) => [r.jobName, r.scheduleTime])).toEqual([
      ['new', T0 + 3],
      ['a', T0 + 7],
    ]);
  });

  it('a pending trigger of a job without concurrent_runs keeps the scheduling duty over a reload', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:10' })]), T0);
    c.addTrigger({ jobName: 'a', scheduleTime: T0 + 30, triggerData: {} }, T0);
    c.reload(schedulingConfig([job('a', { schedule: 'every:10' })]), T0 + 1);
    const pending = c.pendingRuns();
    expect(pending.map((r) => [r.triggerType, r.respawn])).toEqual([['file', true]]);
  });

  it('running runs keep the job configuration they started with', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { command: ['/bin/old'] })]), T0);
    c.addTrigger({ jobName: 'a', scheduleTime: T0, triggerData: {} }, T0);
    const [d] = c.takeStartable(T0);
    c.reload(schedulingConfig([job('a', { command: ['/bin/new'] })]), T0 + 1);
    expect(c.getRunning(d!.run.runId)?.job.command).toEqual(['/bin/old']);
  });
});

describe('shutdown', () => {
  it('cancels pending runs and starts nothing more', () => {
    const c = core();
    c.reload(schedulingConfig([job('a', { schedule: 'every:1' })]), T0);
    const cancelled = c.beginShutdown();
    expect(cancelled).toHaveLength(1);
    expect(c.takeStartable(T0 + 10)).toEqual([]);
    expect(c.nextWakeup()).toBeNull();
  });
});

describe('scale', () => {
  it('10,000 daily jobs: one pending run each and one wake-up time', () => {
    const c = core();
    const jobs = Array.from({ length: 10_000 }, (_, i) => job(`job-${i}`, { schedule: `every:${86_400 + i}` }));
    const started = performance.now();
    c.reload(schedulingConfig(jobs), T0);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(c.pendingCount).toBe(10_000);
    const wake = c.nextWakeup();
    expect(wake).toBe(Math.min(...jobs.map((j) => everyN(j, T0) as number)));
  });
});
