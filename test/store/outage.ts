/**
 * Issue 5: the journal keeps writes through a REAL outage of the database server (stopped and
 * started again), and replays them in order with no duplicates. Registered by the server's test
 * file so that the outage never overlaps that file's other tests. The server is ALWAYS started
 * again, even when a test fails.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import { JournaledStore } from '../../src/store/journal.js';
import type { ServerStore } from '../../src/store/network.js';
import { makeTempDir, waitFor } from '../helpers/index.js';
import { finished, running } from './store-suite.js';

export interface OutageServer {
  kind: string;
  /** A fresh store on the file's test database (which exists, tables maybe not yet). */
  newStore(): ServerStore;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Row counts straight from the database: [runs with this id, runs_running with this id]. */
  countRows(runId: string): Promise<[number, number]>;
}

export function outageTests(server: OutageServer): void {
  describe(`${server.kind}: outage journal (real server stop/start)`, () => {
    const tmp = makeTempDir('dsari-store-journal-');
    afterAll(async () => {
      await server.start(); // whatever happened: the server runs again
      tmp.cleanup();
    });

    it('keeps writes through an outage and replays them in order, once each; logs outage and recovery once', async () => {
      const sink = new MemorySink();
      const file = join(tmp.path, 'store-journal.jsonl');
      const store = new JournaledStore(server.newStore(), { log: new Logger({ sink }), file, minRetryMs: 100, maxRetryMs: 400 });
      await store.open();
      const before = finished({ jobName: 'outage' });
      await store.finishRun(before);
      const during = Array.from({ length: 8 }, (_, i) => running({ jobName: 'outage', startTime: 2000 + i }));
      const stillRunning = running({ jobName: 'outage', startTime: 3000 });
      try {
        await server.stop();
        for (const r of during) {
          await store.insertRunning(r);
          await store.updateRunningData(r.runId, { pid: 1 });
          await store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 0, runData: { pid: 1 } });
          await store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 0, runData: { pid: 1 } }); // a duplicate
        }
        await store.insertRunning(stillRunning);
        await store.updateRunningData(stillRunning.runId, { pid: 2 });
        await store.updateRunningData(stillRunning.runId, { pid: 3 }); // order matters: last wins
        // (other engineers share the server: if one of them starts it meanwhile, fewer are queued)
        expect(store.pendingWrites).toBeGreaterThan(0);
        expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(store.pendingWrites);
        const readErr = await store.listRuns().catch((e: unknown) => e);
        expect(readErr).toBeInstanceOf(StoreError);
        expect((readErr as Error).message).toMatch(new RegExp(`${server.kind} database .* is unavailable`));
        expect((readErr as Error).message).not.toContain('\n');
      } finally {
        await server.start();
      }
      await waitFor('the journal to be replayed', () => store.pendingWrites === 0, { timeoutMs: 30_000 });
      for (const r of [before, ...during]) {
        expect(await server.countRows(r.runId)).toEqual([1, 0]);
        expect((await store.getRun(r.runId))?.running).toBe(false);
      }
      expect(await server.countRows(stillRunning.runId)).toEqual([0, 1]);
      expect((await store.getRun(stillRunning.runId))?.runData).toEqual({ pid: 3 });
      expect(readFileSync(file, 'utf8')).toBe('');
      const outageLines = sink.lines.filter((l) => /is unavailable/.test(l));
      const recoveryLines = sink.lines.filter((l) => /available again/.test(l));
      // once per outage, not once per attempt (exactly once is proven without a shared server in journal.test.ts)
      expect(outageLines.length, sink.lines.join('\n')).toBeGreaterThanOrEqual(1);
      expect(outageLines.length, sink.lines.join('\n')).toBeLessThanOrEqual(2);
      expect(recoveryLines).toHaveLength(outageLines.length);
      expect(recoveryLines.at(-1)).toMatch(/\d+ journaled writes recorded/);
      await store.close();
    }, 120_000);

    it('replays a journal left by a previous process at open, skipping a line cut short', async () => {
      const file = join(tmp.path, 'leftover.jsonl');
      const a = running({ jobName: 'leftover' });
      const b = finished({ jobName: 'leftover' });
      const lines = [
        { op: 'insertRunning', run: a },
        { op: 'finishRun', run: b },
        { op: 'finishRun', run: b },
      ].map((e) => JSON.stringify(e));
      writeFileSync(file, `${lines.join('\n')}\n{"op":"finishRun","run":{"jobN`);
      const sink = new MemorySink();
      const store = new JournaledStore(server.newStore(), { log: new Logger({ sink }), file });
      await store.open();
      expect(store.pendingWrites).toBe(0);
      expect(await server.countRows(a.runId)).toEqual([0, 1]);
      expect(await server.countRows(b.runId)).toEqual([1, 0]);
      expect(existsSync(file) ? readFileSync(file, 'utf8') : '').toBe('');
      expect(sink.lines.join('\n')).toMatch(/unreadable journal entry skipped/);
      await store.close();
    });
  });
}
