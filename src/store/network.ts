/**
 * The RunStore of a database server (PostgreSQL, MySQL/MariaDB): one connection, opened lazily
 * and reopened after it drops; transactions serialised. What differs between the two servers is
 * a {@link ServerBackend}. A failure to reach the server is a {@link StoreUnavailableError} —
 * the journal (journal.ts) keeps writes through it.
 */
import { StoreError, errorMessage } from '../errors.js';
import type { EpochSeconds } from '../clock.js';
import { insertNotificationSql, notificationParams } from './notifications-table.js';
import { serverRunner } from './runner.js';
import {
  finishedFromRow,
  jsonColumn,
  finishedRecordFromRow,
  recordFromRunning,
  runningFromRow,
  UUID_RE,
  type RawRow,
} from './rows.js';
import {
  DEFAULT_PAGE_SIZE,
  differencesSql,
  FINISHED_COLUMNS,
  LAST_BAD_RANGE_SQL,
  LAST_BAD_RECENT_SQL,
  LAST_GOOD_SQL,
  LAST_RUN_SQL,
  mergeForQuery,
  PAGE_FIRST_SQL,
  PAGE_NEXT_SQL,
  PAGE_NULL_STOP_SQL,
  queryTables,
  RUNNING_COLUMNS,
  selectForQuery,
  summaryCounts,
  summarySql,
  type SqlDialect,
  type SummaryRow,
} from './sql.js';
import { isMissingTableError } from './policy-sql.js';
import { ServerPolicyRows } from './server-policies.js';
import type {
  FinishedRun,
  JobSummary,
  JsonObject,
  PauseRecord,
  OutboxEntry,
  PreviousRuns,
  StoredPendingRun,
  RecordWrite,
  RunQuery,
  RunRecord,
  RunStore,
  RunningRun,
  SqlRunner,
} from './types.js';

/** The database server cannot be reached (down, connection refused or dropped). */
export class StoreUnavailableError extends StoreError {}

/** One open connection. `?` placeholders; rows as plain objects. */
export interface ServerConnection {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement and returns the number of rows it inserted/changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  close(): Promise<void>;
  /** Set when the driver reported the connection broken. */
  readonly broken: boolean;
}

export interface ServerBackend {
  readonly kind: string;
  /** Where, for messages: never contains the password. */
  readonly target: string;
  readonly dialect: SqlDialect;
  connect(): Promise<ServerConnection>;
  /**
   * Creates missing tables (the original's DDL, then ours) and our indexes, holding the
   * server's schema lock meanwhile (several processes may start at once), and returns what it
   * created ("table dsari_pauses", "index …").
   */
  createSchema(conn: ServerConnection): Promise<string[]>;
  /** Insert a pause unless that job is paused already (0 rows then). Params: pauseParams. */
  readonly insertPauseSql: string;
  /** Insert a pending run unless its id is pending, running or finished. Params: pendingParams. */
  readonly insertPendingSql: string;
  /** True if per-job maxima are faster walked than grouped (no loose index scan): see lastScheduledSql. */
  readonly walkJobNames: boolean;
  /** Insert into runs_running unless the id is in either table. Params: 7 columns + run id. */
  readonly insertRunningSql: string;
  /** Insert `rows` rows into runs, doing nothing for a run id already there. Params: 9 columns each. */
  insertFinishedSql(rows: number): string;
  /** A time column value as returned by the driver → epoch seconds. */
  decodeTime(value: unknown): EpochSeconds | null;
  /** True if the error means the server is unreachable (as opposed to a bad statement). */
  isConnectionError(err: unknown): boolean;
  /** Removes secrets a driver may have put in an error message. */
  scrub(message: string): string;
}

/** Epoch seconds → 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, rounded to the microsecond. */
export function formatUtc(t: EpochSeconds): string {
  const micros = Math.round(t * 1e6);
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  const iso = new Date(secs * 1000).toISOString(); // 2023-11-14T22:13:20.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(frac).padStart(6, '0')}`;
}

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' read as UTC → epoch seconds (exact to the microsecond). */
export function parseUtc(value: unknown): EpochSeconds | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime() / 1000;
  const m = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/.exec(String(value));
  if (!m) return null;
  const secs = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  const micros = m[7] !== undefined ? Number(m[7].padEnd(6, '0')) : 0;
  return (secs * 1e6 + micros) / 1e6;
}

const TIME_COLUMNS = ['schedule_time', 'start_time', 'stop_time'] as const;

export class ServerStore implements RunStore {
  readonly kind: string;
  private conn: ServerConnection | null = null;
  private connecting: Promise<ServerConnection> | null = null;
  private schemaReady = false;
  /** What the first connection's schema step created (see upgradeSchema). */
  private schemaCreated: string[] = [];
  private closed = false;
  /** Serialises transactions on the one connection. */
  private txChain: Promise<unknown> = Promise.resolve();

  private readonly policy: ServerPolicyRows;

  /**
   * @param options.reader never write, not even the tables and indexes a database lacks (they
   *   are the daemon's and `dsari migrate`'s; missing policy tables read as empty); an explicit
   *   `upgradeSchema` still creates them
   */
  constructor(readonly backend: ServerBackend, private readonly options: { reader?: boolean } = {}) {
    this.kind = backend.kind;
    this.policy = new ServerPolicyRows({
      backend,
      transaction: (what, fn) => this.transaction(what, fn),
      query: (what, sql) => this.query(what, sql),
      optionalQuery: (what, sql) => this.optionalQuery(what, sql),
    });
  }

  get target(): string {
    return this.backend.target;
  }

  async open(): Promise<void> {
    this.closed = false;
    await this.connection();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.conn;
    this.conn = null;
    this.schemaReady = false;
    if (c) {
      try {
        await c.close();
      } catch (err) {
        // closing a connection that already dropped: nothing left to release
        void err;
      }
    }
  }

  private async connection(): Promise<ServerConnection> {
    if (this.closed) throw new StoreError(`${this.kind} store ${this.target} is closed`);
    if (this.conn && !this.conn.broken) return this.conn;
    if (this.conn?.broken) {
      const old = this.conn;
      this.conn = null;
      void old.close().catch(() => undefined);
    }
    this.connecting ??= (async () => {
      let c: ServerConnection;
      try {
        c = await this.backend.connect();
      } catch (err) {
        throw this.wrap('connecting', err);
      }
      try {
        if (!this.schemaReady) {
          if (this.options.reader !== true) this.schemaCreated = await this.backend.createSchema(c);
          this.schemaReady = true;
        }
      } catch (err) {
        void c.close().catch(() => undefined);
        throw this.wrap('creating tables', err);
      }
      this.conn = c;
      return c;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private wrap(what: string, err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    const msg = this.backend.scrub(errorMessage(err));
    if (this.backend.isConnectionError(err)) {
      if (this.conn) this.conn = null;
      return new StoreUnavailableError(`${this.kind} database ${this.target} is unavailable (${what}): ${msg}`, {
        cause: err,
      });
    }
    return new StoreError(`${this.kind} database ${this.target}: ${what} failed: ${msg}`, { cause: err });
  }

  private async query(what: string, sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const c = await this.connection();
    try {
      return await c.query(sql, params);
    } catch (err) {
      // A reader creates no tables: on a database the daemon has not set up yet, it reads none.
      if (this.options.reader === true && isMissingTableError(err)) return [];
      throw this.wrap(what, err);
    }
  }

  /** Runs statements in one transaction, one transaction at a time. */
  private transaction<T>(what: string, fn: (c: ServerConnection) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const c = await this.connection();
      try {
        await c.query('BEGIN');
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (err) {
        if (!c.broken) {
          try {
            await c.query('ROLLBACK');
          } catch (rollbackErr) {
            // the ROLLBACK failing means the connection is gone: the server rolls back itself
            void rollbackErr;
          }
        }
        throw this.wrap(what, err);
      }
    };
    const p = this.txChain.then(run, run);
    this.txChain = p.catch(() => undefined);
    return p;
  }

  private row(r: Record<string, unknown>): RawRow {
    const out = { ...r } as unknown as RawRow & Record<string, unknown>;
    for (const k of TIME_COLUMNS) if (k in r) out[k] = this.backend.decodeTime(r[k]);
    return out;
  }

  private enc(t: EpochSeconds): unknown {
    return this.backend.dialect.encodeTime(t);
  }

  /**
   * Creates missing tables and indexes under the schema lock (connecting first if needed) and
   * returns what it created: `dsari migrate` in place.
   */
  async upgradeSchema(): Promise<string[]> {
    if (!this.schemaReady && this.options.reader !== true) {
      await this.connection();
      return [...this.schemaCreated];
    }
    const run = async (): Promise<string[]> => {
      const c = await this.connection();
      try {
        return await this.backend.createSchema(c);
      } catch (err) {
        throw this.wrap('creating tables', err);
      }
    };
    const p = this.txChain.then(run, run);
    this.txChain = p.catch(() => undefined);
    return p;
  }

  async insertRunning(run: RunningRun, consumesPending?: string): Promise<void> {
    await this.transaction('recording a started run', async (c) => {
      await c.query(this.backend.insertRunningSql, this.runningParams(run));
      await this.policy.consume(c, consumesPending);
    });
  }

  async updateRunningData(runId: string, runData: JsonObject): Promise<void> {
    await this.transaction('updating a running run', (c) =>
      c.query('UPDATE runs_running SET run_data = ? WHERE run_id = ?', [jsonColumn(runData), runId]),
    );
  }

  async finishRun(run: FinishedRun, addPending?: readonly StoredPendingRun[], notifications?: readonly OutboxEntry[]): Promise<void> {
    await this.transaction('recording a finished run', async (c) => {
      await this.insertFinished(c, [run]);
      // a finished run is pending no more, even if its running record (which consumes the
      // pending row) could not be written: it must not run again after a restart
      await this.policy.consume(c, run.runId);
      await this.policy.insert(c, addPending ?? []);
      await this.insertNotifications(c, notifications);
    });
  }

  /** Inside a transaction: a finished run's notifications for the outbox. */
  private async insertNotifications(c: ServerConnection, notifications: readonly OutboxEntry[] = []): Promise<void> {
    for (const n of notifications) await c.execute(insertNotificationSql(this.backend.kind as 'postgresql' | 'mysql'), notificationParams(n));
  }

  /** Plain SQL on this store's connection (transactions serialised with the record writes). */
  sqlRunner(): SqlRunner {
    return serverRunner(this.backend, (sql, params) => this.query('reading', sql, params), (what, fn) => this.transaction(what, fn));
  }

  /**
   * In one transaction (one durable commit on the server for a whole burst), in order; runs
   * that end one after another go in one multi-row insert.
   */
  async recordBatch(writes: readonly RecordWrite[]): Promise<void> {
    await this.transaction(`recording ${writes.length} started or finished runs`, async (c) => {
      let ended: FinishedRun[] = [];
      let caused: StoredPendingRun[] = [];
      const flushEnded = async (): Promise<void> => {
        if (ended.length > 0) {
          await this.insertFinished(c, ended);
          await this.policy.consumeAll(c, ended.map((r) => r.runId));
        }
        await this.policy.insert(c, caused);
        ended = [];
        caused = [];
      };
      for (const w of writes) {
        if (w.kind === 'finished') {
          ended.push(w.run);
          caused.push(...(w.addPending ?? []));
          continue;
        }
        await flushEnded();
        await c.query(this.backend.insertRunningSql, this.runningParams(w.run));
        await this.policy.consume(c, w.consumesPending);
      }
      await flushEnded();
      for (const w of writes) if (w.kind === 'finished') await this.insertNotifications(c, w.notifications);
    });
  }

  /** Inside a transaction: the finished rows (those not already there), running rows removed. */
  private async insertFinished(c: ServerConnection, runs: readonly FinishedRun[]): Promise<number> {
    const n = await c.execute(this.backend.insertFinishedSql(runs.length), runs.flatMap((r) => this.finishedParams(r)));
    await c.query(`DELETE FROM runs_running WHERE run_id IN (${runs.map(() => '?').join(', ')})`, runs.map((r) => r.runId));
    return n;
  }

  /** Parameters of insertRunningSql (the run id again for its NOT EXISTS). */
  private runningParams(run: RunningRun): unknown[] {
    return [run.jobName, run.runId, this.enc(run.scheduleTime), this.enc(run.startTime), run.triggerType, jsonColumn(run.triggerData), jsonColumn(run.runData), run.runId];
  }

  private finishedParams(run: FinishedRun): unknown[] {
    return [
      run.jobName,
      run.runId,
      this.enc(run.scheduleTime),
      this.enc(run.startTime),
      this.enc(run.stopTime),
      run.exitCode,
      run.triggerType,
      jsonColumn(run.triggerData),
      jsonColumn(run.runData),
    ];
  }

  async importFinished(runs: readonly FinishedRun[]): Promise<number> {
    if (runs.length === 0) return 0;
    return this.transaction('copying finished runs', (c) => this.insertFinished(c, runs));
  }

  async importRunning(runs: readonly RunningRun[]): Promise<number> {
    return this.transaction('copying running runs', async (c) => {
      let n = 0;
      for (const run of runs) {
        n += await c.execute(this.backend.insertRunningSql, this.runningParams(run));
      }
      return n;
    });
  }

  async listRunning(): Promise<RunningRun[]> {
    const rows = await this.query('listing running runs', `SELECT ${RUNNING_COLUMNS} FROM runs_running ORDER BY start_time, run_id`);
    return rows.map((r) => runningFromRow(this.row(r)));
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    // run_id is uuid in PostgreSQL: anything else cannot be there (and would be a type error)
    if (!UUID_RE.test(runId)) return null;
    const f = (await this.query('reading a run', `SELECT ${FINISHED_COLUMNS} FROM runs WHERE run_id = ?`, [runId]))[0];
    if (f) return finishedRecordFromRow(this.row(f));
    const r = (await this.query('reading a run', `SELECT ${RUNNING_COLUMNS} FROM runs_running WHERE run_id = ?`, [runId]))[0];
    return r ? recordFromRunning(runningFromRow(this.row(r))) : null;
  }

  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    const tables = queryTables(query);
    let runIds: string[] | undefined;
    if (query.runIds && query.runIds.length > 0) {
      runIds = query.runIds.filter((id) => UUID_RE.test(id));
      if (runIds.length === 0) return [];
    }
    const running: RunRecord[] = [];
    const finished: RunRecord[] = [];
    if (tables.running) {
      const s = selectForQuery('runs_running', query, this.backend.dialect, runIds);
      for (const r of await this.query('listing runs', s.sql, s.params)) running.push(recordFromRunning(runningFromRow(this.row(r))));
    }
    if (tables.finished) {
      const s = selectForQuery('runs', query, this.backend.dialect, runIds);
      for (const r of await this.query('listing runs', s.sql, s.params)) finished.push(finishedRecordFromRow(this.row(r)));
    }
    return mergeForQuery(query, running, finished);
  }

  private async lastOf(sql: string, jobName: string): Promise<FinishedRun | null> {
    const r = (await this.query('reading previous runs', sql, [jobName]))[0];
    return r ? finishedFromRow(this.row(r)) : null;
  }

  async previousRuns(jobName: string): Promise<PreviousRuns> {
    const last = await this.lastOf(LAST_RUN_SQL, jobName);
    if (last === null) return { last, lastGood: null, lastBad: null };
    return {
      last,
      lastGood: await this.lastOf(LAST_GOOD_SQL, jobName),
      lastBad: (await this.lastOf(LAST_BAD_RECENT_SQL, jobName)) ?? (await this.lastOf(LAST_BAD_RANGE_SQL, jobName)),
    };
  }

  async jobSummaries(): Promise<JobSummary[]> {
    const rows = (await this.query('summarising runs', summarySql(this.backend.dialect))) as unknown as SummaryRow[];
    const out: JobSummary[] = [];
    for (const r of rows) {
      const base = summaryCounts(r);
      out.push({
        ...base,
        lastRun: await this.lastOf(LAST_RUN_SQL, base.jobName),
        lastSuccessfulRun: await this.lastOf(LAST_GOOD_SQL, base.jobName),
      });
    }
    return out;
  }

  async durations(jobName: string): Promise<number[]> {
    const rows = await this.query('reading durations', differencesSql(this.backend.dialect, 'stop_time', 'start_time'), [jobName]);
    return rows.map((r) => Number(r['v']));
  }

  async latencies(jobName: string): Promise<number[]> {
    const rows = await this.query('reading latencies', differencesSql(this.backend.dialect, 'start_time', 'schedule_time'), [jobName]);
    return rows.map((r) => Number(r['v']));
  }

  /** Rows of one of our tables, or none when it does not exist (a database not upgraded). */
  private async optionalQuery(what: string, sql: string): Promise<Record<string, unknown>[]> {
    const c = await this.connection();
    try {
      return await c.query(sql);
    } catch (err) {
      if (isMissingTableError(err)) return [];
      throw this.wrap(what, err);
    }
  }

  listPauses(): Promise<PauseRecord[]> {
    return this.policy.listPauses();
  }
  addPause(pause: PauseRecord): Promise<boolean> {
    return this.policy.addPause(pause);
  }
  removePause(jobName: string): Promise<boolean> {
    return this.policy.removePause(jobName);
  }
  listPending(): Promise<StoredPendingRun[]> {
    return this.policy.listPending();
  }
  addPending(runs: readonly StoredPendingRun[]): Promise<void> {
    return this.policy.addPending(runs);
  }
  removePending(runIds: readonly string[]): Promise<void> {
    return this.policy.removePending(runIds);
  }
  lastScheduledFires(): Promise<Map<string, EpochSeconds>> {
    return this.policy.lastScheduledFires();
  }

  async *iterateFinished(pageSize = DEFAULT_PAGE_SIZE): AsyncIterable<FinishedRun[]> {
    const odd = await this.query('reading runs', PAGE_NULL_STOP_SQL);
    if (odd.length > 0) yield odd.map((r) => finishedFromRow(this.row(r)));
    let last: Record<string, unknown> | undefined;
    for (;;) {
      const rows: Record<string, unknown>[] =
        last === undefined
          ? await this.query('reading runs', PAGE_FIRST_SQL, [pageSize])
          : await this.query('reading runs', PAGE_NEXT_SQL, [last['stop_time'], last['stop_time'], last['run_id'], pageSize]);
      if (rows.length === 0) return;
      last = rows[rows.length - 1];
      yield rows.map((r) => finishedFromRow(this.row(r)));
      if (rows.length < pageSize) return;
    }
  }
}
