/**
 * A SQLite database exactly as the original dsari creates it (SPEC §7), filled with rows the way
 * the original writes them: times as REAL epoch seconds, trigger_data/run_data as JSON text.
 * Used as the "rows written by the original" fixture of the info and metrics tests.
 */
import Database from 'better-sqlite3';

export interface OriginalRun {
  job: string;
  id: string;
  schedule: number;
  start: number;
  /** Absent for a running run (runs_running). */
  stop?: number;
  exit?: number;
  trigger?: string;
  triggerData?: Record<string, unknown>;
  runData?: Record<string, unknown>;
}

export function createOriginalDb(file: string, runs: readonly OriginalRun[] = []): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text)`);
  db.exec(`CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text)`);
  db.close();
  addOriginalRuns(file, runs);
}

export function addOriginalRuns(file: string, runs: readonly OriginalRun[]): void {
  const db = new Database(file);
  const fin = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const run = db.prepare('INSERT INTO runs_running VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of runs) {
      const td = JSON.stringify(r.triggerData ?? {});
      const rd = JSON.stringify(r.runData ?? {});
      if (r.stop === undefined) run.run(r.job, r.id, r.schedule, r.start, r.trigger ?? 'schedule', td, rd);
      else fin.run(r.job, r.id, r.schedule, r.start, r.stop, r.exit ?? 0, r.trigger ?? 'schedule', td, rd);
    }
  })();
  db.close();
}

/** Moves a run from runs_running to runs, as the original's daemon does when it ends. */
export function finishOriginalRun(file: string, id: string, stop: number, exit: number): void {
  const db = new Database(file);
  db.transaction(() => {
    db.prepare(
      'INSERT INTO runs SELECT job_name, run_id, schedule_time, start_time, ?, ?, trigger_type, trigger_data, run_data FROM runs_running WHERE run_id = ?',
    ).run(stop, exit, id);
    db.prepare('DELETE FROM runs_running WHERE run_id = ?').run(id);
  })();
  db.close();
}
