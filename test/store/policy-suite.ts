/**
 * The store's part of the run policies (SPEC-BEYOND §12): pauses, pending runs (retries and
 * dependency runs) written in the same transaction as the run records, the last scheduled fires,
 * and a database from before these tables. Part of the shared store suite (store-suite.ts), so it
 * runs against every backend; policies-backends.test.ts runs it alone (no server outage).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PAUSE_ALL, type PauseRecord, type RunStore, type StoredPendingRun } from '../../src/store/types.js';
import { finished, running, type StoreFixture } from './store-suite.js';

const TABLES = ['dsari_pauses', 'dsari_pending_runs'];

export function pending(over: Partial<StoredPendingRun> = {}): StoredPendingRun {
  return {
    runId: randomUUID(),
    jobName: 'job-p',
    scheduleTime: 1_700_000_100.000001,
    triggerType: 'retry',
    triggerData: { type: 'retry', retry_of: 'x', attempt: 2, environment: { A: 'é' } },
    createdAt: 1_700_000_050.250001,
    ...over,
  };
}

function pause(jobName: string, over: Partial<PauseRecord> = {}): PauseRecord {
  return { jobName, pausedAt: 1_700_000_000.654321, pausedBy: 'alice', reason: 'maintenance', ...over };
}

/** Registers the policy cases alone, with their own database life cycle. */
export function policySuite(fixture: StoreFixture): void {
  describe(`${fixture.kind} store: run policies`, () => {
    let store: RunStore;
    const opened: RunStore[] = [];
    const openStore = async (): Promise<RunStore> => {
      const s = fixture.newStore();
      await s.open();
      opened.push(s);
      return s;
    };
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
    policyCases(fixture, () => store, openStore);
  });
}

/** The cases, on the store the surrounding suite opened before each test. */
export function policyCases(fixture: StoreFixture, current: () => RunStore, openStore: () => Promise<RunStore>): void {
  describe(`${fixture.kind}: pauses and pending runs`, () => {
    let store: RunStore;
    beforeEach(async () => {
      store = current();
      for (const p of await store.listPauses()) await store.removePause(p.jobName);
      await store.removePending((await store.listPending()).map((p) => p.runId));
    });

    it('pauses a job once ("already paused" is false and changes nothing), lists and resumes it', async () => {
      expect(await store.listPauses()).toEqual([]);
      expect(await store.addPause(pause('backup'))).toBe(true);
      expect(await store.addPause(pause('backup', { pausedBy: 'bob', reason: 'other' }))).toBe(false);
      expect(await store.addPause(pause(PAUSE_ALL, { reason: null, pausedBy: 'token:ci' }))).toBe(true);
      expect(await store.addPause(pause('réseau', { reason: 'ünïcode ✓' }))).toBe(true);
      expect(await store.listPauses()).toEqual([pause(PAUSE_ALL, { reason: null, pausedBy: 'token:ci' }), pause('backup'), pause('réseau', { reason: 'ünïcode ✓' })]);
      // another store (another process) sees the same
      expect((await (await openStore()).listPauses()).map((p) => p.jobName)).toEqual([PAUSE_ALL, 'backup', 'réseau']);
      expect(await store.removePause('backup')).toBe(true);
      expect(await store.removePause('backup')).toBe(false);
      expect(await store.removePause('never')).toBe(false);
      expect((await store.listPauses()).map((p) => p.jobName)).toEqual([PAUSE_ALL, 'réseau']);
    });

    it('stores pending runs in schedule-time order, every field kept; adding one again is a no-op; removes them', async () => {
      const late = pending({ scheduleTime: 1_700_000_900.5, triggerType: 'after' });
      const early = pending({ jobName: 'other', triggerType: 'upstream', triggerData: {} });
      await store.addPending([late, early]);
      expect(await store.listPending()).toEqual([early, late]);
      await store.addPending([{ ...late, jobName: 'changed', scheduleTime: 1 }]);
      await store.addPending([]);
      expect(await store.listPending()).toEqual([early, late]);
      await store.removePending([early.runId, randomUUID()]);
      await store.removePending([]);
      expect(await store.listPending()).toEqual([late]);
    });

    it('insertRunning consumes its pending run in the same transaction', async () => {
      const p = pending();
      const q = pending();
      await store.addPending([p, q]);
      const r = running({ runId: p.runId, jobName: p.jobName, triggerType: 'retry' });
      await store.insertRunning(r, p.runId);
      expect((await store.listPending()).map((x) => x.runId)).toEqual([q.runId]);
      expect((await store.listRunning()).map((x) => x.runId)).toEqual([p.runId]);
      // the pending row cannot be deleted: the running row is not written either
      await fixture.breakDeletes('dsari_pending_runs');
      try {
        await expect(store.insertRunning(running({ runId: q.runId }), q.runId)).rejects.toThrow(/E_STORE|failed|boom/i);
      } finally {
        await fixture.repairDeletes('dsari_pending_runs');
      }
      expect((await store.listRunning()).map((x) => x.runId)).toEqual([p.runId]);
      expect((await store.listPending()).map((x) => x.runId)).toEqual([q.runId]);
      await store.insertRunning(running({ runId: q.runId }), q.runId);
      expect(await store.listPending()).toEqual([]);
    });

    it('finishRun adds the pending runs it causes in the same transaction, idempotently', async () => {
      const r = running();
      await store.insertRunning(r);
      const retry = pending({ jobName: r.jobName });
      const next = pending({ jobName: 'downstream', triggerType: 'upstream', scheduleTime: 1_700_000_101 });
      // the running row cannot be deleted: neither the finished row nor the pending runs are written
      await fixture.breakDeletes();
      try {
        await expect(store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 1 }, [retry, next])).rejects.toThrow(/E_STORE|failed|boom/i);
      } finally {
        await fixture.repairDeletes();
      }
      expect(await store.listPending()).toEqual([]);
      expect(await store.listRuns({ includeRunning: false })).toEqual([]);
      const f = { ...r, stopTime: r.startTime + 1, exitCode: 1 };
      await store.finishRun(f, [retry, next]);
      expect(await store.listPending()).toEqual([retry, next]);
      // recorded again (a journal replayed): nothing doubled
      await store.finishRun(f, [retry, next]);
      expect(await store.listPending()).toEqual([retry, next]);
      // once the retry has started, or finished, a replay does not bring it back
      await store.insertRunning(running({ runId: retry.runId, jobName: retry.jobName, triggerType: 'retry' }), retry.runId);
      await store.finishRun(finished({ runId: next.runId, jobName: next.jobName, triggerType: 'upstream' }), []);
      await store.removePending([next.runId]);
      await store.finishRun(f, [retry, next]);
      expect(await store.listPending()).toEqual([]);
    });

    it('a finished run is pending no more, even when its running record never consumed the pending row', async () => {
      const lost = pending();
      const kept = pending({ scheduleTime: 1_700_000_500 });
      await store.addPending([lost, kept]);
      // the start could not be recorded (database locked); the run ended and is recorded
      await store.finishRun(finished({ runId: lost.runId, jobName: lost.jobName, triggerType: 'retry' }));
      expect(await store.listPending()).toEqual([kept]);
      if (store.recordBatch === undefined) throw new Error(`${fixture.kind}: no recordBatch`);
      await store.recordBatch([{ kind: 'finished', run: finished({ runId: kept.runId, jobName: kept.jobName }) }, { kind: 'running', run: running() }]);
      expect(await store.listPending()).toEqual([]);
    });

    it('recordBatch honours consumesPending and addPending, all in one transaction', async () => {
      if (store.recordBatch === undefined) throw new Error(`${fixture.kind}: no recordBatch`);
      const a = running({ jobName: 'a' });
      const b = running({ jobName: 'b' });
      const waiting = pending({ jobName: 'c' });
      await store.addPending([waiting]);
      const retryA = pending({ jobName: 'a' });
      const retryB = pending({ jobName: 'b', scheduleTime: 1_700_000_200 });
      const c = running({ runId: waiting.runId, jobName: 'c', triggerType: 'retry' });
      await store.recordBatch([
        { kind: 'running', run: a },
        { kind: 'running', run: b },
        { kind: 'finished', run: { ...a, stopTime: a.startTime + 1, exitCode: 1 }, addPending: [retryA] },
        { kind: 'finished', run: { ...b, stopTime: b.startTime + 1, exitCode: 1 }, addPending: [retryB] },
        { kind: 'running', run: c, consumesPending: waiting.runId },
      ]);
      expect(await store.listPending()).toEqual([retryA, retryB]);
      expect((await store.listRunning()).map((x) => x.runId)).toEqual([c.runId]);
      // a batch that fails leaves the pending runs as they were
      const d = running({ runId: retryA.runId, jobName: 'a' });
      const bad = finished({ jobName: 'bad', triggerData: { n: 1n } });
      await expect(store.recordBatch([{ kind: 'running', run: d, consumesPending: retryA.runId }, { kind: 'finished', run: bad, addPending: [pending()] }])).rejects.toThrow();
      expect(await store.listPending()).toEqual([retryA, retryB]);
      expect(await store.getRun(d.runId)).toBeNull();
    });

    it('lastScheduledFires: per job, the latest schedule time of scheduled runs, finished or running', async () => {
      expect(await store.lastScheduledFires()).toEqual(new Map());
      await store.finishRun(finished({ jobName: 'a', scheduleTime: 100.000001 }));
      await store.finishRun(finished({ jobName: 'a', scheduleTime: 300.250001 }));
      await store.finishRun(finished({ jobName: 'a', scheduleTime: 900, triggerType: 'file' }));
      await store.finishRun(finished({ jobName: 'a', scheduleTime: 950, triggerType: 'retry' }));
      await store.finishRun(finished({ jobName: 'b', scheduleTime: 600 }));
      await store.insertRunning(running({ jobName: 'b', scheduleTime: 700.5 }));
      await store.insertRunning(running({ jobName: 'c', scheduleTime: 50 }));
      await store.insertRunning(running({ jobName: 'd', scheduleTime: 800, triggerType: 'file' }));
      await store.finishRun(finished({ jobName: 'c', scheduleTime: 40 }));
      expect(await store.lastScheduledFires()).toEqual(
        new Map([
          ['a', 300.250001],
          ['b', 700.5],
          ['c', 50],
        ]),
      );
    });

    it('a database without these tables (not upgraded) reads as no pauses and no pending runs, and is not written', async () => {
      await store.addPause(pause('x'));
      await fixture.dropTables(TABLES);
      try {
        expect(await store.listPauses()).toEqual([]);
        expect(await store.listPending()).toEqual([]);
        expect(await store.listRuns()).toEqual([]);
        const tables = await fixture.tableNames();
        expect(tables).toEqual(expect.arrayContaining(['runs', 'runs_running']));
        expect(tables.filter((t) => TABLES.includes(t))).toEqual([]);
      } finally {
        // a store opened in the daemon's way creates them again
        await openStore();
      }
      expect((await fixture.tableNames()).filter((t) => TABLES.includes(t)).sort()).toEqual(TABLES);
      expect(await store.listPauses()).toEqual([]);
    });
  });
}
