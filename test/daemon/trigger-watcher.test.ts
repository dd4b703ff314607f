import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { type AcceptedTrigger, TriggerWatcher } from '../../src/daemon/trigger-watcher.js';
import { Logger, MemorySink } from '../../src/log.js';
import { makeTempDir, waitFor } from '../helpers/index.js';
import { counterIds } from './fixtures.js';

let tmp: { path: string; cleanup: () => void };
let watcher: TriggerWatcher | null = null;
beforeEach(() => {
  tmp = makeTempDir('dsari-watch-');
});
afterEach(() => {
  watcher?.stop();
  watcher = null;
  tmp.cleanup();
});

function start(opts: { jobs?: string[]; settleMs?: number; rescanMs?: number } = {}) {
  const accepted: AcceptedTrigger[] = [];
  const sink = new MemorySink();
  const jobs = new Set(opts.jobs ?? ['a', 'b']);
  watcher = new TriggerWatcher({
    dataDir: tmp.path,
    clock: new SystemClock(),
    log: new Logger({ sink }),
    isKnownJob: (n) => jobs.has(n),
    parseContext: (mtime) => ({
      mtime,
      localZone: 'UTC',
      parseDateTime: (v) => Number(v),
      isValidZone: () => true,
      identityViolations: () => [],
    }),
    newRunId: counterIds(),
    onAccept: (t) => accepted.push(t),
    settleMs: opts.settleMs ?? 2000,
    rescanMs: opts.rescanMs ?? 60_000,
  });
  watcher.start();
  return { accepted, sink, root: join(tmp.path, 'trigger') };
}

describe('TriggerWatcher', () => {
  it('notices a trigger renamed into place without a scan, and one in a job directory created later', async () => {
    const { accepted, root } = start();
    mkdirSync(join(root, 'a'));
    // Give the root watcher a moment to add the new directory's watch (it is added on the event).
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(root, 'a', '.tmp'), '{"n": 1}');
    renameSync(join(root, 'a', '.tmp'), join(root, 'a', 'trigger.json'));
    await waitFor('accepted', () => accepted.length === 1, { timeoutMs: 5000 });
    expect(accepted[0]).toMatchObject({ jobName: 'a', runId: 'run-1', triggerData: { n: 1 } });
    expect(readdirSync(join(root, 'a', 'pending'))).toEqual(['run-1.json']);
    expect(existsSync(join(root, 'a', 'trigger.json'))).toBe(false);
  });

  it('waits for a file a writer is still writing, then takes it whole', async () => {
    const { accepted, root } = start();
    mkdirSync(join(root, 'b'));
    await new Promise((r) => setTimeout(r, 50));
    const file = join(root, 'b', 'trigger.json');
    writeFileSync(file, '{"description": "half');
    await new Promise((r) => setTimeout(r, 300));
    expect(accepted).toEqual([]);
    appendFileSync(file, ' and half"}');
    await waitFor('accepted', () => accepted.length === 1, { timeoutMs: 5000 });
    expect(accepted[0]?.triggerData).toEqual({ description: 'half and half' });
    expect(existsSync(join(root, 'b', 'rejected'))).toBe(false);
  });

  it('judges a file that stays broken after the settle time', async () => {
    const { accepted, sink, root } = start({ settleMs: 200 });
    mkdirSync(join(root, 'b'));
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(root, 'b', 'trigger.json'), '{"broken": ');
    await waitFor('rejected', () => existsSync(join(root, 'b', 'rejected')) && readdirSync(join(root, 'b', 'rejected')).length === 2, { timeoutMs: 5000 });
    expect(accepted).toEqual([]);
    expect(sink.lines.join('\n')).toMatch(/ERROR: \[b\] Cannot load trigger: not valid JSON/);
  });

  it('the periodic re-scan finds what notification missed', async () => {
    const { accepted, root } = start({ rescanMs: 100 });
    watcher!.stop();
    // A second watcher without notification: only the re-scan can find the file.
    const sink = new MemorySink();
    const found: AcceptedTrigger[] = [];
    watcher = new TriggerWatcher({
      dataDir: tmp.path, clock: new SystemClock(), log: new Logger({ sink }), isKnownJob: () => true,
      parseContext: (mtime) => ({ mtime, localZone: 'UTC', parseDateTime: Number, isValidZone: () => true, identityViolations: () => [] }),
      newRunId: counterIds(), onAccept: (t) => found.push(t), rescanMs: 100, notify: false,
    });
    watcher.start();
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'trigger.yaml'), 'x: 1\n');
    await waitFor('found by re-scan', () => found.length === 1, { timeoutMs: 5000 });
    expect(accepted).toEqual([]);
  });
});
