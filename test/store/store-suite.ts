/**
 * THE store test suite, written once and run against every backend (sqlite.test.ts,
 * postgresql.test.ts, mysql.test.ts) by passing a fixture that makes fresh stores.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FinishedRun, RunningRun, RunStore } from '../../src/store/types.js';
import { policyCases } from './policy-suite.js';

export interface StoreFixture {
  /** Backend name as RunStore.kind reports it. */
  kind: string;
  /** Creates the test database. */
  setup(): Promise<void>;
  /** Drops it. */
  teardown(): Promise<void>;
  /** A new, not yet opened store on the test database. */
  newStore(): RunStore;
  /** Empties both tables. */
  clear(): Promise<void>;
  /**
   * Makes every DELETE from `table` (default runs_running) fail (a trigger), to prove that
   * finishRun, and the writes that consume pending runs, are atomic.
   */
  breakDeletes(table?: string): Promise<void>;
  /** Undoes {@link StoreFixture.breakDeletes} (same table). */
  repairDeletes(table?: string): Promise<void>;
  /** Drops tables (to make an old database, from before part II's tables). */
  dropTables(tables: readonly string[]): Promise<void>;
  /** The tables of the test database. */
  tableNames(): Promise<string[]>;
}

const T0 = 1_700_000_000.123456;

export function running(over: Partial<RunningRun> = {}): RunningRun {
  return {
    jobName: 'job-a',
    runId: randomUUID(),
    scheduleTime: T0,
    startTime: T0 + 0.5,
    triggerType: 'schedule',
    triggerData: {},
    runData: {},
    ...over,
  };
}

export function finished(over: Partial<FinishedRun> = {}): FinishedRun {
  return { ...running(over), stopTime: (over.startTime ?? T0 + 0.5) + 10, exitCode: 0, ...over };
}

/** Registers the whole suite for one backend. */
export function storeSuite(fixture: StoreFixture): void {
  describe(`${fixture.kind} store suite`, () => suite(fixture));
}

function suite(fixture: StoreFixture): void {
  let store: RunStore;
  const opened: RunStore[] = [];

  async function openStore(): Promise<RunStore> {
    const s = fixture.newStore();
    await s.open();
    opened.push(s);
    return s;
  }

  beforeAll(async () => {
    await fixture.setup();
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
    await fixture.teardown();
  });
  beforeEach(async () => {
    await fixture.clear();
    store = await openStore();
  });

  describe(`${fixture.kind}: recording runs`, () => {
    it('reports its kind and opens an existing database again (tables and indexes idempotent)', async () => {
      expect(store.kind).toBe(fixture.kind);
      await store.finishRun(finished());
      const again = await openStore();
      expect(await again.listRuns()).toHaveLength(1);
    });

    it('records a started run, updates its run_data and lists it as running', async () => {
      const r = running({ triggerType: 'file', triggerData: { type: 'manual', environment: { A: '1' } } });
      await store.insertRunning(r);
      await store.updateRunningData(r.runId, { pid: 1234, hostname: 'h' });
      const list = await store.listRunning();
      expect(list).toEqual([{ ...r, runData: { pid: 1234, hostname: 'h' } }]);
      const got = await store.getRun(r.runId);
      expect(got).toMatchObject({ runId: r.runId, running: true, stopTime: null, exitCode: null });
    });

    it('recordBatch commits starts and ends in order in one transaction, and nothing of a batch that fails', async () => {
      if (store.recordBatch === undefined) throw new Error(`${fixture.kind}: no recordBatch`);
      const c0 = running({ jobName: 'c0' });
      const a = running({ jobName: 'a' });
      const b = running({ jobName: 'b' });
      await store.recordBatch([
        { kind: 'running', run: a },
        { kind: 'running', run: b },
        { kind: 'finished', run: { ...a, stopTime: a.startTime + 1, exitCode: 3 } },
      ]);
      expect((await store.listRunning()).map((r) => r.runId)).toEqual([b.runId]);
      expect((await store.getRun(a.runId))?.exitCode).toBe(3);
      // Runs ending one after another (one multi-row insert on a server), then a start.
      const d = running({ jobName: 'd' });
      await store.recordBatch([
        { kind: 'running', run: d },
        { kind: 'finished', run: { ...b, stopTime: b.startTime + 2, exitCode: 0 } },
        { kind: 'finished', run: { ...d, stopTime: d.startTime + 1, exitCode: 7 } },
        { kind: 'running', run: c0 },
      ]);
      expect((await store.listRunning()).map((r) => r.runId)).toEqual([c0.runId]);
      expect([(await store.getRun(b.runId))?.exitCode, (await store.getRun(d.runId))?.exitCode]).toEqual([0, 7]);
      // A write that cannot be encoded (a BigInt in trigger_data) fails the whole batch.
      const c = running({ jobName: 'c' });
      const bad = finished({ jobName: 'bad', triggerData: { n: 1n } });
      await expect(store.recordBatch([{ kind: 'running', run: c }, { kind: 'finished', run: bad }])).rejects.toThrow();
      expect(await store.getRun(c.runId)).toBeNull();
      expect(await store.getRun(bad.runId)).toBeNull();
      // Recording the same runs again changes nothing.
      await store.recordBatch([{ kind: 'running', run: a }, { kind: 'finished', run: { ...a, stopTime: a.startTime + 1, exitCode: 3 } }]);
      expect((await store.listRuns()).filter((r) => r.runId === a.runId)).toHaveLength(1);
    });

    it('finishRun moves the run from runs_running to runs, keeping every field', async () => {
      const r = running({ runData: { pid: 5 } });
      await store.insertRunning(r);
      const f: FinishedRun = { ...r, stopTime: r.startTime + 3.25, exitCode: 3, runData: { pid: 5, return_data: { x: [1, 'é'] } } };
      await store.finishRun(f);
      expect(await store.listRunning()).toEqual([]);
      expect(await store.getRun(r.runId)).toEqual({ ...f, running: false });
    });

    it('finishRun is idempotent on run_id, and a late insertRunning does not resurrect a finished run', async () => {
      const f = finished();
      await store.finishRun(f);
      await store.finishRun(f);
      await store.finishRun({ ...f, exitCode: 9 });
      await store.insertRunning(f);
      expect(await store.listRuns()).toHaveLength(1);
      expect((await store.getRun(f.runId))?.exitCode).toBe(0);
      expect(await store.listRunning()).toEqual([]);
      const r = running();
      await store.insertRunning(r);
      await store.insertRunning(r);
      expect(await store.listRunning()).toHaveLength(1);
    });

    it('keeps times to the microsecond', async () => {
      const f = finished({ scheduleTime: 1_700_000_000.000001, startTime: 1_700_000_001.999999, stopTime: 1_800_000_000.654321 });
      await store.finishRun(f);
      const got = await store.getRun(f.runId);
      expect(got?.scheduleTime).toBe(1_700_000_000.000001);
      expect(got?.startTime).toBe(1_700_000_001.999999);
      expect(got?.stopTime).toBe(1_800_000_000.654321);
    });

    it('getRun of an unknown or malformed id is null', async () => {
      expect(await store.getRun(randomUUID())).toBeNull();
      expect(await store.getRun('not-a-uuid')).toBeNull();
    });

    it('finishRun is one transaction: if the delete fails, the insert is rolled back', async () => {
      const r = running();
      await store.insertRunning(r);
      await fixture.breakDeletes();
      try {
        await expect(store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 0 })).rejects.toThrow(/E_STORE|failed|boom/i);
      } finally {
        await fixture.repairDeletes();
      }
      expect(await store.listRuns({ includeRunning: false })).toEqual([]);
      expect((await store.listRunning()).map((x) => x.runId)).toEqual([r.runId]);
      await store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 0 });
      expect(await store.listRunning()).toEqual([]);
      expect((await store.listRuns()).map((x) => x.runId)).toEqual([r.runId]);
    });

    it('records many concurrent finishes (no lost or mixed transactions)', async () => {
      const runs = Array.from({ length: 40 }, (_, i) => running({ jobName: `j${i % 4}`, startTime: T0 + i }));
      await Promise.all(runs.map((r) => store.insertRunning(r)));
      await Promise.all(runs.map((r, i) => store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: i % 3 })));
      expect(await store.listRunning()).toEqual([]);
      expect(await store.listRuns({ includeRunning: false })).toHaveLength(40);
    });
  });

  policyCases(fixture, () => store, openStore);

  describe(`${fixture.kind}: reading runs`, () => {
    let ids: string[];
    beforeEach(async () => {
      // a: 3 finished (exit 0, 1, 0), b: 1 finished (exit 2) and 1 running
      const a1 = finished({ jobName: 'a', scheduleTime: 100, startTime: 101, stopTime: 110, exitCode: 0 });
      const a2 = finished({ jobName: 'a', scheduleTime: 200, startTime: 203, stopTime: 230, exitCode: 1 });
      const a3 = finished({ jobName: 'a', scheduleTime: 300, startTime: 300.5, stopTime: 301, exitCode: 0 });
      const b1 = finished({ jobName: 'b', scheduleTime: 150, startTime: 150, stopTime: 400, exitCode: 2 });
      const b2 = running({ jobName: 'b', scheduleTime: 500, startTime: 505 });
      for (const f of [a1, a2, a3, b1]) await store.finishRun(f);
      await store.insertRunning(b2);
      ids = [a1.runId, a2.runId, a3.runId, b1.runId, b2.runId];
    });

    it('listRuns defaults to all runs by start time, newest first, running included', async () => {
      const list = await store.listRuns();
      expect(list.map((r) => r.runId)).toEqual([ids[4], ids[2], ids[1], ids[3], ids[0]]);
      expect(list[0]?.running).toBe(true);
    });

    it('listRuns filters by job, run id, finished/running, failure and stop time, with limits', async () => {
      expect((await store.listRuns({ jobNames: ['b'] })).map((r) => r.runId)).toEqual([ids[4], ids[3]]);
      expect((await store.listRuns({ runIds: [ids[0]!, ids[4]!] })).map((r) => r.runId)).toEqual([ids[4], ids[0]]);
      expect(await store.listRuns({ includeFinished: false })).toHaveLength(1);
      expect(await store.listRuns({ includeRunning: false })).toHaveLength(4);
      expect((await store.listRuns({ failedOnly: true })).map((r) => r.runId)).toEqual([ids[1], ids[3]]);
      expect((await store.listRuns({ stoppedAfter: 230 })).map((r) => r.runId)).toEqual([ids[2], ids[3]]);
      expect((await store.listRuns({ limit: 2 })).map((r) => r.runId)).toEqual([ids[4], ids[2]]);
      expect(await store.listRuns({ jobNames: ['nope'] })).toEqual([]);
    });

    it('listRuns orders by stop time (running as +infinity) and schedule time, both ways', async () => {
      expect((await store.listRuns({ orderBy: 'stop_time' })).map((r) => r.runId)).toEqual([ids[4], ids[3], ids[2], ids[1], ids[0]]);
      expect((await store.listRuns({ orderBy: 'stop_time', order: 'asc', limit: 2 })).map((r) => r.runId)).toEqual([ids[0], ids[1]]);
      expect((await store.listRuns({ orderBy: 'schedule_time', order: 'asc' })).map((r) => r.runId)).toEqual([ids[0], ids[3], ids[1], ids[2], ids[4]]);
    });

    it('listRuns pages by a keyset cursor (after a run) and filters successes', async () => {
      const all = await store.listRuns();
      const paged: string[] = [];
      let after: { time: number; runId: string } | undefined;
      for (let i = 0; i < 5; i++) {
        const page = await store.listRuns({ limit: 2, ...(after === undefined ? {} : { after }) });
        paged.push(...page.map((r) => r.runId));
        const last = page[page.length - 1];
        if (page.length < 2 || last === undefined) break;
        after = { time: last.startTime, runId: last.runId };
      }
      expect(paged).toEqual(all.map((r) => r.runId));
      expect((await store.listRuns({ order: 'asc', after: { time: 150, runId: ids[3]! } })).map((r) => r.runId)).toEqual([ids[1], ids[2], ids[4]]);
      expect((await store.listRuns({ succeededOnly: true })).map((r) => r.runId)).toEqual([ids[2], ids[0]]);
      // equal start times: the run id decides, so no run is skipped or repeated between pages
      await fixture.clear();
      const same = ['00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000000'];
      for (const id of same) await store.finishRun(finished({ runId: id, startTime: 5, stopTime: 6 }));
      const first = await store.listRuns({ limit: 1 });
      const rest = await store.listRuns({ after: { time: first[0]!.startTime, runId: first[0]!.runId } });
      expect([...first, ...rest].map((r) => r.runId)).toEqual([same[2], same[0], same[1]]);
    });

    it('breaks ties by run id, identically on every backend', async () => {
      await fixture.clear();
      const same = ['00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000000'];
      for (const id of same) await store.finishRun(finished({ runId: id, startTime: 5, stopTime: 6 }));
      expect((await store.listRuns()).map((r) => r.runId)).toEqual([same[2], same[0], same[1]]);
      expect((await store.listRuns({ order: 'asc' })).map((r) => r.runId)).toEqual([same[1], same[0], same[2]]);
      expect((await store.previousRuns('job-a')).last?.runId).toBe(same[2]);
    });

    it('previousRuns gives the latest, latest good and latest bad by stop time', async () => {
      const p = await store.previousRuns('a');
      expect(p.last?.runId).toBe(ids[2]);
      expect(p.lastGood?.runId).toBe(ids[2]);
      expect(p.lastBad?.runId).toBe(ids[1]);
      expect(p.lastBad).toMatchObject({ jobName: 'a', exitCode: 1, stopTime: 230, startTime: 203, scheduleTime: 200 });
      expect(await store.previousRuns('b')).toMatchObject({ lastGood: null, lastBad: { runId: ids[3] } });
      expect(await store.previousRuns('none')).toEqual({ last: null, lastGood: null, lastBad: null });
    });

    it('previousRuns finds a failure older than the latest 100 runs', async () => {
      const bad = finished({ jobName: 'rare', startTime: 10, stopTime: 11, exitCode: 3 });
      const goods = Array.from({ length: 105 }, (_, i) => finished({ jobName: 'rare', startTime: 20 + i, stopTime: 21 + i }));
      const bulk = store.importFinished?.bind(store);
      if (bulk) await bulk([bad, ...goods]);
      else for (const f of [bad, ...goods]) await store.finishRun(f);
      const p = await store.previousRuns('rare');
      expect(p.lastBad?.runId).toBe(bad.runId);
      expect(p.last?.runId).toBe(goods[104]!.runId);
      expect(p.lastGood?.runId).toBe(goods[104]!.runId);
    });

    it('jobSummaries aggregates per job', async () => {
      const s = await store.jobSummaries();
      expect(s.map((x) => x.jobName)).toEqual(['a', 'b']);
      const a = s[0]!;
      expect(a).toMatchObject({ runCount: 3, successCount: 2, failureCount: 1 });
      expect(a.durationSum).toBeCloseTo(9 + 27 + 0.5, 6);
      expect(a.latencySum).toBeCloseTo(1 + 3 + 0.5, 6);
      expect(a.lastRun?.runId).toBe(ids[2]);
      expect(a.lastSuccessfulRun?.runId).toBe(ids[2]);
      expect(s[1]).toMatchObject({ runCount: 1, successCount: 0, failureCount: 1, lastSuccessfulRun: null });
    });

    it('durations and latencies are sorted ascending', async () => {
      expect(await store.durations('a')).toEqual([0.5, 9, 27]);
      expect(await store.latencies('a')).toEqual([0.5, 1, 3]);
      expect(await store.durations('none')).toEqual([]);
    });

    it('iterateFinished pages through every finished run in (stop_time, run_id) order', async () => {
      for (let i = 0; i < 7; i++) await store.finishRun(finished({ jobName: 'c', startTime: 1000, stopTime: 1000 + (i % 2) }));
      const pages: number[] = [];
      const seen: FinishedRun[] = [];
      for await (const page of store.iterateFinished(3)) {
        pages.push(page.length);
        seen.push(...page);
      }
      expect(seen).toHaveLength(11);
      expect(new Set(seen.map((r) => r.runId)).size).toBe(11);
      expect(pages.every((n) => n <= 3)).toBe(true);
      const keys = seen.map((r) => [r.stopTime, r.runId] as const);
      const sorted = [...keys].sort((x, y) => (x[0] !== y[0] ? x[0] - y[0] : x[1] < y[1] ? -1 : 1));
      expect(keys).toEqual(sorted);
    });
  });
}
