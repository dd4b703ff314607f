/**
 * SQLite run store (the default; SPEC §7). better-sqlite3's synchronous API behind the async
 * RunStore interface. Tables exactly as the original creates them, plus indexes; WAL mode so
 * readers never block the daemon; synchronous=FULL so a recorded run survives kill -9 and power
 * loss; waiting for another process's lock happens asynchronously (short busy timeout inside
 * SQLite, retried with setTimeout) so the daemon's event loop keeps running meanwhile.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { EpochSeconds } from '../clock.js';
import { StoreError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { insertNotificationSql, NOTIFICATIONS_TABLE, notificationParams, notificationsDdl } from './notifications-table.js';
import { sqliteRunner } from './runner.js';
import { openSqliteReader } from './sqlite-reader.js';
import {
  finishedFromRow,
  finishedRecordFromRow,
  finishedRecordFromValues,
  jsonColumn,
  recordFromRunning,
  runningFromRow,
  type RawRow,
} from './rows.js';
import {
  DEFAULT_PAGE_SIZE,
  differencesSql,
  FINISHED_COLUMNS,
  INDEXES,
  LAST_BAD_RECENT_SQL,
  LAST_GOOD_SQL,
  LAST_RUN_SQL,
  mergeForQuery,
  PAGE_FIRST_SQL,
  PAGE_NEXT_SQL,
  PAGE_NULL_STOP_SQL,
  queryTables,
  RUNNING_COLUMNS,
  scanFinishedSql,
  selectForQuery,
  summaryCounts,
  summarySql,
  type SummaryRow,
  type SqlDialect,
} from './sql.js';
import { POLICY_INDEXES, SQLITE_POLICY_TABLES } from './policy-sql.js';
import { SqlitePolicyRows } from './sqlite-policies.js';
import type {
  FinishedRun,
  JobSummary,
  JsonObject,
  PauseRecord,
  OutboxEntry,
  PreviousRuns,
  StoredPendingRun,
  RunQuery,
  RunRecord,
  RecordWrite,
  RunStore,
  ScanOrder,
  RunningRun,
  SqlRunner,
} from './types.js';

/** The original's DDL, column for column (SPEC §7). */
export const SQLITE_RUNS_DDL = `CREATE TABLE runs (
  job_name text,
  run_id text,
  schedule_time real,
  start_time real,
  stop_time real,
  exit_code integer,
  trigger_type text,
  trigger_data text,
  run_data text
)`;
export const SQLITE_RUNS_RUNNING_DDL = `CREATE TABLE runs_running (
  job_name text,
  run_id text,
  schedule_time real,
  start_time real,
  trigger_type text,
  trigger_data text,
  run_data text
)`;

const dialect: SqlDialect = {
  encodeTime: (t) => t,
  diffSeconds: (a, b) => `(${a} - ${b})`,
};

export interface SqliteStoreOptions {
  log?: Logger;
  /**
   * How long a statement waits for another process's lock before failing, in ms.
   * @default 60000
   */
  lockWaitMs?: number;
  /**
   * A reader (dsari-info, render, exporter): the database is never written, not even to create
   * tables or indexes (see sqlite-reader.ts); `upgradeSchema` still upgrades. @default false
   */
  reader?: boolean;
}

/** Busy timeout handed to SQLite itself: short, because SQLite waits synchronously. */
const SQLITE_BUSY_STEP_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sqliteCode(err: unknown): string {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : '';
}

function isBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

export class SqliteStore implements RunStore {
  readonly kind = 'sqlite3';
  readonly file: string;
  private db: Database.Database | null = null;
  private readonly lockWaitMs: number;
  private statements = new Map<string, Database.Statement>();
  /** What open() created (see upgradeSchema). */
  private schemaCreated: string[] = [];
  private readonly policy = new SqlitePolicyRows((sql) => this.stmt(sql));

  constructor(file: string, private readonly options: SqliteStoreOptions = {}) {
    this.file = resolve(file);
    this.lockWaitMs = options.lockWaitMs ?? 60_000;
  }

  async open(): Promise<void> {
    if (this.db) return;
    if (this.options.reader === true) {
      this.db = await this.retry('open', () =>
        openSqliteReader(this.file, {
          timeout: SQLITE_BUSY_STEP_MS,
          tables: [{ name: 'runs', ddl: SQLITE_RUNS_DDL }, { name: 'runs_running', ddl: SQLITE_RUNS_RUNNING_DDL }, ...SQLITE_POLICY_TABLES],
          indexes: [...INDEXES, ...POLICY_INDEXES].map((ix) => ix.name),
          log: this.options.log,
        }),
      );
      return;
    }
    let db: Database.Database;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      db = openSqliteDatabase(this.file, { timeout: SQLITE_BUSY_STEP_MS });
    } catch (err) {
      throw new StoreError(`cannot open SQLite database ${this.file}: ${errorMessage(err)}`, { cause: err });
    }
    this.db = db;
    try {
      await this.retry('open', () => {
        // WAL: readers never block the writer. FULL: every commit is fsynced (durable).
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
      });
      this.schemaCreated = await this.lockedSchema('open');
    } catch (err) {
      this.db = null;
      db.close();
      throw err;
    }
  }

  /**
   * Creates what is missing (the original's tables, ours, our indexes) and says what it created.
   * Runs inside an IMMEDIATE transaction: several processes opening one new file at once take
   * turns (the schema lock of SQLite), and the second finds everything there.
   */
  private createSchema(db: Database.Database): string[] {
    const names = (type: string): Set<string> =>
      new Set(db.prepare('SELECT name FROM sqlite_master WHERE type = ?').pluck().all(type) as string[]);
    const tables = names('table');
    const indexSql = new Map(db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index'").raw().all() as [string, string | null][]);
    const indexes = new Set(indexSql.keys());
    const created: string[] = [];
    const table = (name: string, ddl: string): void => {
      if (tables.has(name)) return;
      db.exec(ddl);
      created.push(`table ${name}`);
    };
    const index = (name: string, sql: string): void => {
      if (indexes.has(name)) return;
      db.exec(sql);
      created.push(`index ${name}`);
    };
    table('runs', SQLITE_RUNS_DDL);
    table('runs_running', SQLITE_RUNS_RUNNING_DDL);
    for (const t of SQLITE_POLICY_TABLES) table(t.name, t.ddl);
    // The notification outbox (SPEC-BEYOND §12.6): its table here, its indexes last.
    const [outbox, ...outboxIndexes] = notificationsDdl('sqlite3');
    table(NOTIFICATIONS_TABLE, outbox as string);
    for (const ix of [...INDEXES, ...POLICY_INDEXES]) {
      const columns = ix.sqliteColumns ?? ix.columns;
      // An index an earlier build made narrower is made again with its columns now (once).
      const sql = indexSql.get(ix.name);
      const narrower = sql != null && !sql.replace(/\s+/g, ' ').endsWith(`(${columns})`);
      const t = performance.now();
      if (narrower) {
        db.exec(`DROP INDEX ${ix.name}`);
        indexes.delete(ix.name);
      }
      index(ix.name, `CREATE INDEX IF NOT EXISTS ${ix.name} ON ${ix.table} (${columns})`);
      if (narrower) this.options.log?.info(`${this.file}: index ${ix.name} made again with the columns this version gives it (once, ${Math.round(performance.now() - t)} ms)`);
    }
    index('dsari_runs_running_run_id', 'CREATE INDEX IF NOT EXISTS dsari_runs_running_run_id ON runs_running (run_id)');
    try {
      index('dsari_runs_run_id', 'CREATE UNIQUE INDEX IF NOT EXISTS dsari_runs_run_id ON runs (run_id)');
    } catch (err) {
      // A database with duplicate run ids (written by hand) gets a plain index; finishRun
      // still never adds a duplicate (it checks before inserting).
      this.options.log?.warning(`${this.file}: runs has duplicate run ids (${errorMessage(err)}); using a non-unique index`);
      index('dsari_runs_run_id_plain', 'CREATE INDEX IF NOT EXISTS dsari_runs_run_id_plain ON runs (run_id)');
    }
    for (const ddl of outboxIndexes) index(/INDEX IF NOT EXISTS (\S+)/.exec(ddl)?.[1] ?? ddl, ddl);
    return created;
  }

  /**
   * Creates missing tables and indexes (opening the database first if needed) under the schema
   * lock, and returns what it created ("table dsari_pauses", "index …"): `dsari migrate` in place.
   */
  async upgradeSchema(): Promise<string[]> {
    if (this.options.reader === true) {
      // An explicit upgrade writes: through a writing connection, not the reader's.
      const writer = new SqliteStore(this.file, { ...this.options, reader: false });
      try {
        return await writer.upgradeSchema();
      } finally {
        await writer.close();
      }
    }
    if (!this.db) {
      await this.open();
      return [...this.schemaCreated];
    }
    return this.lockedSchema('creating tables');
  }

  /** {@link SqliteStore.createSchema} in an IMMEDIATE transaction, waiting for other processes' locks. */
  private lockedSchema(what: string): Promise<string[]> {
    const db = this.conn();
    return this.retry(what, () => db.transaction(() => this.createSchema(db)).immediate());
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    this.statements.clear();
    db?.close();
  }

  private conn(): Database.Database {
    if (!this.db) throw new StoreError(`SQLite database ${this.file} is not open`);
    return this.db;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.conn().prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn`, retrying while another process holds a lock, up to lockWaitMs. */
  private async retry<T>(what: string, fn: () => T): Promise<T> {
    const started = Date.now();
    let delay = 10;
    for (;;) {
      try {
        return fn();
      } catch (err) {
        if (err instanceof StoreError) throw err;
        if (isBusy(err) && Date.now() - started < this.lockWaitMs) {
          await sleep(delay);
          delay = Math.min(delay * 2, 250);
          continue;
        }
        throw this.wrap(what, err, Date.now() - started);
      }
    }
  }

  private wrap(what: string, err: unknown, waitedMs: number): StoreError {
    const code = sqliteCode(err);
    if (isBusy(err)) {
      return new StoreError(
        `SQLite database ${this.file} is locked by another process (waited ${(waitedMs / 1000).toFixed(1)} s): ${what} failed`,
        { cause: err },
      );
    }
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      return new StoreError(`${this.file} is not a SQLite database or is corrupt: ${errorMessage(err)}`, { cause: err });
    }
    return new StoreError(`SQLite database ${this.file}: ${what} failed: ${errorMessage(err)}`, { cause: err });
  }

  private all(sql: string, params: readonly unknown[] = []): RawRow[] {
    return this.stmt(sql).all(...params) as RawRow[];
  }

  /** The running row, unless the run id is in either table. 1 if inserted. */
  private insertRunningNow(run: RunningRun): number {
    return this.stmt(
      `INSERT INTO runs_running (${RUNNING_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?
       WHERE NOT EXISTS (SELECT 1 FROM runs_running WHERE run_id = ?)
         AND NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?)`,
    ).run(run.jobName, run.runId, run.scheduleTime, run.startTime, run.triggerType, jsonColumn(run.triggerData), jsonColumn(run.runData), run.runId, run.runId).changes;
  }

  /** Inside a transaction: the finished row (unless already there), running row removed. 1 if inserted. */
  private finishRunNow(run: FinishedRun, notifications: readonly OutboxEntry[] = []): number {
    const { changes } = this.stmt(
      `INSERT INTO runs (${FINISHED_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
       WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?)`,
    ).run(...finishedParams(run));
    this.stmt('DELETE FROM runs_running WHERE run_id = ?').run(run.runId);
    for (const n of notifications) this.stmt(insertNotificationSql('sqlite3')).run(...notificationParams(n));
    return changes;
  }

  async insertRunning(run: RunningRun, consumesPending?: string): Promise<void> {
    const tx = this.conn().transaction(() => {
      this.insertRunningNow(run);
      this.policy.removePending(consumesPending);
    });
    await this.retry('recording a started run', () => {
      if (consumesPending === undefined) this.insertRunningNow(run);
      else tx.immediate();
    });
  }

  async recordBatch(writes: readonly RecordWrite[]): Promise<void> {
    const tx = this.conn().transaction(() => {
      for (const w of writes) {
        if (w.kind === 'running') {
          this.insertRunningNow(w.run);
          this.policy.removePending(w.consumesPending);
        } else {
          this.finishRunNow(w.run, w.notifications);
          this.policy.removePending(w.run.runId);
          for (const p of w.addPending ?? []) this.policy.addPending(p);
        }
      }
    });
    await this.retry(`recording ${writes.length} started or finished runs`, () => tx.immediate());
  }

  async updateRunningData(runId: string, runData: JsonObject): Promise<void> {
    await this.retry('updating a running run', () => {
      this.stmt('UPDATE runs_running SET run_data = ? WHERE run_id = ?').run(jsonColumn(runData), runId);
    });
  }

  async importFinished(runs: readonly FinishedRun[]): Promise<number> {
    const tx = this.conn().transaction(() => {
      let n = 0;
      for (const run of runs) n += this.finishRunNow(run);
      return n;
    });
    return this.retry('copying finished runs', () => tx.immediate());
  }

  async importRunning(runs: readonly RunningRun[]): Promise<number> {
    const tx = this.conn().transaction(() => {
      let n = 0;
      for (const run of runs) n += this.insertRunningNow(run);
      return n;
    });
    return this.retry('copying running runs', () => tx.immediate());
  }

  async finishRun(run: FinishedRun, addPending?: readonly StoredPendingRun[], notifications?: readonly OutboxEntry[]): Promise<void> {
    const tx = this.conn().transaction(() => {
      this.finishRunNow(run, notifications);
      // a finished run is pending no more, even if its running record (which consumes the
      // pending row) could not be written: it must not run again after a restart
      this.policy.removePending(run.runId);
      for (const p of addPending ?? []) this.policy.addPending(p);
    });
    await this.retry('recording a finished run', () => tx.immediate());
  }

  async listPauses(): Promise<PauseRecord[]> {
    return this.retry('listing pauses', () => this.policy.listPauses());
  }

  async addPause(pause: PauseRecord): Promise<boolean> {
    return this.retry('pausing a job', () => this.policy.addPause(pause));
  }

  async removePause(jobName: string): Promise<boolean> {
    return this.retry('resuming a job', () => this.policy.removePause(jobName));
  }

  async listPending(): Promise<StoredPendingRun[]> {
    return this.retry('listing pending runs', () => this.policy.listPending());
  }

  async addPending(runs: readonly StoredPendingRun[]): Promise<void> {
    if (runs.length === 0) return;
    const tx = this.conn().transaction(() => {
      for (const p of runs) this.policy.addPending(p);
    });
    await this.retry('storing pending runs', () => tx.immediate());
  }

  async removePending(runIds: readonly string[]): Promise<void> {
    if (runIds.length === 0) return;
    const tx = this.conn().transaction(() => {
      for (const id of runIds) this.policy.removePending(id);
    });
    await this.retry('removing pending runs', () => tx.immediate());
  }

  async lastScheduledFires(): Promise<Map<string, EpochSeconds>> {
    return this.retry('reading the last scheduled fires', () => this.policy.lastScheduledFires());
  }

  sqlRunner(): SqlRunner {
    return sqliteRunner((sql) => this.stmt(sql), () => this.conn(), (what, fn) => this.retry(what, fn));
  }

  async listRunning(): Promise<RunningRun[]> {
    return this.retry('listing running runs', () =>
      this.all(`SELECT ${RUNNING_COLUMNS} FROM runs_running ORDER BY start_time, run_id`).map(runningFromRow),
    );
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    return this.retry('reading a run', () => {
      const f = this.all(`SELECT ${FINISHED_COLUMNS} FROM runs WHERE run_id = ? LIMIT 1`, [runId])[0];
      if (f) return finishedRecordFromRow(f);
      const r = this.all(`SELECT ${RUNNING_COLUMNS} FROM runs_running WHERE run_id = ? LIMIT 1`, [runId])[0];
      return r ? recordFromRunning(runningFromRow(r)) : null;
    });
  }

  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    return this.retry('listing runs', () => {
      const tables = queryTables(query);
      const running: RunRecord[] = [];
      const finished: RunRecord[] = [];
      if (tables.running) {
        const s = selectForQuery('runs_running', query, dialect);
        for (const row of this.all(s.sql, s.params)) running.push(recordFromRunning(runningFromRow(row)));
      }
      if (tables.finished) {
        const s = selectForQuery('runs', query, dialect);
        for (const row of this.all(s.sql, s.params)) finished.push(finishedRecordFromRow(row));
      }
      return mergeForQuery(query, running, finished);
    });
  }

  async scanFinished(query: Pick<RunQuery, 'jobNames' | 'runIds'>, order: ScanOrder, visit: (run: RunRecord) => boolean): Promise<void> {
    const s = scanFinishedSql(query, order);
    // Retried only until the first row is visited: a visitor cannot take back what it was given.
    const rows = await this.retry('listing runs', () => {
      // Rows as arrays (FINISHED_COLUMNS' order): half the time of rows as objects. A statement
      // of its own, as raw mode stays with a statement and the cached ones give objects.
      const it = this.conn().prepare(s.sql).raw(true).iterate(...s.params) as IterableIterator<unknown[]>;
      const first = it.next();
      return { it, first };
    });
    const next = (): IteratorResult<unknown[]> => {
      try {
        return rows.it.next();
      } catch (err) {
        throw this.wrap('listing runs', err, 0);
      }
    };
    try {
      for (let r = rows.first; r.done !== true; r = next()) {
        if (!visit(finishedRecordFromValues(r.value))) break;
      }
    } finally {
      rows.it.return?.();
    }
  }

  async previousRuns(jobName: string): Promise<PreviousRuns> {
    return this.retry('reading previous runs', () => {
      const one = (sql: string): FinishedRun | null => {
        const row = this.all(sql, [jobName])[0];
        return row ? finishedFromRow(row) : null;
      };
      const last = one(LAST_RUN_SQL);
      const lastBad = last === null ? null : (one(LAST_BAD_RECENT_SQL) ?? this.lastBadByExitCode(jobName));
      return { last, lastGood: last === null ? null : one(LAST_GOOD_SQL), lastBad };
    });
  }

  /**
   * SQLite's planner would rather walk the job's runs in stop-time order (LAST_BAD_RANGE_SQL),
   * which reads all of a job that never fails; the exit-code index reads only its failures.
   */
  private lastBadByExitCode(jobName: string): FinishedRun | null {
    const rows = ['>', '<'].flatMap((op) =>
      this.all(
        `SELECT ${FINISHED_COLUMNS} FROM runs INDEXED BY dsari_runs_job_exit_stop
         WHERE job_name = ? AND exit_code ${op} 0 ORDER BY stop_time DESC, run_id DESC LIMIT 1`,
        [jobName],
      ),
    );
    rows.sort((a, b) => (b.stop_time ?? 0) - (a.stop_time ?? 0) || (String(b.run_id) < String(a.run_id) ? -1 : 1));
    return rows[0] ? finishedFromRow(rows[0]) : null;
  }

  async jobSummaries(): Promise<JobSummary[]> {
    return this.retry('summarising runs', () =>
      (this.all(summarySql(dialect)) as unknown as SummaryRow[]).map((r) => {
        const base = summaryCounts(r);
        const last = (sql: string): FinishedRun | null => {
          const row = this.all(sql, [base.jobName])[0];
          return row ? finishedFromRow(row) : null;
        };
        return { ...base, lastRun: last(LAST_RUN_SQL), lastSuccessfulRun: last(LAST_GOOD_SQL) };
      }),
    );
  }

  async durations(jobName: string): Promise<number[]> {
    return this.retry('reading durations', () =>
      (this.all(differencesSql(dialect, 'stop_time', 'start_time'), [jobName]) as unknown as { v: unknown }[]).map((r) =>
        Number(r.v),
      ),
    );
  }

  async latencies(jobName: string): Promise<number[]> {
    return this.retry('reading latencies', () =>
      (this.all(differencesSql(dialect, 'start_time', 'schedule_time'), [jobName]) as unknown as { v: unknown }[]).map(
        (r) => Number(r.v),
      ),
    );
  }

  async *iterateFinished(pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<FinishedRun[]> {
    const odd = await this.retry('reading runs', () => this.all(PAGE_NULL_STOP_SQL).map(finishedFromRow));
    if (odd.length > 0) yield odd;
    let last: RawRow | undefined;
    for (;;) {
      const after = last;
      const rows = await this.retry('reading runs', () =>
        after === undefined
          ? this.all(PAGE_FIRST_SQL, [pageSize])
          : this.all(PAGE_NEXT_SQL, [after.stop_time, after.stop_time, after.run_id, pageSize]),
      );
      if (rows.length === 0) return;
      last = rows[rows.length - 1];
      yield rows.map(finishedFromRow);
      if (rows.length < pageSize) return;
    }
  }
}

/** Parameters of the insert-unless-present statement for a finished run (its id twice). */
function finishedParams(run: FinishedRun): unknown[] {
  return [
    run.jobName,
    run.runId,
    run.scheduleTime,
    run.startTime,
    run.stopTime,
    run.exitCode,
    run.triggerType,
    jsonColumn(run.triggerData),
    jsonColumn(run.runData),
    run.runId,
  ];
}
