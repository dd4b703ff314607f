/**
 * Writing run records without losing any: a finished run that cannot be written (database
 * locked, connection down) is kept and retried with back-off; what still cannot be written at
 * shutdown goes to a journal file in DATA_DIR that the next start replays.
 */
import { appendFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { FinishedRun, OutboxEntry, RecordWrite, RunningRun, RunStore, StoredPendingRun } from '../store/types.js';

/**
 * Finished runs not yet in the database, one JSON object per line: the FinishedRun itself, or
 * `{"run": …, "addPending": […], "notifications": […]}` when its record adds pending runs (a
 * retry, dependency runs) or notifications to the outbox.
 */
export const JOURNAL_FILE = 'unrecorded-runs.jsonl';

/** A finished run waiting to be written, with the pending runs and notifications it adds in the same write. */
interface UnrecordedRun {
  readonly run: FinishedRun;
  readonly addPending?: readonly StoredPendingRun[] | undefined;
  readonly notifications?: readonly OutboxEntry[] | undefined;
}

/** A journal line: a bare FinishedRun (as older daemons wrote) or an {@link UnrecordedRun}. */
function journalLine(u: UnrecordedRun): string {
  const pending = u.addPending !== undefined && u.addPending.length > 0;
  const notes = u.notifications !== undefined && u.notifications.length > 0;
  if (!pending && !notes) return JSON.stringify(u.run);
  return JSON.stringify({ run: u.run, ...(pending ? { addPending: u.addPending } : {}), ...(notes ? { notifications: u.notifications } : {}) });
}

function fromJournalLine(line: string): UnrecordedRun {
  const v = JSON.parse(line) as { run?: unknown; runId?: unknown; addPending?: unknown; notifications?: unknown };
  if (typeof v !== 'object' || v === null) throw new Error('not a JSON object');
  if (v.runId === undefined && typeof v.run === 'object' && v.run !== null) {
    return {
      run: v.run as FinishedRun,
      addPending: Array.isArray(v.addPending) ? (v.addPending as StoredPendingRun[]) : undefined,
      notifications: Array.isArray(v.notifications) ? (v.notifications as OutboxEntry[]) : undefined,
    };
  }
  return { run: v as unknown as FinishedRun };
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;
/** A record write slower than this is logged (a lock held by another process). */
const SLOW_WRITE_MS = 2000;
/** The longest a write steps aside for due runs. */
const MAX_HOLD_MS = 200;
/** Most record writes committed in one transaction. */
const MAX_BATCH = 500;

interface QueuedWrite {
  readonly write: RecordWrite;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class RunRecorder {
  private readonly backlog: UnrecordedRun[] = [];
  private retryTimer: TimerHandle | null = null;
  private retryMs = RETRY_MIN_MS;
  private flushing: Promise<void> | null = null;
  /**
   * While writes fail (or wait on a lock), further failures are logged at debug level only: a
   * condition is reported once, not once per run or per retry. Cleared by a successful write,
   * which is logged when it ends an outage.
   */
  private failing = false;
  private slowWarned = false;
  private readonly queued: QueuedWrite[] = [];
  private pumping = false;
  readonly journal: string;

  constructor(
    private readonly store: RunStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    dataDir: string,
    /**
     * Milliseconds to hold a write back because a run is due about then. A database write
     * blocks the event loop (SQLite commits synchronously), so writes step aside for starts.
     */
    private readonly holdOff: () => number = () => 0,
  ) {
    this.journal = join(dataDir, JOURNAL_FILE);
  }

  /** Waits while a run is about to be due (never longer than {@link MAX_HOLD_MS} in all). */
  private async gate(): Promise<void> {
    const until = this.clock.monotonicMs() + MAX_HOLD_MS;
    for (;;) {
      const ms = Math.min(this.holdOff(), until - this.clock.monotonicMs());
      if (ms <= 0) return;
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, ms));
    }
  }

  /** Finished runs waiting to be written. */
  get waiting(): number {
    return this.backlog.length;
  }

  /**
   * Records a run as running; a failure is logged (the finished record will still be written).
   * With `consumesPending`, the stored pending run of that id is deleted in the same transaction.
   */
  async started(run: RunningRun, consumesPending?: string): Promise<void> {
    const log = this.log.child({ job: run.jobName, run: run.runId });
    await this.gate();
    const slow = this.slowWarning(log, 'the run as running');
    try {
      await this.write({ kind: 'running', run, consumesPending });
      this.succeeded();
    } catch (err) {
      this.failed(log, `Cannot record the run as running: ${errorMessage(err)}`);
    } finally {
      this.clock.clearTimer(slow);
    }
  }

  /** A store waits for another process's lock on its own; say so when that takes a while. */
  private slowWarning(log: Logger, what: string): TimerHandle {
    return this.clock.setTimer(() => {
      const line = `Still waiting to record ${what} after ${SLOW_WRITE_MS / 1000}s (is the database locked by another process?)`;
      if (this.slowWarned || this.failing) log.debug(line);
      else log.warning(`${line}; further waits are not logged until a write succeeds`);
      this.slowWarned = true;
    }, SLOW_WRITE_MS);
  }

  /**
   * Record writes go one at a time: while another process holds the database, only one write
   * polls for the lock (each poll can block the event loop briefly), instead of one per run.
   * Writes queued meanwhile are committed together in one transaction where the store can
   * (a burst of starts or ends costs one durable commit, not one each); if such a batch fails,
   * its writes are tried one by one, so a failure belongs to the run that caused it.
   */
  private write(write: RecordWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ write, resolve, reject });
      if (this.pumping) return;
      this.pumping = true;
      // Gather what else is queued in this turn of the event loop before writing.
      setImmediate(() => void this.pump());
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0, MAX_BATCH);
        if (batch.length > 1 && this.store.recordBatch !== undefined) {
          try {
            await this.store.recordBatch(batch.map((q) => q.write));
            for (const q of batch) q.resolve();
            continue;
          } catch (err) {
            this.log.debug(`Cannot record ${batch.length} runs together (${errorMessage(err)}); recording them one by one`);
          }
        }
        for (const q of batch) {
          try {
            await (q.write.kind === 'running'
              ? this.store.insertRunning(q.write.run, q.write.consumesPending)
              : this.store.finishRun(q.write.run, q.write.addPending, q.write.notifications));
            q.resolve();
          } catch (err) {
            q.reject(err);
          }
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** A write failed: logged as an error the first time of an outage, at debug level after. */
  private failed(log: Logger, line: string): void {
    if (this.failing) {
      log.debug(line);
      return;
    }
    this.failing = true;
    log.error(`${line}; further write failures are not logged until a write succeeds`);
  }

  private succeeded(): void {
    if (this.failing) this.log.info(`The database can be written again${this.backlog.length > 0 ? `; recording ${this.backlog.length} kept run(s)` : ''}`);
    this.failing = false;
    this.slowWarned = false;
  }

  /**
   * Records a finished run, and the pending runs it adds (in the same transaction); true when
   * written now, false when kept (with its pending runs) for a retry.
   */
  async finished(run: FinishedRun, addPending?: readonly StoredPendingRun[], notifications?: readonly OutboxEntry[]): Promise<boolean> {
    const u: UnrecordedRun = { run, addPending, notifications };
    if (this.backlog.length === 0 && (await this.tryWrite(u))) return true;
    this.backlog.push(u);
    this.log.child({ job: run.jobName, run: run.runId }).debug(`Cannot record the finished run yet; it is kept and retried (${this.backlog.length} waiting)`);
    this.armRetry();
    return false;
  }

  /**
   * Writes what is waiting, retrying until `deadlineMs` (monotonic) passes; what is left is
   * appended to the journal. Used at shutdown.
   */
  async flush(deadlineMs: number): Promise<void> {
    this.cancelRetry();
    while (this.backlog.length > 0) {
      await this.drain();
      if (this.backlog.length === 0 || this.clock.monotonicMs() >= deadlineMs) break;
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, Math.min(500, Math.max(0, deadlineMs - this.clock.monotonicMs()))));
    }
    if (this.backlog.length > 0) {
      const lines = this.backlog.map((u) => `${journalLine(u)}\n`).join('');
      try {
        appendFileSync(this.journal, lines);
        this.log.error(`${this.backlog.length} finished run(s) could not be written to the database; kept in ${this.journal} for the next start`);
        this.backlog.length = 0;
      } catch (err) {
        this.log.error(`Cannot write ${this.journal}: ${errorMessage(err)}; unrecorded runs: ${lines.trim()}`);
      }
    }
  }

  /** Writes the runs a previous daemon left in the journal; keeps what still fails. */
  async replayJournal(): Promise<number> {
    let text: string;
    try {
      text = readFileSync(this.journal, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error(`Cannot read ${this.journal}: ${errorMessage(err)}`);
      return 0;
    }
    const failed: string[] = [];
    let written = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let run: UnrecordedRun;
      try {
        run = fromJournalLine(line);
      } catch (err) {
        this.log.error(`${this.journal}: skipping a line that is not JSON (${errorMessage(err)}): ${line.slice(0, 200)}`);
        continue;
      }
      if (await this.tryWrite(run)) written++;
      else failed.push(line);
    }
    const tmp = `${this.journal}.tmp`;
    if (failed.length === 0) rmSync(this.journal, { force: true });
    else {
      appendFileSync(tmp, failed.map((l) => `${l}\n`).join(''));
      renameSync(tmp, this.journal);
    }
    if (written > 0) this.log.info(`Recorded ${written} run(s) kept in ${this.journal} by a previous daemon`);
    return written;
  }

  private async tryWrite({ run, addPending, notifications }: UnrecordedRun): Promise<boolean> {
    const log = this.log.child({ job: run.jobName, run: run.runId });
    await this.gate();
    const slow = this.slowWarning(log, 'the finished run');
    try {
      await this.write({ kind: 'finished', run, addPending, notifications });
      this.succeeded();
      return true;
    } catch (err) {
      this.failed(log, `Cannot record the finished run: ${errorMessage(err)}; it is kept and retried`);
      return false;
    } finally {
      this.clock.clearTimer(slow);
    }
  }

  private async drain(): Promise<void> {
    if (this.flushing !== null) return this.flushing;
    this.flushing = (async () => {
      while (this.backlog.length > 0) {
        const head = this.backlog[0] as UnrecordedRun;
        const { run } = head;
        if (!(await this.tryWrite(head))) return;
        this.backlog.shift();
        this.log.child({ job: run.jobName, run: run.runId }).debug('Recorded the finished run after a retry');
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private armRetry(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = this.clock.setTimer(() => {
      this.retryTimer = null;
      void this.drain().then(() => {
        if (this.backlog.length > 0) {
          this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
          this.armRetry();
        } else this.retryMs = RETRY_MIN_MS;
      });
    }, this.retryMs);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.clock.clearTimer(this.retryTimer);
    this.retryTimer = null;
  }
}
