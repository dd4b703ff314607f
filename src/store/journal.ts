/**
 * Outage resilience for database servers (issue 5). While PostgreSQL/MySQL is down or the
 * connection drops, writes are kept in memory AND appended (fsynced) to a journal file in
 * DATA_DIR, and replayed in order once the server is back, retrying with back-off. Replaying
 * is idempotent (the stores' inserts ignore a run id already there), so a write replayed twice
 * — after a crash in the middle of a replay — is recorded once. A journal left by a previous
 * process is replayed at open. The outage and the recovery are each logged once.
 */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { StoreError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { StoreUnavailableError, type ServerStore } from './network.js';
import type { EpochSeconds } from '../clock.js';
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
  RunStore,
  RunningRun,
  SqlRunner,
} from './types.js';

export type JournalEntry =
  | { op: 'insertRunning'; run: RunningRun; consumesPending?: string | undefined }
  | { op: 'updateRunningData'; runId: string; runData: JsonObject }
  | { op: 'finishRun'; run: FinishedRun; addPending?: readonly StoredPendingRun[] | undefined; notifications?: readonly OutboxEntry[] | undefined }
  | { op: 'addPause'; pause: PauseRecord }
  | { op: 'removePause'; jobName: string }
  | { op: 'addPending'; runs: readonly StoredPendingRun[] }
  | { op: 'removePending'; runIds: readonly string[] };

const OPS: ReadonlySet<string> = new Set<JournalEntry['op']>([
  'insertRunning',
  'updateRunningData',
  'finishRun',
  'addPause',
  'removePause',
  'addPending',
  'removePending',
]);

export interface JournaledStoreOptions {
  log: Logger;
  /** Journal file; undefined = keep writes in memory only. */
  file?: string | undefined;
  /** First retry delay, doubled up to maxRetryMs. @default 500 */
  minRetryMs?: number;
  /** @default 30000 */
  maxRetryMs?: number;
}

export class JournaledStore implements RunStore {
  readonly kind: string;
  private readonly queue: JournalEntry[] = [];
  private fd: number | null = null;
  private down: { since: number; reason: string } | null = null;
  private replaying: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryMs: number;
  private closed = false;
  private recovered = 0;

  constructor(
    private readonly inner: ServerStore,
    private readonly options: JournaledStoreOptions,
  ) {
    this.kind = inner.kind;
    this.retryMs = options.minRetryMs ?? 500;
  }

  /** Writes waiting for the database. */
  get pendingWrites(): number {
    return this.queue.length;
  }

  /** True while the database is known to be unreachable. */
  get unavailable(): boolean {
    return this.down !== null;
  }

  async open(): Promise<void> {
    this.closed = false;
    this.loadLeftoverJournal();
    try {
      await this.inner.open();
    } catch (err) {
      if (!(err instanceof StoreUnavailableError) || this.options.file === undefined) throw err;
      // the daemon keeps running and journaling; reads report the outage
      this.noteDown(err);
      this.scheduleReplay();
      return;
    }
    if (this.queue.length > 0) await this.replay();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.replaying) await this.replaying;
    // One last attempt: a server that came back while the next retry was still waiting out its
    // back-off gets its records now, not only at the next start.
    if (this.queue.length > 0) await this.replay();
    if (this.queue.length > 0) {
      this.options.log.warning(
        `${this.queue.length} run record writes could not reach ${this.kind} database ${this.inner.target}; ` +
          `they stay in ${this.options.file ?? 'memory (lost at exit: no DATA_DIR journal)'} and are replayed at the next start`,
      );
    }
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    await this.inner.close();
  }

  /** Waits until every journaled write is in the database (or rejects after timeoutMs). */
  async flush(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0) {
      if (Date.now() > deadline) throw new StoreError(`${this.queue.length} journaled writes still waiting for ${this.inner.target}`);
      await this.replay();
      if (this.queue.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
  }

  async insertRunning(run: RunningRun, consumesPending?: string): Promise<void> {
    await this.write(consumesPending === undefined ? { op: 'insertRunning', run } : { op: 'insertRunning', run, consumesPending });
  }

  async updateRunningData(runId: string, runData: JsonObject): Promise<void> {
    await this.write({ op: 'updateRunningData', runId, runData });
  }

  async finishRun(run: FinishedRun, addPending?: readonly StoredPendingRun[], notifications?: readonly OutboxEntry[]): Promise<void> {
    const e: JournalEntry = { op: 'finishRun', run };
    await this.write({
      ...e,
      ...(addPending === undefined || addPending.length === 0 ? {} : { addPending }),
      ...(notifications === undefined || notifications.length === 0 ? {} : { notifications }),
    });
  }

  sqlRunner(): SqlRunner {
    return this.inner.sqlRunner();
  }

  /**
   * Journaled like the run records: while the server is down the pause is kept and written
   * later, and true is returned (whether the job was paused already is not known then).
   */
  async addPause(pause: PauseRecord): Promise<boolean> {
    return (await this.write({ op: 'addPause', pause })) ?? true;
  }

  /** As {@link JournaledStore.addPause}: true while the server is down. */
  async removePause(jobName: string): Promise<boolean> {
    return (await this.write({ op: 'removePause', jobName })) ?? true;
  }

  async addPending(runs: readonly StoredPendingRun[]): Promise<void> {
    if (runs.length > 0) await this.write({ op: 'addPending', runs });
  }

  async removePending(runIds: readonly string[]): Promise<void> {
    if (runIds.length > 0) await this.write({ op: 'removePending', runIds });
  }

  /** Creates missing tables and indexes (see ServerStore.upgradeSchema); not journaled. */
  upgradeSchema(): Promise<string[]> {
    return this.inner.upgradeSchema();
  }

  /** Applies one entry; the pause writes give their answer (already paused / not paused). */
  private async apply(e: JournalEntry): Promise<boolean | undefined> {
    switch (e.op) {
      case 'insertRunning':
        await this.inner.insertRunning(e.run, e.consumesPending);
        return undefined;
      case 'updateRunningData':
        await this.inner.updateRunningData(e.runId, e.runData);
        return undefined;
      case 'finishRun':
        await this.inner.finishRun(e.run, e.addPending, e.notifications);
        return undefined;
      case 'addPause':
        return this.inner.addPause(e.pause);
      case 'removePause':
        return this.inner.removePause(e.jobName);
      case 'addPending':
        await this.inner.addPending(e.runs);
        return undefined;
      case 'removePending':
        await this.inner.removePending(e.runIds);
        return undefined;
    }
  }

  /** Applies `e` now, or journals it while the server is down (the result is then undefined). */
  private async write(e: JournalEntry): Promise<boolean | undefined> {
    if (this.queue.length === 0) {
      try {
        return await this.apply(e);
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.noteDown(err);
      }
    }
    this.enqueue(e);
    this.scheduleReplay();
    return undefined;
  }

  private enqueue(e: JournalEntry): void {
    this.queue.push(e);
    if (this.options.file === undefined) return;
    try {
      this.fd ??= openSync(this.options.file, 'a');
      writeSync(this.fd, `${JSON.stringify(e)}\n`);
      fdatasyncSync(this.fd);
    } catch (err) {
      // still kept in memory and replayed from there
      this.options.log.error(`cannot write the store journal ${this.options.file}: ${errorMessage(err)}`);
    }
  }

  private loadLeftoverJournal(): void {
    const file = this.options.file;
    if (file === undefined || !existsSync(file)) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      this.options.log.error(`cannot read the store journal ${file}: ${errorMessage(err)}`);
      return;
    }
    let n = 0;
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        const e = JSON.parse(line) as JournalEntry;
        if (!OPS.has(e.op)) throw new Error(`unknown op`);
        this.queue.push(e);
        n++;
      } catch (err) {
        // a line cut short by a crash while it was written: the write it held never returned
        this.options.log.warning(`${file}:${i + 1}: unreadable journal entry skipped (${errorMessage(err)})`);
      }
    }
    if (n > 0) this.options.log.info(`replaying ${n} run record writes left in ${file}`);
  }

  private noteDown(err: unknown): void {
    if (this.down) return;
    this.down = { since: Date.now(), reason: errorMessage(err) };
    this.recovered = 0;
    this.options.log.warning(
      `${errorMessage(err)}; keeping run record writes in ${this.options.file ?? 'memory'} until it is back`,
    );
  }

  private noteUp(): void {
    if (!this.down) return;
    const secs = ((Date.now() - this.down.since) / 1000).toFixed(1);
    this.down = null;
    this.options.log.info(
      `${this.kind} database ${this.inner.target} is available again after ${secs} s; ${this.recovered} journaled writes recorded`,
    );
  }

  private scheduleReplay(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.replay();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
  }

  /** Applies queued writes in order until the queue is empty or the server fails again. */
  private replay(): Promise<void> {
    this.replaying ??= (async () => {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        try {
          await this.apply(head);
        } catch (err) {
          if (err instanceof StoreUnavailableError) {
            this.noteDown(err);
            this.scheduleReplay();
            return;
          }
          // the database refuses this entry for good (not an outage): set it aside, go on
          this.setAside(head, err);
          this.queue.shift();
          continue;
        }
        this.queue.shift();
        this.recovered++;
        if (this.queue.length === 0) this.truncate();
      }
      this.retryMs = this.options.minRetryMs ?? 500;
      this.noteUp();
    })().finally(() => {
      this.replaying = null;
    });
    return this.replaying;
  }

  private setAside(e: JournalEntry, err: unknown): void {
    const where = this.options.file !== undefined ? `${this.options.file}.rejected` : undefined;
    this.options.log.error(
      `journaled write ${e.op} refused by ${this.kind} database ${this.inner.target}: ${errorMessage(err)}` +
        (where !== undefined ? `; kept in ${where}` : ''),
    );
    if (where === undefined) return;
    try {
      appendFileSync(where, `${JSON.stringify({ ...e, error: errorMessage(err) })}\n`);
    } catch (appendErr) {
      this.options.log.error(`cannot write ${where}: ${errorMessage(appendErr)}`);
    }
  }

  private truncate(): void {
    const file = this.options.file;
    if (file === undefined) return;
    try {
      this.fd ??= openSync(file, 'a');
      ftruncateSync(this.fd, 0);
      fdatasyncSync(this.fd);
    } catch (err) {
      this.options.log.error(`cannot empty the store journal ${file}: ${errorMessage(err)}`);
    }
  }

  /** Reads go straight to the database; a success tells us it is back. */
  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const v = await fn();
      if (this.queue.length === 0) this.noteUp();
      else if (!this.replaying) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        void this.replay();
      }
      return v;
    } catch (err) {
      if (err instanceof StoreUnavailableError) this.noteDown(err);
      throw err;
    }
  }

  listRunning(): Promise<RunningRun[]> {
    return this.read(() => this.inner.listRunning());
  }
  getRun(runId: string): Promise<RunRecord | null> {
    return this.read(() => this.inner.getRun(runId));
  }
  listRuns(query?: RunQuery): Promise<RunRecord[]> {
    return this.read(() => this.inner.listRuns(query));
  }
  previousRuns(jobName: string): Promise<PreviousRuns> {
    return this.read(() => this.inner.previousRuns(jobName));
  }
  jobSummaries(): Promise<JobSummary[]> {
    return this.read(() => this.inner.jobSummaries());
  }
  durations(jobName: string): Promise<number[]> {
    return this.read(() => this.inner.durations(jobName));
  }
  latencies(jobName: string): Promise<number[]> {
    return this.read(() => this.inner.latencies(jobName));
  }
  listPauses(): Promise<PauseRecord[]> {
    return this.read(() => this.inner.listPauses());
  }
  listPending(): Promise<StoredPendingRun[]> {
    return this.read(() => this.inner.listPending());
  }
  lastScheduledFires(): Promise<Map<string, EpochSeconds>> {
    return this.read(() => this.inner.lastScheduledFires());
  }
  iterateFinished(pageSize?: number): AsyncIterable<FinishedRun[]> {
    return this.inner.iterateFinished(pageSize);
  }
}
