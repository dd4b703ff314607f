/**
 * The store's part of the run policies on SQLite, PostgreSQL and MariaDB, without any server
 * outage (postgresql.test.ts and mysql.test.ts also stop the servers): the policy cases of the
 * shared suite, the in-place upgrade of an old database (the store's upgradeSchema and `dsari
 * migrate -c DIR`), and processes starting together on a new database — store openings in
 * separate processes and three real daemons from dist/ — none failing, every table and index
 * created exactly once.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeDatabase } from '../../src/store/migrate.js';
import { POLICY_INDEXES } from '../../src/store/policy-sql.js';
import { INDEXES } from '../../src/store/sql.js';
import { ROOT, killLeftovers, makeTempDir, runCli, waitFor, type ManagedProcess } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';
import { BACKENDS, fixtureOf, type Backend, type TestDatabase } from './policy-backends.js';
import { policySuite } from './policy-suite.js';
import { skipBecause } from './servers.js';

const DIST = join(ROOT, 'dist');
const NEW_TABLES = ['dsari_pauses', 'dsari_pending_runs', 'dsari_notifications'];
/** The notification outbox's indexes (MySQL creates them inside its CREATE TABLE). */
const OUTBOX_INDEXES = ['dsari_notifications_due', 'dsari_notifications_run'];

/** What the schema step creates on a database holding only the original's two tables. */
function createdOnOld(kind: Backend['kind']): string[] {
  return [
    ...NEW_TABLES.map((t) => `table ${t}`),
    ...[...INDEXES, ...POLICY_INDEXES].map((ix) => `index ${ix.name}`),
    ...(kind === 'sqlite3' ? ['index dsari_runs_running_run_id', 'index dsari_runs_run_id'] : []),
    ...(kind === 'mysql' ? [] : OUTBOX_INDEXES.map((ix) => `index ${ix}`)),
  ];
}

function allIndexes(kind: Backend['kind']): string[] {
  const names = createdOnOld(kind)
    .filter((x) => x.startsWith('index '))
    .map((x) => x.slice('index '.length));
  return [...new Set([...names, ...OUTBOX_INDEXES])].sort();
}

/** A process that waits for `go` to exist, then opens a store as the daemon does; prints what it created. */
const OPENER = `
const [dist, dbJson, go] = process.argv.slice(1);
const { createStore } = await import(dist + '/store/index.js');
const { createLogger } = await import(dist + '/log.js');
const { existsSync } = await import('node:fs');
process.stdout.write('ready\\n');
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 2));
const store = createStore(JSON.parse(dbJson), { log: createLogger() });
const created = await store.upgradeSchema();
await store.open();
await store.addPause({ jobName: 'p' + process.pid, pausedAt: 1, pausedBy: 'test', reason: null });
await store.close();
process.stdout.write(JSON.stringify(created) + '\\n');
`;

interface Opened {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `n` openers, releases them at once, and returns how each ended. */
async function openTogether(db: TestDatabase, n: number): Promise<Opened[]> {
  const tmp = makeTempDir('dsari-opener-');
  const go = join(tmp.path, 'go');
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', OPENER, DIST, JSON.stringify(db.config), go], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  try {
    const results = children.map((child) => {
      const r: Opened = { code: null, stdout: '', stderr: '' };
      child.stdout.setEncoding('utf8').on('data', (d: string) => (r.stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (r.stderr += d));
      return { r, exited: new Promise<void>((resolve) => child.on('exit', (code) => ((r.code = code), resolve()))) };
    });
    await waitFor(`${n} openers ready`, () => results.every((x) => x.r.stdout.startsWith('ready\n') || x.r.code !== null), { timeoutMs: 30_000 });
    writeFileSync(go, '');
    await Promise.race([
      Promise.all(results.map((x) => x.exited)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('openers did not finish in 60 s')), 60_000)),
    ]);
    return results.map((x) => x.r);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
    tmp.cleanup();
  }
}

for (const backend of BACKENDS) {
  if (skipBecause(await backend.unreachable())) {
    describe.skip(`${backend.kind}: run policies (server unreachable)`, () => {
      it('needs the server', () => undefined);
    });
    continue;
  }

  policySuite(fixtureOf(backend));

  describe(`${backend.kind}: schema upgrade and concurrent starts`, () => {
    const dbs: TestDatabase[] = [];
    const sites: Site[] = [];
    const fresh = async (): Promise<TestDatabase> => {
      const db = await backend.fresh();
      dbs.push(db);
      return db;
    };
    afterEach(async () => {
      expect(await killLeftovers()).toBe(0);
    });
    afterAll(async () => {
      for (const s of sites) s.cleanup();
      for (const db of dbs) await db.drop();
    });

    it("upgradeSchema creates the new tables and indexes on an old database once; the original's tables and rows stay as they were", async () => {
      const db = await fresh();
      await db.createOld();
      const columns = [await db.columns('runs'), await db.columns('runs_running')];
      const store = db.store();
      try {
        expect(await store.upgradeSchema()).toEqual(createdOnOld(backend.kind));
        expect(await store.upgradeSchema()).toEqual([]);
        expect((await store.listRuns()).map((r) => r.runId)).toEqual(['a0000000-0000-4000-8000-000000000001']);
        expect(await store.addPause({ jobName: 'j', pausedAt: 5, pausedBy: 'u', reason: null })).toBe(true);
      } finally {
        await store.close();
      }
      expect([await db.columns('runs'), await db.columns('runs_running')]).toEqual(columns);
      expect(await db.columns('dsari_pauses')).toEqual(['job_name', 'paused_at', 'paused_by', 'reason']);
      expect(await db.columns('dsari_pending_runs')).toEqual(['run_id', 'job_name', 'schedule_time', 'trigger_type', 'trigger_data', 'created_at']);
      expect((await db.tables()).filter((t) => t !== 'sqlite_sequence')).toEqual([...NEW_TABLES, 'runs', 'runs_running'].sort());
      expect(await db.indexes()).toEqual(allIndexes(backend.kind));
    });

    it('dsari migrate -c DIR upgrades the configured database in place and says what it did; a second time nothing', async () => {
      const db = await fresh();
      await db.createOld();
      const site = new Site(db.yaml);
      sites.push(site);
      const first = await runCli('dsari', ['migrate', '-c', site.etc]);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toBe(`Upgraded ${describeDatabase(db.config)}: created ${createdOnOld(backend.kind).join(', ')}\n`);
      const second = await runCli('dsari', ['migrate', '-c', site.etc]);
      expect(second).toMatchObject({ code: 0, stderr: '', stdout: `${describeDatabase(db.config)} is up to date: nothing to create\n` });
      expect((await db.tables()).filter((t) => t !== 'sqlite_sequence')).toEqual([...NEW_TABLES, 'runs', 'runs_running'].sort());
      expect(await db.indexes()).toEqual(allIndexes(backend.kind));
      const half = await runCli('dsari', ['migrate', '-c', site.etc, '--to', '/tmp/x.sqlite3']);
      expect(half.code).toBe(2);
      expect(half.stderr).toMatch(/--to needs --from \(or give neither to upgrade the configured database in place\)/);
    });

    it('a store waits for the schema lock another process holds, then creates everything', async () => {
      const db = await fresh();
      const release = await db.holdSchemaLock();
      const store = db.store();
      let created: string[] | null = null;
      const opening = store.upgradeSchema().then((c) => (created = c));
      try {
        // the lock is held: however long we look, nothing is created (not a timing assumption:
        // a store that ignored the lock would have created the tables by now)
        await new Promise((r) => setTimeout(r, 1500));
        expect(created).toBeNull();
        expect((await db.tables()).filter((t) => t !== 'sqlite_sequence')).toEqual([]);
      } finally {
        await release();
      }
      await opening;
      await store.close();
      expect(created).toEqual(['table runs', 'table runs_running', ...createdOnOld(backend.kind)]);
    });

    it('4 processes opening a new database at the same moment: none fails, each table and index is created exactly once', async () => {
      const db = await fresh();
      const results = await openTogether(db, 4);
      for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      const created = results.flatMap((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[]);
      expect(created.sort()).toEqual(['table runs', 'table runs_running', ...createdOnOld(backend.kind)].sort());
      expect((await db.tables()).filter((t) => t !== 'sqlite_sequence')).toEqual([...NEW_TABLES, 'runs', 'runs_running'].sort());
      expect(await db.indexes()).toEqual(allIndexes(backend.kind));
      const store = db.store();
      await store.open();
      expect((await store.listPauses()).length).toBe(4);
      await store.close();
    });

    it('3 daemons started together on a new database all run and record runs; none crashes', async () => {
      const db = await fresh();
      const config = `${db.yaml}jobs:\n  tick:\n    schedule: '* * * * * *'\n    command: [/bin/true]\n`;
      const trio = [0, 1, 2].map(() => new Site(config));
      sites.push(...trio);
      const daemons: ManagedProcess[] = trio.map((s) => s.start());
      try {
        for (const d of daemons) await d.waitForOutput('Scheduler running', 60_000);
        const store = db.store();
        await store.open();
        try {
          await waitFor('6 finished tick runs', async () => (await store.listRuns({ includeRunning: false, jobNames: ['tick'] })).length >= 6, {
            timeoutMs: 60_000,
            intervalMs: 200,
          });
        } finally {
          await store.close();
        }
      } finally {
        for (const d of daemons) await d.stop('SIGTERM');
      }
      for (const d of daemons) {
        expect(d.exitCode, d.stderr).toBe(0);
        expect(d.stderr).not.toMatch(/already exists|creating tables failed|ERROR/);
      }
      expect((await db.tables()).filter((t) => t !== 'sqlite_sequence')).toEqual([...NEW_TABLES, 'runs', 'runs_running'].sort());
      expect(await db.indexes()).toEqual(allIndexes(backend.kind));
    });
  });
}
