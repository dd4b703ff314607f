/**
 * The policy tables (see policy-sql.ts) on a database server: the statements, run inside the
 * one-connection transactions of {@link ServerStore}, which calls them.
 */
import type { EpochSeconds } from '../clock.js';
import type { ServerBackend, ServerConnection } from './network.js';
import {
  DELETE_PAUSE_SQL,
  deletePendingSql,
  lastScheduledSql,
  LIST_PAUSES_SQL,
  LIST_PENDING_SQL,
  mergeLastFires,
  pauseFromRow,
  pauseParams,
  pendingFromRow,
  pendingParams,
} from './policy-sql.js';
import { UUID_RE } from './rows.js';
import type { PauseRecord, StoredPendingRun } from './types.js';

/** What {@link ServerPolicyRows} uses of its store. */
export interface ServerPolicyPort {
  readonly backend: ServerBackend;
  /** Runs `fn` in one transaction, one transaction at a time. */
  transaction<T>(what: string, fn: (c: ServerConnection) => Promise<T>): Promise<T>;
  query(what: string, sql: string): Promise<Record<string, unknown>[]>;
  /** Rows of a read of one of our tables; none when it does not exist (a database not upgraded). */
  optionalQuery(what: string, sql: string): Promise<Record<string, unknown>[]>;
}

/** Statements on the policy tables, run on the store's connection and in its transactions. */
export class ServerPolicyRows {
  private readonly decode: (value: unknown) => EpochSeconds | null;
  private readonly encode: (t: EpochSeconds) => unknown;

  constructor(private readonly port: ServerPolicyPort) {
    this.decode = (v) => port.backend.decodeTime(v);
    this.encode = (t) => port.backend.dialect.encodeTime(t);
  }

  /** Inside a transaction: deletes a pending run (no-op for undefined, or an id that cannot be one). */
  async consume(c: ServerConnection, runId: string | undefined): Promise<void> {
    if (runId !== undefined && UUID_RE.test(runId)) await c.query(deletePendingSql(1), [runId]);
  }

  /** Inside a transaction: deletes the pending runs of these ids. */
  async consumeAll(c: ServerConnection, runIds: readonly string[]): Promise<void> {
    const ids = runIds.filter((id) => UUID_RE.test(id));
    if (ids.length > 0) await c.query(deletePendingSql(ids.length), ids);
  }

  /** Inside a transaction: stores pending runs, except ids pending, running or finished already. */
  async insert(c: ServerConnection, runs: readonly StoredPendingRun[]): Promise<void> {
    for (const p of runs) await c.query(this.port.backend.insertPendingSql, pendingParams(p, this.encode));
  }

  async listPauses(): Promise<PauseRecord[]> {
    return (await this.port.optionalQuery('listing pauses', LIST_PAUSES_SQL)).map((r) => pauseFromRow(r, this.decode));
  }

  addPause(pause: PauseRecord): Promise<boolean> {
    return this.port.transaction('pausing a job', async (c) => (await c.execute(this.port.backend.insertPauseSql, pauseParams(pause, this.encode))) > 0);
  }

  removePause(jobName: string): Promise<boolean> {
    return this.port.transaction('resuming a job', async (c) => (await c.execute(DELETE_PAUSE_SQL, [jobName])) > 0);
  }

  async listPending(): Promise<StoredPendingRun[]> {
    return (await this.port.optionalQuery('listing pending runs', LIST_PENDING_SQL)).map((r) => pendingFromRow(r, this.decode));
  }

  async addPending(runs: readonly StoredPendingRun[]): Promise<void> {
    if (runs.length > 0) await this.port.transaction('storing pending runs', (c) => this.insert(c, runs));
  }

  async removePending(runIds: readonly string[]): Promise<void> {
    const ids = runIds.filter((id) => UUID_RE.test(id));
    if (ids.length > 0) await this.port.transaction('removing pending runs', (c) => c.query(deletePendingSql(ids.length), ids));
  }

  async lastScheduledFires(): Promise<Map<string, EpochSeconds>> {
    const what = 'reading the last scheduled fires';
    const rows = [
      ...(await this.port.query(what, lastScheduledSql('runs', this.port.backend.walkJobNames))),
      ...(await this.port.query(what, lastScheduledSql('runs_running'))),
    ];
    return mergeLastFires(rows, this.decode);
  }
}
