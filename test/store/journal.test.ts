/**
 * The journal's logic without a shared server: the inner store is a SQLite store that can be
 * switched "down" (it then throws StoreUnavailableError, as the PostgreSQL/MySQL stores do).
 * The real outages are in outage.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import { JournaledStore } from '../../src/store/journal.js';
import { StoreUnavailableError, type ServerStore } from '../../src/store/network.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { RunStore } from '../../src/store/types.js';
import { makeTempDir, waitFor } from '../helpers/index.js';
import { pending } from './policy-suite.js';
import { finished, running } from './store-suite.js';

const tmp = makeTempDir('dsari-journal-');
afterAll(() => tmp.cleanup());

/** A store that is down while `down` is true, and counts the attempts made meanwhile. */
function flaky(file: string): { store: ServerStore; state: { down: boolean; attempts: number; refuse: string | null } } {
  const inner = new SqliteStore(file);
  const state = { down: false, attempts: 0, refuse: null as string | null };
  const guard = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (state.down) {
        state.attempts++;
        throw new StoreUnavailableError('postgresql database postgresql://u:REDACTED@db/x is unavailable (connecting): connect ECONNREFUSED');
      }
      if (state.refuse !== null && JSON.stringify(a).includes(state.refuse)) throw new StoreError('value out of range');
      return fn(...a);
    };
  const store: Partial<RunStore> & { target: string } = {
    kind: 'postgresql',
    target: 'postgresql://u:REDACTED@db/x',
    open: guard(() => inner.open()),
    close: () => inner.close(),
    insertRunning: guard((r, consumes) => inner.insertRunning(r, consumes)),
    updateRunningData: guard((id, d) => inner.updateRunningData(id, d)),
    finishRun: guard((r, add) => inner.finishRun(r, add)),
    addPause: guard((p) => inner.addPause(p)),
    removePause: guard((j) => inner.removePause(j)),
    listPauses: guard(() => inner.listPauses()),
    addPending: guard((runs) => inner.addPending(runs)),
    removePending: guard((ids) => inner.removePending(ids)),
    listPending: guard(() => inner.listPending()),
    lastScheduledFires: guard(() => inner.lastScheduledFires()),
    listRunning: guard(() => inner.listRunning()),
    getRun: guard((id) => inner.getRun(id)),
    listRuns: guard((q) => inner.listRuns(q)),
  };
  return { store: store as unknown as ServerStore, state };
}

describe('journal (simulated outages)', () => {
  it('at close, writes queued behind a long back-off reach a server that is back, instead of waiting for the next start', async () => {
    const { store: inner, state } = flaky(join(tmp.path, 'close.sqlite3'));
    const sink = new MemorySink();
    const file = join(tmp.path, 'close.jsonl');
    const store = new JournaledStore(inner, { log: new Logger({ sink }), file, minRetryMs: 60_000, maxRetryMs: 60_000 });
    await store.open();
    state.down = true;
    const run = running({ startTime: 500 });
    await store.insertRunning(run);
    await store.finishRun({ ...run, stopTime: 501, exitCode: 0 });
    expect(store.pendingWrites).toBe(2);
    state.down = false; // back, but the next retry is a minute away
    await store.close();
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(sink.lines.join('\n')).not.toMatch(/stay in/);
    const check = new SqliteStore(join(tmp.path, 'close.sqlite3'));
    await check.open();
    expect((await check.getRun(run.runId))?.exitCode).toBe(0);
    await check.close();
  });

  it('logs an outage once and its recovery once however many retries, replaying in order without duplicates', async () => {
    const { store: inner, state } = flaky(join(tmp.path, 'a.sqlite3'));
    const sink = new MemorySink();
    const file = join(tmp.path, 'a.jsonl');
    const store = new JournaledStore(inner, { log: new Logger({ sink }), file, minRetryMs: 20, maxRetryMs: 40 });
    await store.open();
    state.down = true;
    const runs = Array.from({ length: 4 }, (_, i) => running({ startTime: 100 + i }));
    for (const r of runs) {
      await store.insertRunning(r);
      await store.updateRunningData(r.runId, { pid: 1 });
      await store.updateRunningData(r.runId, { pid: 2 });
    }
    for (const r of runs.slice(0, 2)) await store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 0, runData: { pid: 2 } });
    expect(store.pendingWrites).toBe(14);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(14);
    await expect(store.listRuns()).rejects.toThrow(/is unavailable/);
    await waitFor('several retries', () => state.attempts > 8);
    state.down = false;
    await store.flush();
    expect(readFileSync(file, 'utf8')).toBe('');
    const all = await store.listRuns({ order: 'asc' });
    expect(all.map((r) => [r.runId, r.running, r.runData])).toEqual(runs.map((r, i) => [r.runId, i >= 2, { pid: 2 }]));
    expect(sink.lines.filter((l) => l.includes('is unavailable'))).toHaveLength(1);
    expect(sink.lines.filter((l) => l.includes('available again'))).toEqual([
      expect.stringMatching(/^INFO: postgresql database postgresql:\/\/u:REDACTED@db\/x is available again after [\d.]+ s; 14 journaled writes recorded$/),
    ]);
    expect(sink.lines.join('\n')).not.toMatch(/secret/);
    await store.close();
  });

  it('a write the database refuses for good is set aside, the others go on', async () => {
    const { store: inner, state } = flaky(join(tmp.path, 'b.sqlite3'));
    const sink = new MemorySink();
    const file = join(tmp.path, 'b.jsonl');
    const store = new JournaledStore(inner, { log: new Logger({ sink }), file, minRetryMs: 20 });
    await store.open();
    const bad = finished({ jobName: 'bad-one' });
    const good = finished({ jobName: 'good-one' });
    state.down = true;
    await store.finishRun(bad);
    await store.finishRun(good);
    state.refuse = 'bad-one';
    state.down = false;
    await store.flush();
    expect((await store.listRuns()).map((r) => r.jobName)).toEqual(['good-one']);
    expect(readFileSync(`${file}.rejected`, 'utf8')).toContain(bad.runId);
    expect(sink.lines.join('\n')).toMatch(/journaled write finishRun refused .*: value out of range; kept in .*b\.jsonl\.rejected/);
    // not an outage: refused at once when nothing is queued
    await expect(store.finishRun(finished({ jobName: 'bad-one' }))).rejects.toThrow(/value out of range/);
    await store.close();
  });

  it('opens while the server is down (writes are journaled), and a journal left behind is replayed at open', async () => {
    const { store: inner, state } = flaky(join(tmp.path, 'c.sqlite3'));
    const file = join(tmp.path, 'c.jsonl');
    state.down = true;
    const first = new JournaledStore(inner, { log: new Logger({ sink: new MemorySink() }), file, minRetryMs: 60_000 });
    await first.open();
    expect(first.unavailable).toBe(true);
    const f = finished();
    await first.finishRun(f);
    await first.close(); // the write stays in the file
    expect(existsSync(file)).toBe(true);
    state.down = false;
    const second = new JournaledStore(inner, { log: new Logger({ sink: new MemorySink() }), file });
    await second.open();
    expect(second.pendingWrites).toBe(0);
    expect((await second.getRun(f.runId))?.running).toBe(false);
    await second.close();
  });

  it('journals pauses, pending runs and the pending parts of run records through an outage; the next start replays them in order', async () => {
    const { store: inner, state } = flaky(join(tmp.path, 'd.sqlite3'));
    const file = join(tmp.path, 'd.jsonl');
    const first = new JournaledStore(inner, { log: new Logger({ sink: new MemorySink() }), file, minRetryMs: 60_000 });
    await first.open();
    const pause = { jobName: 'backup', pausedAt: 10, pausedBy: 'alice', reason: 'disk full' };
    expect(await first.addPause(pause)).toBe(true);
    expect(await first.addPause(pause)).toBe(false); // up: the database answers "already paused"
    state.down = true;
    const a = running({ jobName: 'a' });
    const retry = pending({ jobName: 'a', scheduleTime: 300 });
    const after = pending({ jobName: 'b', triggerType: 'after', scheduleTime: 200 });
    const dropped = pending({ jobName: 'c', scheduleTime: 100 });
    expect(await first.removePause('backup')).toBe(true); // down: journaled, assumed
    expect(await first.addPause({ ...pause, jobName: '*', reason: null })).toBe(true);
    await first.addPending([after, dropped]);
    await first.removePending([dropped.runId]);
    await first.insertRunning(a);
    await first.finishRun({ ...a, stopTime: a.startTime + 1, exitCode: 1 }, [retry]);
    await first.insertRunning(running({ runId: after.runId, jobName: 'b', triggerType: 'after' }), after.runId);
    expect(first.pendingWrites).toBe(7);
    const ops = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { op: string }).op);
    expect(ops).toEqual(['removePause', 'addPause', 'addPending', 'removePending', 'insertRunning', 'finishRun', 'insertRunning']);
    await first.close(); // the writes stay in the file
    state.down = false;
    const second = new JournaledStore(inner, { log: new Logger({ sink: new MemorySink() }), file });
    await second.open();
    expect(second.pendingWrites).toBe(0);
    expect(await second.listPauses()).toEqual([{ ...pause, jobName: '*', reason: null }]);
    expect(await second.listPending()).toEqual([retry]);
    expect((await second.listRunning()).map((r) => r.runId)).toEqual([after.runId]);
    expect((await second.getRun(a.runId))?.exitCode).toBe(1);
    expect(await second.lastScheduledFires()).toEqual(new Map([['a', a.scheduleTime]]));
    await second.close();
  });
});
