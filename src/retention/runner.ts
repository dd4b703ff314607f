/**
 * The daemon's background retention (SPEC-BEYOND §12.7): a pass shortly after start-up, then at
 * most once an hour, in small batches with a pause between them. File work is asynchronous and
 * each batch's database work is a few small statements, so a start or a record waits for
 * retention by a few milliseconds at most; the pause also steps aside while a run is due.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { mergeRetention } from '../config/retention.js';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { SqlRunner } from '../store/types.js';
import { takePruneLock } from './lock.js';
import { retentionActive } from './plan.js';
import { prune } from './prune.js';

/** Delay of the first pass after start-up. */
export const FIRST_PASS_MS = 10_000;
/** Between passes. */
export const PASS_INTERVAL_MS = 3_600_000;
/** Runs removed per batch in the daemon. */
const DAEMON_BATCH = 25;
/**
 * Rest between batches: retention shares the daemon's one thread (and SQLite's synchronous
 * commits), so it runs at a fraction of full speed — 100,000 runs take a few minutes — and a
 * start rarely meets a batch.
 */
const REST_MS = 25;
/**
 * Run directories the daemon removes at a time: libuv has 4 threads for file work, and the
 * daemon's own (run directories, output files, triggers) must not queue behind retention's.
 */
const DAEMON_FILE_CONCURRENCY = 1;
/** Longest wait for a due run before the next batch. */
const MAX_STEP_ASIDE_MS = 200;

export interface RetentionRunnerOptions {
  readonly sql: SqlRunner;
  readonly clock: Clock;
  readonly log: Logger;
  config(): Config;
  /** Milliseconds to wait because a run is about due (the daemon's write guard). */
  holdOff?(): number;
  /** @default FIRST_PASS_MS */
  readonly firstPassMs?: number;
}

export class RetentionRunner {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  /** The time of the last complete pass: outputs old enough then were compressed. */
  private compressedUpTo: number | null = null;

  constructor(private readonly options: RetentionRunnerOptions) {}

  /** Schedules the first pass (nothing after {@link stop}). */
  start(): void {
    this.arm(this.options.firstPassMs ?? FIRST_PASS_MS);
  }

  /** Stops; a pass under way ends after its current batch. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    await this.running;
  }

  private arm(ms: number): void {
    if (this.stopping) return;
    this.timer = this.options.clock.setTimer(() => {
      this.timer = null;
      this.running = this.pass().finally(() => {
        this.running = null;
        this.arm(PASS_INTERVAL_MS);
      });
    }, ms);
  }

  /** True if any job (or the top level) has retention set. */
  private active(config: Config): boolean {
    if (retentionActive(mergeRetention(config.retention ?? {}, undefined))) return true;
    for (const job of config.jobs.values()) if (retentionActive(mergeRetention(config.retention ?? {}, job.retention))) return true;
    return false;
  }

  private async pass(): Promise<void> {
    const { clock, log } = this.options;
    const config = this.options.config();
    if (!this.active(config)) return;
    const lock = takePruneLock(config.dataDir);
    if ('heldBy' in lock) {
      log.info(`Retention pass skipped: another prune holds ${config.dataDir}/prune.lock (PID ${lock.heldBy})`);
      return;
    }
    const now = clock.now();
    const started = clock.monotonicMs();
    try {
      const s = await prune({
        sql: this.options.sql,
        config,
        log,
        now,
        batchSize: DAEMON_BATCH,
        fileConcurrency: DAEMON_FILE_CONCURRENCY,
        compressSince: this.compressedUpTo,
        pause: () => this.pause(),
        stopped: () => this.stopping,
      });
      // The next pass compresses only outputs that became old enough since this one; after a
      // problem (a full disk) or an interrupted pass, it looks at every old run again.
      this.compressedUpTo = s.problems.length === 0 && !this.stopping ? now : null;
      if (s.runsRemoved > 0 || s.outputsCompressed > 0 || s.problems.length > 0) {
        log.info(
          `Retention: removed ${s.runsRemoved} run(s), ${formatBytes(s.bytesFreed)} freed; compressed ${s.outputsCompressed} output(s), ` +
            `${formatBytes(s.bytesSaved)} saved; ${s.problems.length} problem(s); ${((clock.monotonicMs() - started) / 1000).toFixed(1)} s`,
        );
      }
    } catch (err) {
      log.error(`Retention pass failed: ${errorMessage(err)}; the next one is in an hour`);
    } finally {
      lock.release();
    }
  }

  /** Between batches: yield to the event loop, and step aside while a run is due. */
  private async pause(): Promise<void> {
    const { clock } = this.options;
    await new Promise<void>((resolve) => clock.setTimer(resolve, REST_MS));
    const until = clock.monotonicMs() + MAX_STEP_ASIDE_MS;
    for (;;) {
      const ms = Math.min(this.options.holdOff?.() ?? 0, until - clock.monotonicMs());
      if (ms <= 0) return;
      await new Promise<void>((resolve) => clock.setTimer(resolve, ms));
    }
  }
}

/** `1.2 MB` */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
