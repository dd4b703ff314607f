// Shared by the info and exporter benchmarks: a SQLite database with the original's schema and
// N finished runs spread over jobs (one "big" job with a fixed share), built once and cached in
// .tmp/ so repeated bench runs do not rebuild it.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const BENCH_DIR = new URL('../.tmp/bench-runs/', import.meta.url).pathname;

/**
 * Builds (or reuses) DATA_DIR with dsari.sqlite3 holding `total` finished runs: `bigRuns` of job
 * "big", the rest spread evenly over `jobs` other jobs ("job-000" …), plus `running` running runs.
 */
export function buildRunsFixture({ total = 1_000_000, jobs = 49, bigRuns = 20_000, running = 5 } = {}) {
  const dataDir = join(BENCH_DIR, `runs-${total}-${jobs}-${bigRuns}-${running}`);
  const file = join(dataDir, 'dsari.sqlite3');
  const jobNames = ['big', ...Array.from({ length: jobs }, (_, i) => `job-${String(i).padStart(3, '0')}`)];
  if (existsSync(file)) return { dataDir, file, jobNames };
  mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.building`;
  rmSync(tmp, { force: true });
  const db = new Database(tmp);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.exec('CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text)');
  db.exec('CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text)');
  const ins = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insRunning = db.prepare('INSERT INTO runs_running VALUES (?, ?, ?, ?, ?, ?, ?)');
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const hex = (n) => n.toString(16).padStart(12, '0');
  const t0 = 1_600_000_000;
  db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const job = i < bigRuns ? 'big' : jobNames[1 + (i % jobs)];
      const schedule = t0 + i * 30;
      const start = schedule + rnd() * 2;
      const stop = start + rnd() * 600;
      const exit = rnd() < 0.1 ? 1 : 0;
      ins.run(job, `00000000-0000-4000-8000-${hex(i)}`, schedule, start, stop, exit, 'schedule', '{}', '{}');
    }
    for (let i = 0; i < running; i++) {
      const start = t0 + total * 30 + i;
      insRunning.run(jobNames[i % jobNames.length], `11111111-0000-4000-8000-${hex(i)}`, start - 0.5, start, 'schedule', '{}', '{}');
    }
  })();
  db.close();
  renameSync(tmp, file);
  return { dataDir, file, jobNames };
}
