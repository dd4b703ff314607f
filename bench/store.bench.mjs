// `npm run bench -- store`: the cost of recording runs on each backend, and whether it stays
// flat as the SQLite database grows to 1,000,000 runs. Uses dist/ (npm run bench builds it).
// Env: STORE_BENCH_ROWS (default 1000000), STORE_BENCH_N (recordings per figure, default 300).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlStore } from '../dist/store/mysql.js';
import { postgresqlStore } from '../dist/store/postgresql.js';
import { SqliteStore } from '../dist/store/sqlite.js';

const ROWS = Number(process.env.STORE_BENCH_ROWS ?? 1_000_000);
const N = Number(process.env.STORE_BENCH_N ?? 300);
const tmp = mkdtempSync(join(tmpdir(), 'dsari-store-bench-'));

function quantile(sorted, q) {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p99: quantile(s, 0.99) };
}

const fmt = (x) => `${x.toFixed(2)} ms`;

function run(job, t) {
  return { jobName: job, runId: randomUUID(), scheduleTime: t, startTime: t + 0.25, triggerType: 'schedule', triggerData: {}, runData: { pid: 4242 } };
}

/** Times insertRunning + finishRun (a whole run's recording) and finishRun alone. */
async function recordings(store) {
  const pair = [];
  const finish = [];
  const base = 1_800_000_000;
  for (let i = 0; i < 20; i++) {
    const r = run('warm', base + i);
    await store.insertRunning(r);
    await store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: 0 });
  }
  for (let i = 0; i < N; i++) {
    const r = run(`bench${i % 10}`, base + 100 + i);
    const t0 = performance.now();
    await store.insertRunning(r);
    const t1 = performance.now();
    await store.finishRun({ ...r, stopTime: r.startTime + 1, exitCode: i % 5 === 0 ? 1 : 0 });
    const t2 = performance.now();
    pair.push(t2 - t0);
    finish.push(t2 - t1);
  }
  return { pair: stats(pair), finish: stats(finish) };
}

async function timeIt(fn, times = 20) {
  const ms = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return stats(ms).median;
}

const lines = [];
const out = (l) => {
  lines.push(l);
  console.log(l);
};

out(`recordings per figure: ${N}; large SQLite database: ${ROWS} runs`);
out('');
out('| backend | insertRunning+finishRun median | p99 | finishRun alone median | p99 |');
out('|---|---|---|---|---|');

// SQLite, empty
const emptyFile = join(tmp, 'empty.sqlite3');
const empty = new SqliteStore(emptyFile);
await empty.open();
const sqliteEmpty = await recordings(empty);
out(`| SQLite (WAL, synchronous=FULL), empty | ${fmt(sqliteEmpty.pair.median)} | ${fmt(sqliteEmpty.pair.p99)} | ${fmt(sqliteEmpty.finish.median)} | ${fmt(sqliteEmpty.finish.p99)} |`);

// PostgreSQL
const pgDb = `dsari_bench_${randomUUID().slice(0, 8)}`;
try {
  const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pgDb}`);
  try {
    const store = postgresqlStore(`postgresql://postgres@127.0.0.1:5432/${pgDb}`);
    await store.open();
    const r = await recordings(store);
    await store.close();
    out(`| PostgreSQL 15 (local TCP) | ${fmt(r.pair.median)} | ${fmt(r.pair.p99)} | ${fmt(r.finish.median)} | ${fmt(r.finish.p99)} |`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
    await admin.end();
  }
} catch (err) {
  out(`| PostgreSQL | unavailable: ${err.message} | | | |`);
}

// MariaDB
const myDb = `dsari_bench_${randomUUID().slice(0, 8)}`;
try {
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  await admin.query(`CREATE DATABASE ${myDb}`);
  try {
    const store = mysqlStore({ host: '127.0.0.1', port: 3306, user: 'root', passwd: '', db: myDb });
    await store.open();
    const r = await recordings(store);
    await store.close();
    out(`| MariaDB (local TCP) | ${fmt(r.pair.median)} | ${fmt(r.pair.p99)} | ${fmt(r.finish.median)} | ${fmt(r.finish.p99)} |`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${myDb}`);
    await admin.end();
  }
} catch (err) {
  out(`| MariaDB | unavailable: ${err.message} | | | |`);
}

// SQLite with ROWS runs: filled directly (as years of the original's writes would), then
// opened by the store, which adds its indexes.
const bigFile = join(tmp, 'big.sqlite3');
const tFill = performance.now();
{
  const db = new Database(bigFile);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real,
    exit_code integer, trigger_type text, trigger_data text, run_data text);
    CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real,
    trigger_type text, trigger_data text, run_data text);`);
  const ins = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const fill = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const t = 1_500_000_000 + i * 30;
      ins.run(`bench${i % 10}`, randomUUID(), t, t + 0.25, t + 10 + (i % 7), i % 5 === 0 ? 1 : 0, 'schedule', '{}', '{"pid": 1}');
    }
  });
  for (let i = 0; i < ROWS; i += 100_000) fill(i, Math.min(ROWS, i + 100_000));
  db.close();
}
const big = new SqliteStore(bigFile);
await big.open(); // creates the indexes
const fillSecs = (performance.now() - tFill) / 1000;
const sqliteBig = await recordings(big);
out(`| SQLite, ${ROWS} runs | ${fmt(sqliteBig.pair.median)} | ${fmt(sqliteBig.pair.p99)} | ${fmt(sqliteBig.finish.median)} | ${fmt(sqliteBig.finish.p99)} |`);
out('');
const ratio = sqliteBig.pair.median / sqliteEmpty.pair.median;
out(`SQLite insertRunning+finishRun, ${ROWS} runs vs empty: median ratio ${ratio.toFixed(2)} (requirement: ≤ 2) ${ratio <= 2 ? 'OK' : 'TOO SLOW'}`);
out(`(filling ${ROWS} runs and creating the indexes took ${fillSecs.toFixed(1)} s)`);
out('');
out('| read on SQLite (median of 20) | empty | ' + `${ROWS} runs |`);
out('|---|---|---|');
out(`| previousRuns(job) | ${fmt(await timeIt(() => empty.previousRuns('bench3')))} | ${fmt(await timeIt(() => big.previousRuns('bench3')))} |`);
out(`| listRuns({ limit: 25 }) | ${fmt(await timeIt(() => empty.listRuns({ limit: 25 })))} | ${fmt(await timeIt(() => big.listRuns({ limit: 25 })))} |`);
out(`| listRuns({ jobNames: [job], limit: 25 }) | ${fmt(await timeIt(() => empty.listRuns({ jobNames: ['bench3'], limit: 25 })))} | ${fmt(await timeIt(() => big.listRuns({ jobNames: ['bench3'], limit: 25 })))} |`);
out(`| jobSummaries() (aggregated in SQL) | ${fmt(await timeIt(() => empty.jobSummaries(), 5))} | ${fmt(await timeIt(() => big.jobSummaries(), 3))} |`);
out(`| durations(job) (sorted in SQL) | ${fmt(await timeIt(() => empty.durations('bench3'), 5))} | ${fmt(await timeIt(() => big.durations('bench3'), 3))} |`);

await empty.close();
await big.close();
rmSync(tmp, { recursive: true, force: true });
process.exit(ratio <= 2 ? 0 : 1);
