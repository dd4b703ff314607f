/**
 * Retention (SPEC-BEYOND §12.7) and the notification outbox on every backend: SQLite, and the
 * real PostgreSQL and MariaDB servers (a fresh database per test; servers are never stopped).
 * `prune` and the daemon's background RetentionRunner remove exactly the runs the settings
 * exclude — never the newest, the last failed or a running run — with their directories, rendered
 * pages and notifications, and compress old outputs.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config, DatabaseConfig } from '../../src/config/types.js';
import { Logger, MemorySink } from '../../src/log.js';
import { outboxCounts, runNotifications } from '../../src/notify/outbox.js';
import { prune } from '../../src/retention/prune.js';
import { RetentionRunner } from '../../src/retention/runner.js';
import { createStore } from '../../src/store/index.js';
import type { FinishedRun, RunStore } from '../../src/store/types.js';
import { makeTempDir, waitFor } from '../helpers/index.js';
import { mysqlAdmin, mysqlUnreachable, pgAdmin, pgDsn, pgUnreachable, skipBecause, testDbName } from '../store/servers.js';

const DAY = 86_400;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Backend {
  readonly name: string;
  unreachable(): Promise<string | null>;
  /** A fresh database, dropped after the test. */
  database(dir: string): Promise<DatabaseConfig>;
}

const BACKENDS: Backend[] = [
  { name: 'sqlite3', unreachable: async () => null, database: async (dir) => ({ type: 'sqlite3', file: join(dir, 'dsari.sqlite3') }) },
  {
    name: 'postgresql',
    unreachable: pgUnreachable,
    database: async () => {
      const db = testDbName();
      await pgAdmin((c) => c.query(`CREATE DATABASE ${db}`));
      cleanups.push(() => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)).then(() => undefined));
      return { type: 'postgresql', dsn: pgDsn(db) };
    },
  },
  {
    name: 'mysql',
    unreachable: mysqlUnreachable,
    database: async () => {
      const db = testDbName();
      await mysqlAdmin((c) => c.query(`CREATE DATABASE ${db}`));
      cleanups.push(() => mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db}`)).then(() => undefined));
      return { type: 'mysql', connection: { host: '127.0.0.1', port: 3306, user: 'root', passwd: '', db } };
    },
  },
];

interface Fixture {
  config: Config;
  store: RunStore;
  log: Logger;
  sink: MemorySink;
}

/** A configuration directory with `retentionYaml`, the backend's database, and an open store. */
async function fixture(backend: Backend, yaml: string): Promise<Fixture> {
  const tmp = makeTempDir('dsari-retention-');
  cleanups.push(tmp.cleanup);
  const db = await backend.database(tmp.path);
  const etc = join(tmp.path, 'etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'dsari.json'), JSON.stringify({ data_dir: join(tmp.path, 'var'), database: db }));
  writeFileSync(join(etc, 'dsari.yaml'), yaml);
  const config = loadConfig({ configDir: etc, env: { HOME: tmp.path } });
  const sink = new MemorySink();
  const log = new Logger({ sink, level: 'debug' });
  const store = createStore(config.database, { log, readOnly: true });
  await store.open();
  cleanups.push(() => store.close());
  return { config, store, log, sink };
}

/** Records a finished run (with files and a rendered page) that stopped `ageDays` ago. */
async function addRun(f: Fixture, job: string, ageDays: number, exitCode = 0, output = 'hello\n'): Promise<FinishedRun> {
  const stop = Date.now() / 1000 - ageDays * DAY;
  const run: FinishedRun = { jobName: job, runId: randomUUID(), scheduleTime: stop - 2, startTime: stop - 1, stopTime: stop, exitCode, triggerType: 'schedule', triggerData: {}, runData: {} };
  await f.store.finishRun(run, undefined, [{ jobName: job, runId: run.runId, event: exitCode === 0 ? 'success' : 'failure', notifier: '1:abc', label: 'webhook 1 (json)', createdAt: stop }]);
  const dir = join(f.config.dataDir, 'runs', job, run.runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'output.txt'), output);
  const page = join(f.config.dataDir, 'html', job, run.runId);
  mkdirSync(page, { recursive: true });
  writeFileSync(join(page, 'index.html'), '<html></html>');
  return run;
}

async function ids(f: Fixture, job: string): Promise<string[]> {
  return (await f.store.listRuns({ jobNames: [job], includeRunning: false, orderBy: 'stop_time', order: 'asc' })).map((r) => r.runId);
}

for (const backend of BACKENDS) {
  describe(`retention on ${backend.name}`, () => {
    it('keep_runs and keep_days remove runs, files, pages and notifications; the newest, the last failed and running runs stay', async (ctx) => {
      if (skipBecause(await backend.unreachable())) return ctx.skip();
      const f = await fixture(backend, `
retention: {keep_runs: 3}
jobs:
  a: {command: [/bin/true]}
  b: {command: [/bin/true], retention: {keep_runs: null, keep_days: 10}}
  c: {command: [/bin/true], retention: {keep_runs: 1}}
`);
      // a: 8 runs, the 2nd oldest failed (the last failure): keep the newest 3 and that one
      const a = [];
      for (let i = 0; i < 8; i++) a.push(await addRun(f, 'a', 20 - i, i === 1 ? 2 : 0));
      // b: 5 runs, 30 … 2 days old: those older than 10 days go
      const b = [];
      for (const age of [30, 20, 11, 9, 2]) b.push(await addRun(f, 'b', age));
      // c: keep_runs 1, and all are older than any limit: the newest stays; a running run is untouched
      const c = [await addRun(f, 'c', 5), await addRun(f, 'c', 4)];
      const runningId = randomUUID();
      await f.store.insertRunning({ jobName: 'c', runId: runningId, scheduleTime: 1, startTime: 1, triggerType: 'schedule', triggerData: {}, runData: {} });
      // a run directory removed by hand before prune
      const { rmSync } = await import('node:fs');
      rmSync(join(f.config.dataDir, 'runs', 'a', a[0]!.runId), { recursive: true });

      const dry = await prune({ sql: f.store.sqlRunner!(), config: f.config, log: f.log, now: Date.now() / 1000, dryRun: true });
      expect(dry.runsRemoved).toBe(4 + 3 + 1);
      expect(await ids(f, 'a')).toHaveLength(8);

      const s = await prune({ sql: f.store.sqlRunner!(), config: f.config, log: f.log, now: Date.now() / 1000 });
      expect(s).toMatchObject({ runsRemoved: 8, missingDirs: 1, problems: [] });
      expect(s.bytesFreed).toBe(dry.bytesFreed);
      expect(s.bytesFreed).toBe(7 * 6 + 8 * 13);
      expect(await ids(f, 'a')).toEqual([a[1]!.runId, a[5]!.runId, a[6]!.runId, a[7]!.runId]);
      expect(await ids(f, 'b')).toEqual([b[3]!.runId, b[4]!.runId]);
      expect(await ids(f, 'c')).toEqual([c[1]!.runId]);
      expect((await f.store.listRunning()).map((r) => r.runId)).toEqual([runningId]);
      for (const removed of [a[0]!, a[2]!, b[0]!, c[0]!]) {
        expect(existsSync(join(f.config.dataDir, 'runs', removed.jobName, removed.runId))).toBe(false);
        expect(existsSync(join(f.config.dataDir, 'html', removed.jobName, removed.runId))).toBe(false);
        expect(await runNotifications(f.store.sqlRunner!(), removed.runId)).toEqual([]);
      }
      expect(existsSync(join(f.config.dataDir, 'runs', 'a', a[7]!.runId, 'output.txt'))).toBe(true);
      expect(await outboxCounts(f.store.sqlRunner!())).toEqual({ pending: 7, failed: 0 });
      // a second pass finds nothing more
      expect((await prune({ sql: f.store.sqlRunner!(), config: f.config, log: f.log, now: Date.now() / 1000 })).runsRemoved).toBe(0);
    });

    it('the background runner removes in small batches and compresses old outputs, readable back', async (ctx) => {
      if (skipBecause(await backend.unreachable())) return ctx.skip();
      const f = await fixture(backend, `
retention: {keep_runs: 5, compress_after: 1}
jobs:
  j: {command: [/bin/true]}
`);
      const runs = [];
      for (let i = 0; i < 60; i++) runs.push(await addRun(f, 'j', 3 - i / 100, 0, `line ${i}\n`.repeat(200)));
      const fresh = await addRun(f, 'j', 0.1, 0, 'fresh\n');
      const runner = new RetentionRunner({ sql: f.store.sqlRunner!(), clock: new SystemClock(), log: f.log, config: () => f.config, firstPassMs: 0 });
      runner.start();
      cleanups.push(() => runner.stop());
      await waitFor('background pass', () => f.sink.lines.some((l) => l.includes('Retention: removed')), { timeoutMs: 30_000 });
      await runner.stop();
      const left = await ids(f, 'j');
      expect(left).toEqual([...runs.slice(-4).map((r) => r.runId), fresh.runId]);
      for (const r of runs.slice(-4)) {
        const dir = join(f.config.dataDir, 'runs', 'j', r.runId);
        expect(existsSync(join(dir, 'output.txt'))).toBe(false);
        const { gunzipSync } = await import('node:zlib');
        const { readFileSync } = await import('node:fs');
        expect(gunzipSync(readFileSync(join(dir, 'output.txt.gz'))).toString()).toBe(`line ${runs.indexOf(r)}\n`.repeat(200));
      }
      // younger than compress_after: left alone
      expect(existsSync(join(f.config.dataDir, 'runs', 'j', fresh.runId, 'output.txt'))).toBe(true);
      expect(f.sink.lines.join('\n')).toMatch(/INFO: Retention: removed 56 run\(s\), .* freed; compressed 4 output\(s\)/);
    });
  });
}
