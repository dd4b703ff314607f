/**
 * The daemon's side of systemd's notify protocol (sd_notify(3), SPEC-BEYOND §16): READY=1 once
 * the scheduler runs, RELOADING=1/READY=1 around a reload, STATUS= with the running and pending
 * counts, STOPPING=1 at shutdown, and WATCHDOG=1 at half of WATCHDOG_USEC. The watchdog pings
 * are sent by the scheduler loop itself (the daemon calls {@link Heartbeat.beat} on each pass
 * and sleeps no longer than {@link Heartbeat.dueInMs}), so a loop that is blocked or has stopped
 * turning sends none and systemd restarts the service.
 *
 * Nothing here may stop the daemon: a socket that is missing, refuses or is full is logged once
 * per kind of failure, and the daemon carries on.
 */
import type { DaemonEvents } from '../daemon/events.js';
import type { TypedEmitter } from '../daemon/events.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { NotifySendError, type NotifyTransport, openNotifySocket } from './notify-socket.js';

/** What the scheduler loop calls: the daemon's side of the watchdog. */
export interface Heartbeat {
  /** Called on every pass of the loop; pings when a ping is due. */
  beat(): void;
  /** Milliseconds until the next ping is due (the loop must wake by then). */
  dueInMs(): number;
}

/** The environment variables systemd sets for a service. */
export interface SystemdEnvironment {
  readonly NOTIFY_SOCKET?: string | undefined;
  readonly WATCHDOG_USEC?: string | undefined;
  readonly WATCHDOG_PID?: string | undefined;
}

/** The shortest ping interval honoured: a tinier WATCHDOG_USEC would make the loop spin. */
export const MIN_WATCHDOG_INTERVAL_MS = 10;

/**
 * The watchdog ping interval (half of WATCHDOG_USEC, in ms), null when systemd asks for no
 * pings from this process, or the problem with the value.
 */
export function watchdogInterval(env: SystemdEnvironment, pid: number): number | null | { problem: string } {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || usec === '') return null;
  // WATCHDOG_PID names the process the watchdog is for; it is not this one (sd_watchdog_enabled).
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && env.WATCHDOG_PID !== String(pid)) return null;
  if (!/^\d+$/.test(usec)) return { problem: `WATCHDOG_USEC=${usec} is not a whole number of microseconds; no watchdog pings are sent` };
  const value = Number(usec);
  if (value === 0) return { problem: 'WATCHDOG_USEC=0 means no watchdog; no watchdog pings are sent' };
  return Math.max(MIN_WATCHDOG_INTERVAL_MS, value / 2000);
}

/** The daemon as the notifier sees it. */
export interface NotifiedDaemon {
  readonly events: TypedEmitter<DaemonEvents>;
  readonly counts: { pending: number; running: number };
}

/** Sends the protocol's messages over a transport; see the module comment. */
export class SystemdNotifier {
  /** The watchdog, when systemd asked for one. */
  readonly heartbeat: Heartbeat | undefined;
  private lastPing = Number.NEGATIVE_INFINITY;
  /** The errno of the last failed send (each kind is logged once), null after a success. */
  private failing: string | null = null;
  private statusQueued = false;
  private stopping = false;
  /** RELOADING=1 was sent and READY=1 not yet. */
  private reloadPending = false;

  constructor(
    private readonly transport: NotifyTransport,
    private readonly log: Logger,
    private readonly clock: { monotonicMs(): number },
    watchdogEveryMs: number | null,
  ) {
    if (watchdogEveryMs !== null) {
      const every = watchdogEveryMs;
      this.heartbeat = {
        beat: () => {
          const now = this.clock.monotonicMs();
          // A timer may fire a fraction of a millisecond before performance.now() says it is due.
          if (now - this.lastPing < every - 1) return;
          this.lastPing = now;
          this.send('WATCHDOG=1');
        },
        dueInMs: () => Math.max(0, this.lastPing + every - this.clock.monotonicMs()),
      };
    }
  }

  /** Sends one message; failures are logged (once per kind) and never thrown. */
  send(message: string): void {
    try {
      this.transport.send(message);
      if (this.failing !== null) this.log.info(`systemd: NOTIFY_SOCKET ${this.transport.address} takes messages again`);
      this.failing = null;
    } catch (err) {
      const kind = err instanceof NotifySendError ? err.errno : 'other';
      if (kind !== this.failing) this.log.warning(`systemd: ${errorMessage(err)}; the daemon keeps running`);
      this.failing = kind;
    }
  }

  /** Follows the daemon's events: ready, runs starting and ending, shutdown. */
  attach(daemon: NotifiedDaemon): void {
    const statusLine = (): string => {
      const { running, pending } = daemon.counts;
      return this.stopping ? `Shutting down: ${running} run(s) still running` : `Scheduler running: ${running} running, ${pending} pending`;
    };
    const queueStatus = (): void => {
      // A burst of runs is one STATUS= message, not one per start and end.
      if (this.statusQueued) return;
      this.statusQueued = true;
      setImmediate(() => {
        this.statusQueued = false;
        this.send(`STATUS=${statusLine()}`);
      });
    };
    daemon.events.on('ready', () => this.send(`READY=1\nSTATUS=${statusLine()}`));
    daemon.events.on('runStarted', queueStatus);
    daemon.events.on('runFinished', queueStatus);
    daemon.events.on('triggerAccepted', queueStatus);
    daemon.events.on('reloaded', () => this.readyAgain(`STATUS=${statusLine()}`));
    daemon.events.on('reloadFailed', ({ error }) => this.readyAgain(`STATUS=Reload failed, still running the previous configuration: ${firstLine(error)}`));
    daemon.events.on('shutdownStarted', () => {
      this.stopping = true;
      this.send(`STOPPING=1\nSTATUS=${statusLine()}`);
    });
    daemon.events.on('stopped', () => this.send('STATUS=Shutdown complete'));
  }

  /** Before a reload: RELOADING=1 with the monotonic time systemd's Type=notify-reload asks for. */
  reloading(): void {
    if (this.stopping) return;
    const usec = process.hrtime.bigint() / 1000n;
    this.reloadPending = true;
    this.send(`RELOADING=1\nMONOTONIC_USEC=${usec}\nSTATUS=Reloading the configuration`);
  }

  /**
   * After the reload: READY=1 if the daemon's events did not already say it (a reload skipped
   * because shutdown began), so systemd never waits in "reloading".
   */
  reloadEnded(): void {
    if (this.reloadPending) this.readyAgain('STATUS=Reload skipped');
  }

  private readyAgain(status: string): void {
    this.reloadPending = false;
    this.send(`READY=1\n${status}`);
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/**
 * A notifier for this process when NOTIFY_SOCKET is set, else null. Problems (no addon, a
 * malformed address, a bad WATCHDOG_USEC) are logged in one line each and never stop the daemon.
 */
export function systemdNotifier(options: { env: SystemdEnvironment; log: Logger; clock: { monotonicMs(): number }; pid?: number }): SystemdNotifier | null {
  const { env, log } = options;
  const address = env.NOTIFY_SOCKET;
  if (address === undefined || address === '') return null;
  const transport = openNotifySocket(address);
  if ('problem' in transport) {
    log.warning(`systemd: ${transport.problem}; not notifying systemd (a Type=notify unit will time out: use Type=simple)`);
    return null;
  }
  const interval = watchdogInterval(env, options.pid ?? process.pid);
  if (interval !== null && typeof interval === 'object') log.warning(`systemd: ${interval.problem}`);
  const every = typeof interval === 'number' ? interval : null;
  log.info(`systemd: notifying ${address}${every === null ? '' : `; watchdog pings every ${formatMs(every)}`}`);
  return new SystemdNotifier(transport, log, options.clock, every);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${Math.round(ms)}ms`;
}
