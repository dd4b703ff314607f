/** The daemon on a manual clock, a fake executor and an in-memory store, for unit tests. */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, JobConfig } from '../../src/config/types.js';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import { Logger, MemorySink } from '../../src/log.js';
import { FakeExecutor } from './fake-executor.js';
import { counterIds, everyN, makeConfig, ManualClock } from './fixtures.js';
import { MemoryStore } from './memory-store.js';

export const T0 = 1_699_998_300;

export interface Harness {
  daemon: Daemon;
  clock: ManualClock;
  store: MemoryStore;
  exec: FakeExecutor;
  sink: MemorySink;
  setConfig(c: Config | Error): void;
  logText(): string;
}

export interface HarnessOptions {
  groups?: Record<string, number>;
  over?: Partial<Config>;
  store?: MemoryStore;
  clock?: ManualClock;
  exec?: FakeExecutor;
  daemon?: Partial<DaemonOptions>;
}

export function makeHarness(dataDir: string, jobs: JobConfig[], opts: HarnessOptions = {}): Harness {
  const tmp = { path: dataDir };
  const clock = opts.clock ?? new ManualClock(T0);
  const store = opts.store ?? new MemoryStore();
  const exec = opts.exec ?? new FakeExecutor(clock);
  const sink = new MemorySink();
  let next: Config | Error = makeConfig(tmp.path, jobs, opts.groups, opts.over);
  const config = next as Config;
  const daemon = new Daemon({
    config,
    loadConfig: () => {
      if (next instanceof Error) throw next;
      return next;
    },
    store,
    executor: exec,
    clock,
    log: new Logger({ sink, level: 'debug' }),
    nextFireTime: everyN,
    time: {
      localZone: () => 'UTC',
      isValidZone: (z) => z === 'UTC',
      parseDateTime: (v) => {
        if (typeof v === 'number') return v;
        const t = Date.parse(v);
        if (Number.isNaN(t)) throw new Error(`time "${v}" does not parse`);
        return t / 1000;
      },
    },
    newRunId: counterIds(`r${Math.floor(Math.random() * 1e6)}`),
    random: () => 0,
    hostname: 'testhost',
    triggers: { notify: false, settleMs: 0 },
    ...opts.daemon,
  });
  return { daemon, clock, store, exec, sink, setConfig: (c) => (next = c), logText: () => sink.lines.join('\n') };
}

export function writeTriggerIn(dataDir: string, jobName: string, content: string, name = 'trigger.json', mtime?: number): string {
  const dir = join(dataDir, 'trigger', jobName);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, content);
  // The manual clock is at T0: a file written now would look like a trigger for the future.
  utimesSync(file, mtime ?? T0, mtime ?? T0);
  return file;
}
