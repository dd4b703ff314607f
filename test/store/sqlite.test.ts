import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import { createStore } from '../../src/store/index.js';
import { SQLITE_RUNS_DDL, SQLITE_RUNS_RUNNING_DDL, SqliteStore } from '../../src/store/sqlite.js';
import { ROOT, makeTempDir, waitFor } from '../helpers/index.js';
import { finished, running, storeSuite } from './store-suite.js';

const tmp = makeTempDir('dsari-store-sqlite-');
const file = join(tmp.path, 'suite.sqlite3');
let raw: Database.Database | null = null;
const rawDb = (): Database.Database => (raw ??= new Database(file));

storeSuite({
  kind: 'sqlite3',
  setup: async () => {
    const s = new SqliteStore(file);
    await s.open();
    await s.close();
  },
  teardown: async () => {
    raw?.close();
    tmp.cleanup();
  },
  newStore: () => new SqliteStore(file),
  clear: async () => {
    const db = rawDb();
    db.exec('DELETE FROM runs; DELETE FROM runs_running;');
  },
  breakDeletes: async (table = 'runs_running') => {
    rawDb().exec(`CREATE TRIGGER boom BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, 'boom'); END`);
  },
  repairDeletes: async () => {
    rawDb().exec('DROP TRIGGER IF EXISTS boom');
  },
  dropTables: async (tables) => {
    for (const t of tables) rawDb().exec(`DROP TABLE IF EXISTS ${t}`);
  },
  tableNames: async () => rawDb().prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
});

describe('sqlite3: files and compatibility', () => {
  const dirs: { cleanup: () => void }[] = [];
  const stores: SqliteStore[] = [];
  const fresh = (): string => {
    const d = makeTempDir('dsari-store-sqlite-');
    dirs.push(d);
    return d.path;
  };
  const open = async (path: string, options: ConstructorParameters<typeof SqliteStore>[1] = {}): Promise<SqliteStore> => {
    const s = new SqliteStore(path, options);
    stores.push(s);
    await s.open();
    return s;
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) d.cleanup();
  });

  it('creates the original schema exactly, in WAL mode, in a directory that does not exist yet', async () => {
    const path = join(fresh(), 'var', 'dsari.sqlite3');
    const store = createStore({ type: 'sqlite3', file: path }, { log: new Logger({ sink: new MemorySink() }) });
    await store.open();
    await store.close();
    const db = new Database(path, { readonly: true });
    const cols = (t: string): string[] =>
      (db.pragma(`table_info(${t})`) as { name: string; type: string }[]).map((c) => `${c.name} ${c.type.toLowerCase()}`);
    expect(cols('runs')).toEqual([
      'job_name text', 'run_id text', 'schedule_time real', 'start_time real', 'stop_time real',
      'exit_code integer', 'trigger_type text', 'trigger_data text', 'run_data text',
    ]);
    expect(cols('runs_running')).toEqual([
      'job_name text', 'run_id text', 'schedule_time real', 'start_time real',
      'trigger_type text', 'trigger_data text', 'run_data text',
    ]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM runs WHERE job_name = 'x' ORDER BY stop_time DESC LIMIT 1").all() as { detail: string }[];
    // dsari_runs_job_stop holds every column in SQLite (issue 15), so SQLite says COVERING INDEX.
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX dsari_runs_job/);
    db.close();
  });

  it('widens the job/stop-time index an earlier build made narrow, once, keeping the rows; a job listing then reads the index alone', async () => {
    const path = join(fresh(), 'dsari.sqlite3');
    const first = new SqliteStore(path);
    await first.open();
    const runs = Array.from({ length: 30 }, (_, i) => finished({ jobName: i % 3 === 0 ? 'a' : 'b', stopTime: 1_700_000_000 + i }));
    for (const r of runs) await first.finishRun(r);
    await first.close();
    // As the builds before issue 15's covering index left it.
    const db = new Database(path);
    db.exec('DROP INDEX dsari_runs_job_stop; CREATE INDEX dsari_runs_job_stop ON runs (job_name, stop_time, run_id)');
    db.close();

    const sink = new MemorySink();
    const store = new SqliteStore(path, { log: new Logger({ sink }) });
    expect(await store.upgradeSchema()).toEqual(['index dsari_runs_job_stop']);
    expect(await store.upgradeSchema()).toEqual([]);
    expect(sink.lines).toEqual([expect.stringMatching(/^INFO: .*dsari\.sqlite3: index dsari_runs_job_stop made again with the columns this version gives it \(once, \d+ ms\)$/)]);
    const listed = await store.listRuns({ jobNames: ['a'], includeRunning: false, orderBy: 'stop_time', order: 'desc' });
    expect(listed.map((r) => r.runId)).toEqual(runs.filter((r) => r.jobName === 'a').reverse().map((r) => r.runId));
    await store.close();
    const check = new Database(path, { readonly: true });
    const sql = check.prepare("SELECT sql FROM sqlite_master WHERE name = 'dsari_runs_job_stop'").pluck().get() as string;
    expect(sql).toContain('trigger_data, run_data)');
    const plan = check
      .prepare('EXPLAIN QUERY PLAN SELECT job_name, run_id, schedule_time, start_time, stop_time, exit_code, trigger_type, trigger_data, run_data FROM runs WHERE job_name IN (?) ORDER BY stop_time DESC, run_id DESC')
      .all('a') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('COVERING INDEX dsari_runs_job_stop');
    check.close();
  });

  it("reads and extends a database written by the original, odd rows included", async () => {
    const path = join(fresh(), 'dsari.sqlite3');
    const db = new Database(path);
    db.exec(SQLITE_RUNS_DDL);
    db.exec(SQLITE_RUNS_RUNNING_DDL);
    const ins = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    // as Python's json.dumps writes it
    ins.run('old', 'a0000000-0000-4000-8000-000000000001', 1500000000.5, 1500000001.25, 1500000002.75, 0, 'schedule', '{}', '{"pid": 12}');
    ins.run('old', 'a0000000-0000-4000-8000-000000000002', 1500000010, 1500000011, 1500000012, 1, 'file', '{"type": "x"}', null);
    ins.run('old', 'a0000000-0000-4000-8000-000000000003', 1500000020, 1500000021, 1500000022, 0, 'file', 'not json', '[1, 2]');
    ins.run('old', 'a0000000-0000-4000-8000-000000000004', null, null, null, null, null, null, '"str"');
    db.prepare('INSERT INTO runs_running VALUES (?, ?, ?, ?, ?, ?, ?)').run('old', 'a0000000-0000-4000-8000-000000000005', 1500000030, 1500000031, 'schedule', '{}', '{}');
    db.close();

    const store = await open(path);
    const all = await store.listRuns({ order: 'asc' });
    expect(all).toHaveLength(5);
    const byId = new Map(all.map((r) => [r.runId.slice(-1), r]));
    expect(byId.get('1')).toMatchObject({ scheduleTime: 1500000000.5, startTime: 1500000001.25, stopTime: 1500000002.75, exitCode: 0, runData: { pid: 12 } });
    expect(byId.get('2')).toMatchObject({ triggerData: { type: 'x' }, runData: {} });
    expect(byId.get('3')).toMatchObject({ triggerData: { _raw: 'not json' }, runData: { _raw: '[1, 2]' } });
    expect(byId.get('4')).toMatchObject({ scheduleTime: 0, stopTime: 0, exitCode: -1, triggerType: '', triggerData: {}, runData: { _raw: '"str"' } });
    expect(byId.get('5')?.running).toBe(true);
    expect((await store.jobSummaries())[0]).toMatchObject({ jobName: 'old', runCount: 4, successCount: 2 });
    const pages: number[] = [];
    for await (const page of store.iterateFinished(2)) pages.push(page.length);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(4);

    // extend it; the original's reader (plain SELECT and json.loads) sees a normal row
    const f = finished({ jobName: 'old', runData: { pid: 9 } });
    await store.finishRun(f);
    await store.close();
    const check = new Database(path, { readonly: true });
    const row = check.prepare('SELECT * FROM runs WHERE run_id = ?').get(f.runId) as Record<string, unknown>;
    expect(row).toMatchObject({ job_name: 'old', exit_code: 0, stop_time: f.stopTime, run_data: '{"pid":9}', trigger_data: '{}' });
    expect(typeof row['schedule_time']).toBe('number');
    check.close();
  });

  it('a file that is not a database gives a StoreError naming the file', async () => {
    const path = join(fresh(), 'garbage.sqlite3');
    writeFileSync(path, 'this is not a database, just text that is long enough to fill a header.\n'.repeat(20));
    const err = await open(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/not a SQLite database/);
  });

  it('a database locked by another process for 10 s delays the write instead of failing', async () => {
    const path = join(fresh(), 'locked.sqlite3');
    const store = await open(path);
    const r = running();
    await store.insertRunning(r);
    const holder = spawn(process.execPath, [
      '-e',
      `const D=require('better-sqlite3');const db=new D(${JSON.stringify(path)});db.exec('BEGIN EXCLUSIVE');` +
        `process.stdout.write('locked\\n');setTimeout(()=>{db.exec('COMMIT');db.close();},10000);`,
    ], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the other process to take the lock', () => out.includes('locked'));
      const t0 = Date.now();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 100);
      await store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 0 });
      clearInterval(ticker);
      expect(Date.now() - t0).toBeGreaterThan(8000);
      expect(ticks).toBeGreaterThan(40); // the event loop kept running while waiting
      expect((await store.getRun(r.runId))?.running).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 40_000);

  it('when the lock outlasts the wait, the error says the file is locked', async () => {
    const path = join(fresh(), 'locked2.sqlite3');
    const store = await open(path, { lockWaitMs: 300 });
    const other = new Database(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const err = await store.finishRun(finished()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(new RegExp(`SQLite database ${path.replace(/[.]/g, '\\.')} is locked by another process`));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('readers are not blocked by a writer holding a transaction (WAL)', async () => {
    const path = join(fresh(), 'wal.sqlite3');
    const store = await open(path, { lockWaitMs: 0 });
    await store.finishRun(finished());
    const writer = new Database(path);
    writer.exec('BEGIN IMMEDIATE');
    writer.exec("INSERT INTO runs (job_name) VALUES ('uncommitted')");
    try {
      expect(await store.listRuns()).toHaveLength(1);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  it('a finished run is on disk once finishRun resolves, even if the process is killed -9 at once', async () => {
    const path = join(fresh(), 'durable.sqlite3');
    const script = `
      import { SqliteStore } from ${JSON.stringify(join(ROOT, 'dist', 'store', 'sqlite.js'))};
      const s = new SqliteStore(${JSON.stringify(path)});
      await s.open();
      await s.finishRun({ jobName: 'k', runId: '11111111-1111-4111-8111-111111111111', scheduleTime: 1, startTime: 2, stopTime: 3, exitCode: 0, triggerType: 'schedule', triggerData: {}, runData: {} });
      process.stdout.write('done\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('done')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((r) => child.on('exit', r));
    expect(out, err).toContain('done');
    const store = await open(path);
    expect((await store.getRun('11111111-1111-4111-8111-111111111111'))?.exitCode).toBe(0);
  });
});
