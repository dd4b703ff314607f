/**
 * Keeps the core's pauses in step with the store's pause table (SPEC-BEYOND §12.4): read at
 * start, after a pause or resume made through the daemon, and every `pollMs` for those made by
 * another process (`dsari pause`, another cluster node). Each change is logged and emitted once.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { PAUSE_ALL, type PauseRecord, type RunStore } from '../store/types.js';
import type { SchedulerCore } from './core.js';
import type { DaemonEvents, TypedEmitter } from './events.js';

export interface PauseSyncOptions {
  readonly store: RunStore;
  readonly core: SchedulerCore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: TypedEmitter<DaemonEvents>;
  readonly pollMs: number;
  /** Called after the pauses changed (the daemon looks at its runs again). */
  onChange(): void;
}

export class PauseSync {
  private timer: TimerHandle | null = null;
  /** The paused names last seen, as sorted JSON. */
  private key = '[]';
  private stopped = false;

  constructor(private readonly options: PauseSyncOptions) {}

  /** Reads the pause table and tells the core; logs what changed. A failed read changes nothing. */
  async read(): Promise<void> {
    const { log, events } = this.options;
    let pauses: PauseRecord[];
    try {
      pauses = await this.options.store.listPauses();
    } catch (err) {
      log.debug(`Cannot read the pause table: ${errorMessage(err)}`);
      return;
    }
    const key = JSON.stringify(pauses.map((p) => p.jobName).sort());
    if (key === this.key) return;
    const before = new Set<string>(JSON.parse(this.key) as string[]);
    this.key = key;
    this.options.core.setPauses(pauses);
    const now = new Set(pauses.map((p) => p.jobName));
    for (const p of pauses) {
      if (before.has(p.jobName)) continue;
      const what = p.jobName === PAUSE_ALL ? 'Scheduler paused (every job)' : 'Job paused';
      log.child(p.jobName === PAUSE_ALL ? {} : { job: p.jobName }).info(`${what} by ${p.pausedBy}${p.reason ? `: ${p.reason}` : ''}`);
      events.emit('paused', { jobName: p.jobName, by: p.pausedBy, reason: p.reason });
    }
    for (const name of before) {
      if (now.has(name)) continue;
      log.child(name === PAUSE_ALL ? {} : { job: name }).info(name === PAUSE_ALL ? 'Scheduler resumed' : 'Job resumed');
      events.emit('resumed', { jobName: name });
    }
    this.options.onChange();
  }

  /** Reads the table every `pollMs` until {@link stop}. */
  start(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(() => {
      this.timer = null;
      void this.read().finally(() => this.start());
    }, this.options.pollMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.clearTimer(this.timer);
    this.timer = null;
  }
}
