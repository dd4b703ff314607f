/** The recorder: writes queued together are committed in one batch; a failing batch is split. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { RunRecorder } from '../../src/daemon/recorder.js';
import { StoreError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import type { FinishedRun, RecordWrite, RunningRun, StoredPendingRun } from '../../src/store/types.js';
import { waitFor } from '../helpers/index.js';
import { MemoryStore } from './memory-store.js';

/** A store that commits batches (all or nothing) and refuses any write of job "bad". */
class BatchingStore extends MemoryStore {
  readonly batches: string[][] = [];
  override async insertRunning(run: RunningRun, consumesPending?: string): Promise<void> {
    if (run.jobName === 'bad') throw new StoreError('bad row');
    await super.insertRunning(run, consumesPending);
  }
  override async finishRun(run: FinishedRun, addPending?: readonly StoredPendingRun[]): Promise<void> {
    if (run.jobName === 'bad') throw new StoreError('bad row');
    await super.finishRun(run, addPending);
  }
  async recordBatch(writes: readonly RecordWrite[]): Promise<void> {
    this.batches.push(writes.map((w) => `${w.kind}:${w.run.jobName}`));
    if (writes.some((w) => w.run.jobName === 'bad')) throw new StoreError('bad row in the batch');
    for (const w of writes) {
      if (w.kind === 'running') await super.insertRunning(w.run, w.consumesPending);
      else await super.finishRun(w.run, w.addPending);
    }
  }
}

const run = (jobName: string, runId: string): RunningRun => ({ jobName, runId, scheduleTime: 1e9, startTime: 1e9, triggerType: 'file', triggerData: {}, runData: {} });
const done = (r: RunningRun): FinishedRun => ({ ...r, stopTime: r.startTime + 1, exitCode: 0 });

describe('RunRecorder', () => {
  const dirs: string[] = [];
  const make = (store: MemoryStore): { recorder: RunRecorder; sink: MemorySink } => {
    const dir = mkdtempSync(join(tmpdir(), 'dsari-recorder-'));
    dirs.push(dir);
    const sink = new MemorySink();
    return { recorder: new RunRecorder(store, new SystemClock(), new Logger({ sink, level: 'debug' }), dir), sink };
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('commits the starts and ends queued in one turn as one batch, in order', async () => {
    const store = new BatchingStore();
    const { recorder } = make(store);
    const runs = ['a', 'b', 'c'].map((j, i) => run(j, `r${i}`));
    await Promise.all([...runs.map((r) => recorder.started(r)), recorder.finished(done(runs[0]!))]);
    expect(store.batches).toEqual([['running:a', 'running:b', 'running:c', 'finished:a']]);
    expect([...store.running.keys()]).toEqual(['r1', 'r2']);
    expect([...store.finished.keys()]).toEqual(['r0']);
  });

  it('a batch that fails is written one by one: only the failing run is kept for a retry', async () => {
    const store = new BatchingStore();
    const { recorder, sink } = make(store);
    const good = run('good', 'g');
    const bad = run('bad', 'b');
    const results = await Promise.all([recorder.finished(done(good)), recorder.finished(done(bad))]);
    expect(results).toEqual([true, false]);
    expect(store.batches).toHaveLength(1);
    expect([...store.finished.keys()]).toEqual(['g']);
    expect(recorder.waiting).toBe(1);
    expect(sink.lines.join('\n')).toMatch(/Cannot record 2 runs together \(bad row in the batch\); recording them one by one/);
    expect(sink.lines.filter((l) => l.startsWith('ERROR:'))).toEqual([expect.stringMatching(/^ERROR: \[bad b\] Cannot record the finished run: bad row; it is kept and retried/)]);
    await recorder.flush(0);
  });

  it('works with a store that has no batch writes (one write each)', async () => {
    const store = new MemoryStore();
    const { recorder } = make(store);
    const runs = ['a', 'b'].map((j, i) => run(j, `r${i}`));
    await Promise.all(runs.map((r) => recorder.started(r)));
    expect(await Promise.all(runs.map((r) => recorder.finished(done(r))))).toEqual([true, true]);
    expect([...store.finished.keys()]).toEqual(['r0', 'r1']);
    expect(store.running.size).toBe(0);
  });

  const retryOf = (r: RunningRun, runId: string): StoredPendingRun => ({
    runId,
    jobName: r.jobName,
    scheduleTime: r.startTime + 60,
    triggerType: 'retry',
    triggerData: { retry_of: r.runId },
    createdAt: r.startTime + 1,
  });

  it('passes consumesPending and addPending through, batched or one by one', async () => {
    for (const store of [new BatchingStore(), new MemoryStore()]) {
      const { recorder } = make(store);
      const a = run('a', 'ra');
      const retry = retryOf(a, 'ra2');
      await Promise.all([recorder.started(a), recorder.finished(done(a), [retry])]);
      expect([...store.pending.keys()]).toEqual(['ra2']);
      await recorder.started(run('a', 'ra2'), 'ra2');
      expect(store.pending.size).toBe(0);
      expect([...store.running.keys()]).toEqual(['ra2']);
    }
  });

  it('keeps the pending runs of a finished run it cannot write yet, in the backlog and in the journal, and writes them with it', async () => {
    const store = new MemoryStore();
    const { recorder } = make(store);
    store.failWrites = 'database is locked';
    const a = run('a', 'ra');
    const b = run('b', 'rb');
    expect(await recorder.finished(done(a), [retryOf(a, 'ra2')])).toBe(false);
    expect(await recorder.finished(done(b))).toBe(false);
    await recorder.flush(0);
    const lines = readFileSync(recorder.journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([{ run: done(a), addPending: [retryOf(a, 'ra2')] }, done(b)]);
    // the next daemon writes both, the retry with its failed run
    store.failWrites = null;
    const next = make(store);
    writeFileSync(next.recorder.journal, readFileSync(recorder.journal));
    expect(await next.recorder.replayJournal()).toBe(2);
    expect([...store.finished.keys()]).toEqual(['ra', 'rb']);
    expect([...store.pending.values()]).toEqual([retryOf(a, 'ra2')]);
    expect(existsSync(next.recorder.journal)).toBe(false);
  });

  it('a backlog retried later writes the finished run and its pending runs together', async () => {
    const store = new MemoryStore();
    const { recorder } = make(store);
    store.failWrites = 'database is locked';
    const a = run('a', 'ra');
    expect(await recorder.finished(done(a), [retryOf(a, 'ra2')])).toBe(false);
    expect(store.pending.size).toBe(0);
    store.failWrites = null;
    await waitFor('the kept run to be written', () => store.finished.has('ra'), { timeoutMs: 10_000 });
    expect([...store.pending.keys()]).toEqual(['ra2']);
    expect(recorder.waiting).toBe(0);
  });

  it('replays journal lines written by older daemons (bare finished runs)', async () => {
    const store = new MemoryStore();
    const { recorder } = make(store);
    const a = done(run('a', 'old1'));
    writeFileSync(recorder.journal, `${JSON.stringify(a)}\nnot json\n`);
    expect(await recorder.replayJournal()).toBe(1);
    expect(store.finished.get('old1')).toEqual(a);
    expect(store.pending.size).toBe(0);
  });
});
