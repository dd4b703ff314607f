/**
 * A read-only RunStore over a SQLite file with the original's schema, for the renderer's
 * in-process tests (the CLI tests use the real store through `dsari-render`). It implements the
 * queries the renderer makes: listRuns and jobSummaries.
 */
import Database from 'better-sqlite3';
import { StoreError } from '../../src/errors.js';
import type { FinishedRun, JobSummary, RunQuery, RunRecord, RunStore } from '../../src/store/types.js';

interface Row {
  job_name: string;
  run_id: string;
  schedule_time: number;
  start_time: number;
  stop_time: number;
  exit_code: number;
  trigger_type: string;
  trigger_data: string;
  run_data: string;
}

function finished(row: Row): FinishedRun {
  return {
    jobName: row.job_name,
    runId: row.run_id,
    scheduleTime: row.schedule_time,
    startTime: row.start_time,
    stopTime: row.stop_time,
    exitCode: row.exit_code,
    triggerType: row.trigger_type,
    triggerData: JSON.parse(row.trigger_data) as FinishedRun['triggerData'],
    runData: JSON.parse(row.run_data) as FinishedRun['runData'],
  };
}

export class SqliteReader implements RunStore {
  readonly kind = 'sqlite3';
  private db: Database.Database | null = null;
  /** Every query made, for tests that check the renderer does not load what it does not need. */
  readonly queries: Array<{ method: string; query?: RunQuery }> = [];

  constructor(private readonly file: string) {}

  async open(): Promise<void> {
    this.db = new Database(this.file, { readonly: true, fileMustExist: true });
  }
  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
  }
  private get conn(): Database.Database {
    if (this.db === null) throw new StoreError('not open');
    return this.db;
  }

  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    this.queries.push({ method: 'listRuns', query });
    if (query.includeFinished === false) return [];
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.jobNames?.length) {
      where.push(`job_name IN (${query.jobNames.map(() => '?').join(',')})`);
      params.push(...query.jobNames);
    }
    if (query.runIds?.length) {
      where.push(`run_id IN (${query.runIds.map(() => '?').join(',')})`);
      params.push(...query.runIds);
    }
    if (query.failedOnly) where.push('exit_code != 0');
    if (query.stoppedAfter !== undefined) {
      where.push('stop_time > ?');
      params.push(query.stoppedAfter);
    }
    const order = query.orderBy ?? 'start_time';
    const dir = query.order === 'asc' ? 'ASC' : 'DESC';
    let sql = `SELECT * FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} ${dir}`;
    if (query.limit !== undefined) sql += ` LIMIT ${Math.floor(query.limit)}`;
    const rows = this.conn.prepare(sql).all(...params) as Row[];
    return rows.map((r) => ({ ...finished(r), running: false }));
  }

  async jobSummaries(): Promise<JobSummary[]> {
    this.queries.push({ method: 'jobSummaries' });
    const stats = this.conn.prepare(
      `SELECT job_name, COUNT(*) AS n, SUM(exit_code = 0) AS ok, SUM(stop_time - start_time) AS dur, SUM(start_time - schedule_time) AS lat
       FROM runs GROUP BY job_name`,
    ).all() as Array<{ job_name: string; n: number; ok: number; dur: number; lat: number }>;
    const last = this.conn.prepare('SELECT * FROM runs WHERE job_name = ? ORDER BY stop_time DESC LIMIT 1');
    const lastOk = this.conn.prepare('SELECT * FROM runs WHERE job_name = ? AND exit_code = 0 ORDER BY stop_time DESC LIMIT 1');
    return stats.map((s) => {
      const l = last.get(s.job_name) as Row | undefined;
      const lo = lastOk.get(s.job_name) as Row | undefined;
      return {
        jobName: s.job_name,
        runCount: s.n,
        successCount: s.ok,
        failureCount: s.n - s.ok,
        durationSum: s.dur,
        latencySum: s.lat,
        lastRun: l === undefined ? null : finished(l),
        lastSuccessfulRun: lo === undefined ? null : finished(lo),
      };
    });
  }

  private unsupported(what: string): never {
    throw new StoreError(`SqliteReader (test) does not implement ${what}`);
  }
  async insertRunning(): Promise<void> {
    this.unsupported('insertRunning');
  }
  async updateRunningData(): Promise<void> {
    this.unsupported('updateRunningData');
  }
  async finishRun(): Promise<void> {
    this.unsupported('finishRun');
  }
  async listRunning(): Promise<never[]> {
    return [];
  }
  async getRun(): Promise<RunRecord | null> {
    return this.unsupported('getRun');
  }
  async previousRuns(): Promise<never> {
    return this.unsupported('previousRuns');
  }
  async durations(): Promise<number[]> {
    return this.unsupported('durations');
  }
  async latencies(): Promise<number[]> {
    return this.unsupported('latencies');
  }
  // eslint-disable-next-line require-yield -- the renderer never streams; this only satisfies the interface
  async *iterateFinished(): AsyncIterable<FinishedRun[]> {
    this.unsupported('iterateFinished');
  }
}
