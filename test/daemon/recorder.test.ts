/** The recorder: writes queued together are committed in one batch; a failing batch is split. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { RunRecorder } from '../../src/daemon/recorder.js';
import { StoreError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import type { FinishedRun, RecordWrite, RunningRun } from '../../src/store/types.js';
import { MemoryStore } from './memory-store.js';

/** A store that commits batches (all or nothing) and refuses any write of job "bad". */
class BatchingStore extends MemoryStore {
  readonly batches: string[][] = [];
  override async insertRunning(run: RunningRun): Promise<void> {
    if (run.jobName === 'bad') throw new StoreError('bad row');
    await super.insertRunning(run);
  }
  override async finishRun(run: FinishedRun): Promise<void> {
    if (run.jobName === 'bad') throw new StoreError('bad row');
    await super.finishRun(run);
  }
  async recordBatch(writes: readonly RecordWrite[]): Promise<void> {
    this.batches.push(writes.map((w) => `${w.kind}:${w.run.jobName}`));
    if (writes.some((w) => w.run.jobName === 'bad')) throw new StoreError('bad row in the batch');
    for (const w of writes) {
      if (w.kind === 'running') await super.insertRunning(w.run);
      else await super.finishRun(w.run);
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
});
