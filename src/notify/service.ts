/**
 * Notifications as the daemon uses them: the outbox rows of a finished run, and the background
 * deliverer. A store without plain SQL (a test double) gets no notifications.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { FinishedRun, OutboxEntry, RunRecord, RunStore } from '../store/types.js';
import { insertNotificationSql, notificationParams } from '../store/notifications-table.js';
import { NotificationDeliverer } from './deliverer.js';
import { RunNotifications } from './runs.js';

export interface NotifyServiceOptions {
  readonly store: RunStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly dataDir: string;
  config(): Config;
  /** The run's page in the web console (`http.public_url`), for the webhook body's `url`. */
  runUrl?(run: RunRecord): string | null;
}

export class NotifyService {
  private readonly runs: RunNotifications;
  private deliverer: NotificationDeliverer | null = null;
  private stopped = false;

  constructor(private readonly options: NotifyServiceOptions) {
    this.runs = new RunNotifications(options.store, options.log);
  }

  /** The outbox rows to write with this finished run's record. */
  async entriesFor(run: FinishedRun, retryPending = false): Promise<OutboxEntry[]> {
    if (this.options.store.sqlRunner === undefined) return [];
    return this.runs.entriesFor(this.options.config(), run, retryPending);
  }

  /**
   * Notifications of a scheduled fire that was skipped (overlap: skip, a pause), for the jobs whose
   * notifiers list `skipped`. Nothing is recorded in `runs` for a skipped fire, so they are written
   * to the outbox on their own; the fire's would-be run id names them.
   */
  async skipped(fire: { jobName: string; runId: string; scheduleTime: number; reason: string }): Promise<number> {
    const { store } = this.options;
    if (store.sqlRunner === undefined) return 0;
    const now = this.options.clock.now();
    const run: FinishedRun = {
      jobName: fire.jobName,
      runId: fire.runId,
      scheduleTime: fire.scheduleTime,
      startTime: now,
      stopTime: now,
      exitCode: 0,
      triggerType: 'schedule',
      triggerData: {},
      runData: { dsari_status: 'skipped', dsari_reason: fire.reason },
    };
    const entries = (await this.runs.entriesFor(this.options.config(), run, false)).filter((e) => e.event === 'skipped');
    if (entries.length === 0) return 0;
    const sql = store.sqlRunner();
    await sql.batch(entries.map((e) => ({ sql: insertNotificationSql(sql.kind), params: notificationParams(e) })));
    this.poke();
    return entries.length;
  }

  /** Starts the deliverer (after the store is open). */
  start(): void {
    const { store } = this.options;
    // a shutdown during start-up came first: nothing to start
    if (store.sqlRunner === undefined || this.stopped) return;
    this.deliverer = new NotificationDeliverer({ ...this.options, sql: store.sqlRunner() });
    this.deliverer.start();
  }

  /** A run with notifications was recorded. */
  poke(): void {
    this.deliverer?.poke();
  }

  /** Stops delivering (before the store is closed). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.deliverer?.stop();
  }
}
