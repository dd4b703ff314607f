/**
 * Ending a run's processes: SIGTERM, then SIGKILL after a grace, to the run's whole process
 * group and to processes of the run that left the group (found by their RUN_ID, see proc.ts).
 *
 * The group leader is the exit-status wrapper (status.ts). SIGKILL therefore goes first to every
 * other process of the run, so that the wrapper sees its command die and records the status;
 * once the wrapper has exited (or if it has not within {@link LEADER_KILL_DELAY_MS}) the whole
 * group gets SIGKILL, which also catches anything forked while we were looking.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { processGroupMembers, processesWithRunId } from './proc.js';
import type { RunEvent } from './types.js';

/** How long the wrapper may take to record the status after its command was SIGKILLed. */
export const LEADER_KILL_DELAY_MS = 2000;

export interface TerminatorOptions {
  /** The run's process: group leader, so also the process group id. */
  readonly pid: number;
  /** RUN_ID, to find processes that left the group; null = group only. */
  readonly runId: string | null;
  readonly clock: Clock;
  readonly onEvent?: ((event: RunEvent) => void) | undefined;
}

export type KillReason = 'terminate' | 'max-execution';

/** Sends a signal; false if there was nobody to receive it (or we may not signal them). */
function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    // ESRCH: already gone. EPERM: not ours (a reused PID of another user) — leave it alone.
    // Either way there is nothing more to do, and a timer callback must never throw.
    void err;
    return false;
  }
}

/** Sends the signals of one run; one per run, shared by a started and an adopted run. */
export class RunTerminator {
  termSent = false;
  killSent = false;
  private leaderDone = false;
  private killTimer: TimerHandle | null = null;
  private killAtMs = Infinity;
  private killReason: KillReason = 'terminate';
  private killGrace = 0;
  private fallbackTimer: TimerHandle | null = null;

  constructor(private readonly options: TerminatorOptions) {}

  /**
   * SIGTERM to every process of the run (once), and SIGKILL `graceSeconds` later (null = never).
   * A second call may only bring the SIGKILL nearer.
   */
  terminate(graceSeconds: number | null, reason: KillReason): void {
    if (!this.termSent) {
      this.termSent = true;
      this.signalRun('SIGTERM');
      // A stopped process would hold SIGTERM pending forever; let it run to handle it (as systemd does).
      this.signalRun('SIGCONT');
    }
    if (graceSeconds === null || this.killSent) return;
    const grace = Math.max(0, graceSeconds);
    const at = this.options.clock.monotonicMs() + grace * 1000;
    if (at >= this.killAtMs) return;
    if (this.killTimer) this.options.clock.clearTimer(this.killTimer);
    this.killAtMs = at;
    this.killReason = reason;
    this.killGrace = grace;
    this.killTimer = this.options.clock.setTimer(() => {
      this.killTimer = null;
      this.kill(this.killReason, this.killGrace);
    }, grace * 1000);
  }

  /** SIGKILL every process of the run now. */
  kill(reason: KillReason = 'terminate', grace = 0): void {
    if (this.killTimer) {
      this.options.clock.clearTimer(this.killTimer);
      this.killTimer = null;
    }
    const first = !this.killSent;
    this.killSent = true;
    const { pid } = this.options;
    if (this.leaderDone) {
      this.sweep();
      return;
    }
    if (first) {
      this.options.onEvent?.(
        reason === 'max-execution' ? { type: 'max-execution-kill', pid, grace } : { type: 'terminate-kill', pid, grace },
      );
    }
    for (const member of processGroupMembers(pid)) {
      if (member !== pid) send(member, 'SIGKILL');
    }
    this.signalEscaped('SIGKILL');
    if (!this.fallbackTimer) {
      this.fallbackTimer = this.options.clock.setTimer(() => {
        this.fallbackTimer = null;
        send(-pid, 'SIGKILL');
      }, LEADER_KILL_DELAY_MS);
    }
  }

  /** Tell the terminator that the run's process (the group leader) has ended. */
  leaderExited(): void {
    this.leaderDone = true;
    if (this.fallbackTimer) {
      this.options.clock.clearTimer(this.fallbackTimer);
      this.fallbackTimer = null;
    }
    if (this.killSent) this.sweep();
    // With a SIGKILL still pending, it stays armed for processes the run left behind.
    if (!this.killTimer) this.dispose();
  }

  /** Stop every timer (the run is finished and nothing of it is left to signal). */
  dispose(): void {
    for (const t of [this.killTimer, this.fallbackTimer]) if (t) this.options.clock.clearTimer(t);
    this.killTimer = null;
    this.fallbackTimer = null;
  }

  private sweep(): void {
    // The group id cannot be reused as a PID while any member lives; check there is one.
    if (processGroupMembers(this.options.pid).length > 0) send(-this.options.pid, 'SIGKILL');
    this.signalEscaped('SIGKILL');
  }

  private signalRun(signal: NodeJS.Signals): void {
    if (this.leaderDone) {
      if (processGroupMembers(this.options.pid).length > 0) send(-this.options.pid, signal);
    } else {
      send(-this.options.pid, signal);
    }
    this.signalEscaped(signal);
  }

  private signalEscaped(signal: NodeJS.Signals): void {
    if (this.options.runId === null) return;
    const escaped = processesWithRunId(this.options.runId).filter((p) => p.pgrp !== this.options.pid && p.pid !== this.options.pid);
    const hit = escaped.filter((p) => send(p.pid, signal)).map((p) => p.pid);
    if (hit.length > 0 && signal === 'SIGTERM') this.options.onEvent?.({ type: 'escaped', pids: hit });
  }
}
