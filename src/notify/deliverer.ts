/**
 * The background deliverer of the notification outbox (SPEC-BEYOND §12.6). It runs beside the
 * scheduler and never holds it up: everything is asynchronous, a slow webhook or command holds
 * only its own notification. Each attempt is logged; a failed one is retried with back-off
 * ({@link retryDelaySeconds}) until {@link RETRY_WINDOW_SECONDS} after the notification was
 * written, across restarts (the schedule is in the outbox row). An attempt cut short by a
 * shutdown or a crash is not recorded, so it is made again after the restart (at-least-once).
 */
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../clock.js';
import { jobNotifiers, notifierSecrets, type NotifierConfig } from '../config/notify.js';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { buildRunEnvironment } from '../executor/environment.js';
import type { Logger } from '../log.js';
import { scrubSecrets } from '../store/redact.js';
import type { RunRecord, RunStore, SqlRunner } from '../store/types.js';
import { runNotifyCommand } from './command.js';
import { findNotifier } from './identity.js';
import { dueNotifications, nextDue, recordAttempt, type NotificationRow } from './outbox.js';
import { jsonBody, readOutputTail, slackBody, type NotificationContext } from './payload.js';
import { postWebhook } from './webhook.js';

/** How long a notification is retried after it was written. */
export const RETRY_WINDOW_SECONDS = 24 * 3600;
/** Notifications delivered at the same time, at most. */
const MAX_IN_FLIGHT = 8;
/** The longest the deliverer sleeps without looking at the outbox. */
const MAX_SLEEP_MS = 60_000;
/** After the outbox cannot be read (database down). */
const OUTAGE_RETRY_MS = 30_000;

/** Seconds before attempt `attempts + 1`: base·2^(attempts−1), at most one hour. */
export function retryDelaySeconds(attempts: number, baseSeconds = 30): number {
  return Math.min(3600, baseSeconds * 2 ** Math.max(0, attempts - 1));
}

export interface DelivererOptions {
  readonly store: RunStore;
  readonly sql: SqlRunner;
  readonly clock: Clock;
  readonly log: Logger;
  /** The configuration now (it may be reloaded). */
  config(): Config;
  readonly dataDir: string;
  /** First retry delay, seconds. @default 30 */
  readonly retryBaseSeconds?: number;
  /** The run's page in the web console (§13), when `http.public_url` is set. */
  runUrl?(run: RunRecord): string | null;
}

export class NotificationDeliverer {
  private timer: TimerHandle | null = null;
  private readonly inFlight = new Map<number, Promise<void>>();
  private passing = false;
  private again = false;
  private stopped = true;
  private outage = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: DelivererOptions) {}

  /** Starts delivering (what a previous daemon left pending first). */
  start(): void {
    this.stopped = false;
    this.poke();
  }

  /** New notifications were written: look now. */
  poke(): void {
    if (this.stopped) return;
    setImmediate(() => void this.pass());
  }

  /** Stops; attempts in flight are ended and stay pending for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    this.abort.abort();
    await Promise.all(this.inFlight.values());
  }

  /** Notifications being delivered now. */
  get busy(): number {
    return this.inFlight.size;
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = true;
    const { clock, log, sql } = this.options;
    try {
      do {
        this.again = false;
        const room = MAX_IN_FLIGHT - this.inFlight.size;
        if (room <= 0) break;
        const due = (await dueNotifications(sql, clock.now(), room + this.inFlight.size)).filter((r) => !this.inFlight.has(r.id));
        for (const row of due.slice(0, room)) {
          const p = this.deliver(row).finally(() => {
            this.inFlight.delete(row.id);
            this.poke();
          });
          this.inFlight.set(row.id, p);
        }
      } while (this.again && !this.stopped);
      if (this.outage) log.info('The notification outbox can be read again');
      this.outage = false;
      const next = await nextDue(sql);
      this.arm(next === null ? MAX_SLEEP_MS : Math.max(0, (next - clock.now()) * 1000) + 5);
    } catch (err) {
      if (!this.outage) log.warning(`Cannot read the notification outbox (${errorMessage(err)}); retrying every ${OUTAGE_RETRY_MS / 1000} s`);
      this.outage = true;
      this.arm(OUTAGE_RETRY_MS);
    } finally {
      this.passing = false;
    }
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = this.options.clock.setTimer(() => {
      this.timer = null;
      void this.pass();
    }, Math.min(ms, MAX_SLEEP_MS));
  }

  /** One attempt at one notification, and its outcome in the outbox and the log. */
  private async deliver(row: NotificationRow): Promise<void> {
    const { clock, sql } = this.options;
    const log = this.options.log.child({ job: row.jobName, run: row.runId });
    const what = `Notification "${row.event}" by ${row.label}`;
    const config = this.options.config();
    const job = config.jobs.get(row.jobName);
    const found = findNotifier(job === undefined ? [] : jobNotifiers(config, job), row.notifier);
    let error: string | null;
    try {
      if (found === null) return await this.drop(row, log, `${what} dropped: that notifier is no longer in the configuration`);
      const run = await this.options.store.getRun(row.runId);
      if (run === null) return await this.drop(row, log, `${what} dropped: the run is no longer in the store`);
      error = await this.attempt(found.notifier, found.index, row, run, config);
    } catch (err) {
      error = errorMessage(err);
    }
    if (this.stopped) return; // cut short: stays pending, made again after the restart
    const secrets = found === null ? [] : notifierSecrets([found.notifier]);
    const attempt = row.attempts + 1;
    const now = clock.now();
    try {
      if (error === null) {
        await recordAttempt(sql, row.id, { state: 'delivered', error: null, nextAttempt: now, finishedAt: now });
        log.info(`${what} delivered (attempt ${attempt})`);
        return;
      }
      const reason = scrubSecrets(error, secrets);
      const delay = retryDelaySeconds(attempt, this.options.retryBaseSeconds);
      if (now + delay > row.createdAt + RETRY_WINDOW_SECONDS) {
        await recordAttempt(sql, row.id, { state: 'failed', error: reason, nextAttempt: now, finishedAt: now });
        log.error(`${what} failed for good after ${attempt} attempts over ${Math.round((now - row.createdAt) / 3600)} h: ${reason}`);
      } else {
        await recordAttempt(sql, row.id, { state: 'pending', error: reason, nextAttempt: now + delay, finishedAt: null });
        log.warning(`${what} failed (attempt ${attempt}): ${reason}; next attempt in ${Math.round(delay)} s`);
      }
    } catch (err) {
      log.warning(`Cannot record the outcome of ${what.toLowerCase()} (${errorMessage(err)}); it will be made again`);
    }
  }

  private async drop(row: NotificationRow, log: Logger, line: string): Promise<void> {
    const now = this.options.clock.now();
    await recordAttempt(this.options.sql, row.id, { state: 'dropped', error: line, nextAttempt: now, finishedAt: now });
    log.warning(line);
  }

  /** Delivers once; null on success, else why not. */
  private async attempt(notifier: NotifierConfig, index: number, row: NotificationRow, run: RunRecord, config: Config): Promise<string | null> {
    const runDir = join(this.options.dataDir, 'runs', run.jobName, run.runId);
    let outputTail = '';
    try {
      outputTail = await readOutputTail(runDir);
    } catch (err) {
      this.options.log.child({ job: run.jobName, run: run.runId }).debug(`No output tail for the notification: ${errorMessage(err)}`);
    }
    const ctx: NotificationContext = { event: row.event, run, outputTail, url: this.options.runUrl?.(run) ?? null };
    const signal = this.abort.signal;
    if (notifier.kind === 'webhook') {
      const body = notifier.format === 'slack' ? slackBody(ctx) : jsonBody(ctx);
      const r = await postWebhook({ url: notifier.url, headers: notifier.headers, body, timeoutMs: notifier.timeout * 1000, signal });
      return r.error;
    }
    const job = config.jobs.get(run.jobName);
    const triggerEnv = run.triggerData['environment'];
    const env = buildRunEnvironment({
      dataDir: this.options.dataDir,
      jobName: run.jobName,
      runId: run.runId,
      scheduleTime: run.scheduleTime,
      startTime: run.startTime,
      triggerType: run.triggerType,
      concurrencyGroup: typeof run.runData['concurrency_group'] === 'string' ? run.runData['concurrency_group'] : null,
      jobGroup: job?.jobGroup ?? null,
      jenkinsEnvironment: job?.jenkinsEnvironment ?? false,
      globalEnvironment: config.environment,
      jobEnvironment: job?.environment ?? {},
      triggerEnvironment: typeof triggerEnv === 'object' && triggerEnv !== null && !Array.isArray(triggerEnv) ? (triggerEnv as Record<string, string>) : {},
      daemonPath: process.env['PATH'],
    });
    env['NOTIFY_EVENT'] = row.event;
    env['EXIT_CODE'] = String(run.exitCode ?? '');
    env['RUN_DIR'] = runDir;
    env['OUTPUT_TAIL'] = outputTail.replace(/\0/g, '');
    const r = await runNotifyCommand({
      argv: notifier.command,
      env,
      cwd: runDir,
      outputFile: join(runDir, `notify-${index + 1}.txt`),
      timeoutMs: notifier.timeout * 1000,
      signal,
    });
    return r.error;
  }
}
