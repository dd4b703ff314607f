/**
 * Time, injected. All domain times are UTC epoch seconds as floating-point numbers (the unit the
 * original stores in SQLite). Durations for timers are milliseconds.
 */

/** UTC epoch seconds with fraction. */
export type EpochSeconds = number;

export interface Clock {
  /** Wall-clock time, epoch seconds. */
  now(): EpochSeconds;
  /** Monotonic time in milliseconds (for timeouts that must not move with the wall clock). */
  monotonicMs(): number;
  /** Call `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimer}. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/**
 * Node's timers overflow above 2^31-1 ms (about 24.8 days) and then fire at once; long waits are
 * chained in steps of at most this.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** The real clock. */
export class SystemClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): EpochSeconds {
    return Date.now() / 1000;
  }

  monotonicMs(): number {
    return performance.now();
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const arm = (remaining: number): void => {
      const step = Math.min(Math.max(0, remaining), MAX_TIMER_MS);
      const t = setTimeout(() => {
        if (remaining > MAX_TIMER_MS) {
          arm(remaining - MAX_TIMER_MS);
        } else {
          this.timers.delete(id);
          fn();
        }
      }, step);
      t.unref?.();
      this.timers.set(id, t);
    };
    arm(ms);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(handle.id);
  }
}
