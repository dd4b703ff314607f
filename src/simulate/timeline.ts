/**
 * Compact storage for what a simulation saw: one row per run and one per event, in typed
 * arrays that double as they fill. A week of a thousand jobs is hundreds of thousands of runs
 * and millions of events; as objects they would take gigabytes, as columns tens of megabytes.
 */

type Typed = Float64Array | Int32Array | Uint32Array | Uint8Array;
type TypedCtor<T extends Typed> = { new (length: number): T };

/** A growable column of numbers. */
export class Column<T extends Typed> {
  private data: T;
  length = 0;

  constructor(private readonly ctor: TypedCtor<T>, initial = 1024) {
    this.data = new ctor(initial);
  }

  push(value: number): number {
    if (this.length === this.data.length) {
      const bigger = new this.ctor(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length] = value;
    return this.length++;
  }

  get(i: number): number {
    return this.data[i] as number;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }
}

/** What happened, in the order it happened. */
export const EventKind = {
  /** A run's schedule time came: it is due. */
  fire: 0,
  /** A due run waits for its job's previous run to end. */
  waitPrevious: 1,
  /** A due run waits for a slot in its concurrency group(s). */
  waitGroup: 2,
  /** A due run waits for something else the scheduler decided (not its job, not a full group). */
  waitOther: 3,
  start: 4,
  end: 5,
  /** Fire times of a job that passed without a run of their own (the `skips` row says which). */
  skip: 6,
  /** A due run waits because its job (or the scheduler) is paused. */
  waitPaused: 7,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** How a run came to be (the core's trigger types, and catch-up runs apart). */
export const TRIGGERS = ['schedule', 'catchup', 'retry', 'after', 'upstream', 'file'] as const;
export type RunTrigger = (typeof TRIGGERS)[number];

/** How a run ended, in `runFailed`. */
export const RunEnd = { ok: 0, failed: 1, timedOut: 2, replaced: 3 } as const;

/** Why fire times were skipped, in `skipReason`. */
export const SKIP_REASONS = ['late', 'running', 'paused'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Runs (by run index), events (in time order) and skipped fires of one simulation. */
export class Timeline {
  readonly runJob = new Column(Int32Array);
  readonly runSchedule = new Column(Float64Array);
  /** NaN until the run starts. */
  readonly runStart = new Column(Float64Array);
  /** NaN until the run ends. */
  readonly runEnd = new Column(Float64Array);
  /** Index of the concurrency group whose slot it held, -1 for none. */
  readonly runGroup = new Column(Int32Array);
  /** How it ended: a {@link RunEnd} value (failed: drawn from the job's failure rate). */
  readonly runFailed = new Column(Uint8Array);
  /** Index in {@link TRIGGERS}. */
  readonly runTrigger = new Column(Uint8Array);
  /** When the run began to wait for a group slot, NaN if it never did. */
  readonly runGroupWait = new Column(Float64Array);

  readonly eventKind = new Column(Uint8Array);
  readonly eventTime = new Column(Float64Array);
  /** The run index, or for `skip` the row of the skips table. */
  readonly eventRef = new Column(Uint32Array);

  readonly skipJob = new Column(Int32Array);
  readonly skipCount = new Column(Uint32Array);
  readonly skipFirst = new Column(Float64Array);
  readonly skipLast = new Column(Float64Array);
  /** Index in {@link SKIP_REASONS}. */
  readonly skipReason = new Column(Uint8Array);

  get runCount(): number {
    return this.runJob.length;
  }

  get eventCount(): number {
    return this.eventKind.length;
  }

  /** Adds a pending run; returns its index. */
  addRun(job: number, scheduleTime: number): number {
    this.runSchedule.push(scheduleTime);
    this.runStart.push(NaN);
    this.runEnd.push(NaN);
    this.runGroup.push(-1);
    this.runFailed.push(0);
    this.runGroupWait.push(NaN);
    this.runTrigger.push(0);
    return this.runJob.push(job);
  }

  addEvent(kind: EventKind, time: number, ref: number): void {
    this.eventKind.push(kind);
    this.eventTime.push(time);
    this.eventRef.push(ref);
  }

  /** Adds a row of skipped fires; returns its index. */
  addSkip(job: number, count: number, first: number, last: number, reason: SkipReason): number {
    this.skipReason.push(SKIP_REASONS.indexOf(reason));
    this.skipCount.push(count);
    this.skipFirst.push(first);
    this.skipLast.push(last);
    return this.skipJob.push(job);
  }
}

/** A binary min-heap of indexes ordered by a key column, ties by index (creation order). */
export class IndexHeap {
  private readonly heap: number[] = [];

  constructor(private readonly key: (i: number) => number) {}

  get size(): number {
    return this.heap.length;
  }

  peek(): number | undefined {
    return this.heap[0];
  }

  push(i: number): void {
    const h = this.heap;
    h.push(i);
    let c = h.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.less(h[c] as number, h[p] as number)) break;
      [h[c], h[p]] = [h[p] as number, h[c] as number];
      c = p;
    }
  }

  pop(): number | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < h.length && this.less(h[l] as number, h[m] as number)) m = l;
        if (r < h.length && this.less(h[r] as number, h[m] as number)) m = r;
        if (m === p) break;
        [h[m], h[p]] = [h[p] as number, h[m] as number];
        p = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ka = this.key(a);
    const kb = this.key(b);
    return ka < kb || (ka === kb && a < b);
  }
}
