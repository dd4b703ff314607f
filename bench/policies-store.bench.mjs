// `npm run bench -- policies-store`: what the run policies cost the SQLite store on a database of
// 1,000,000 runs: upgrading a database of the previous version in place (the new tables and the
// index dsari_runs_sched_fires), and reading every job's last scheduled fire (catch-up, at each
// start) with that index and without it, and what that index costs each recorded run. Uses dist/
// (npm run bench builds it).
// Env: POLICY_BENCH_ROWS (default 1000000).
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../dist/store/sqlite.js';
import { INDEXES } from '../dist/store/sql.js';
import { buildRunsFixture } from './fixture-runs.mjs';

const ROWS = Number(process.env.POLICY_BENCH_ROWS ?? 1_000_000);
const NEW_INDEX = 'dsari_runs_sched_fires';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeMs(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const { file: fixture, jobNames } = buildRunsFixture({ total: ROWS });
const tmp = mkdtempSync(join(tmpdir(), 'dsari-policies-bench-'));
try {
  const file = join(tmp, 'dsari.sqlite3');
  copyFileSync(fixture, file);
  // the database as the previous version left it: its indexes, none of the new tables
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  for (const ix of INDEXES) if (ix.name !== NEW_INDEX) raw.exec(`CREATE INDEX IF NOT EXISTS ${ix.name} ON ${ix.table} (${ix.columns})`);
  raw.exec('CREATE INDEX IF NOT EXISTS dsari_runs_running_run_id ON runs_running (run_id)');
  raw.exec('CREATE UNIQUE INDEX IF NOT EXISTS dsari_runs_run_id ON runs (run_id)');
  raw.close();

  const store = new SqliteStore(file);
  let created = [];
  const upgrade = await timeMs(async () => {
    created = await store.upgradeSchema();
  });
  console.log(`${ROWS} runs, ${jobNames.length} jobs: in-place upgrade from the previous version (${created.join(', ')}): ${(upgrade / 1000).toFixed(2)} s`);

  const withIndex = [];
  let fires = new Map();
  for (let i = 0; i < 15; i++) withIndex.push(await timeMs(async () => (fires = await store.lastScheduledFires())));
  console.log(`lastScheduledFires (${fires.size} jobs) with ${NEW_INDEX}: median ${median(withIndex).toFixed(1)} ms of 15`);

  // recording a run (insertRunning + finishRun), blocks of 25 with and without the index, interleaved
  const record = { with: [], without: [] };
  const admin = new Database(file);
  let t = 1_700_000_000;
  for (let block = 0; block < 8; block++) {
    const has = block % 2 === 0;
    if (has) admin.exec(`CREATE INDEX IF NOT EXISTS ${NEW_INDEX} ON runs (trigger_type, job_name, schedule_time)`);
    else admin.exec(`DROP INDEX IF EXISTS ${NEW_INDEX}`);
    for (let i = 0; i < 25; i++) {
      const run = { jobName: 'job-007', runId: randomUUID(), scheduleTime: t, startTime: t + 0.25, triggerType: 'schedule', triggerData: {}, runData: {} };
      t += 30;
      record[has ? 'with' : 'without'].push(
        await timeMs(async () => {
          await store.insertRunning(run);
          await store.finishRun({ ...run, stopTime: run.startTime + 1, exitCode: 0 });
        }),
      );
    }
  }
  admin.close();
  const w = median(record.with);
  const wo = median(record.without);
  console.log(`recording a run, median of 100: with ${NEW_INDEX} ${w.toFixed(2)} ms, without ${wo.toFixed(2)} ms (ratio ${(w / wo).toFixed(2)})`);
  await store.close();

  const drop = new Database(file);
  drop.exec(`DROP INDEX IF EXISTS ${NEW_INDEX}`);
  drop.close();
  // a store that does not create the index again: the statements alone, as the store runs them
  const plain = new Database(file, { readonly: true });
  const stmts = ['runs', 'runs_running'].map((t) =>
    plain.prepare(`SELECT job_name, MAX(schedule_time) AS schedule_time FROM ${t} WHERE trigger_type = 'schedule' GROUP BY job_name`),
  );
  const without = [];
  for (let i = 0; i < 5; i++) without.push(await timeMs(async () => stmts.forEach((s) => s.all())));
  plain.close();
  console.log(`the same without the index (a full scan of runs): median ${median(without).toFixed(1)} ms of 5`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
