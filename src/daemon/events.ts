/**
 * What the daemon tells observers (tests, a future cluster layer, a simulator): a typed event
 * map, so nobody has to reach into the scheduler to see what it did.
 */
import type { EpochSeconds } from '../clock.js';

export interface DaemonEvents {
  /** Configuration loaded, store open, pending runs computed ("Scheduler running"). */
  ready: { pending: number; running: number };
  runStarted: {
    jobName: string;
    runId: string;
    pid: number | null;
    scheduleTime: EpochSeconds;
    startTime: EpochSeconds;
    triggerType: string;
    concurrencyGroup: string | null;
  };
  /** A run ended (or could not start); `recorded` follows once it is in the store. */
  runFinished: {
    jobName: string;
    runId: string;
    exitCode: number;
    startTime: EpochSeconds;
    stopTime: EpochSeconds;
    /** "finished", "failed-to-start", "lost" (status unknown), "recovered" (status read after a crash). */
    outcome: 'finished' | 'failed-to-start' | 'lost' | 'recovered';
  };
  recorded: { jobName: string; runId: string };
  /** A run left by a previous daemon is being watched. */
  runAdopted: { jobName: string; runId: string; pid: number };
  triggerAccepted: { jobName: string; runId: string; scheduleTime: EpochSeconds; replaced: string[] };
  triggerRejected: { jobName: string; file: string; reason: string; movedTo: string | null };
  reloaded: { jobs: number };
  reloadFailed: { error: string };
  shutdownStarted: { signal: string | null; running: number };
  /** A scheduled fire dropped: `overlap: skip` while the job ran, or the job is paused. */
  fireSkipped: { jobName: string; scheduleTime: EpochSeconds; reason: 'running' | 'paused' };
  /** A catch-up run was created for a fire missed while no daemon ran. */
  catchUp: { jobName: string; runId: string; scheduleTime: EpochSeconds };
  retryScheduled: { jobName: string; runId: string; retryOf: string; attempt: number; scheduleTime: EpochSeconds };
  paused: { jobName: string; by: string; reason: string | null };
  resumed: { jobName: string };
  runCancelled: { jobName: string; runId: string; pending: boolean };
  stopped: Record<string, never>;
}

type Listener<T> = (payload: T) => void;

/** A minimal typed emitter; a throwing listener is reported, never breaks the daemon. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Resolves with the next payload of `event` that satisfies `predicate`. */
  next<K extends keyof Events>(event: K, predicate: (p: Events[K]) => boolean = () => true): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (p) => {
        if (!predicate(p)) return;
        off();
        resolve(p);
      });
    });
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
