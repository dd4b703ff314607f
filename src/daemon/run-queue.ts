/**
 * A priority queue of pending runs ordered by schedule time (then by arrival), with removal by
 * run id. A binary heap with lazy deletion: removing marks the entry and the heap drops it when
 * it reaches the top, so 10,000 pending runs cost O(log n) per operation.
 */
import type { PendingRun } from './types.js';

/** Orders runs by schedule time, then by the order they were created in. */
export function compareRuns(a: PendingRun, b: PendingRun): number {
  return a.scheduleTime - b.scheduleTime || a.seq - b.seq;
}

export class RunQueue {
  private heap: PendingRun[] = [];
  private readonly live = new Map<string, PendingRun>();

  get size(): number {
    return this.live.size;
  }

  has(runId: string): boolean {
    return this.live.has(runId);
  }

  get(runId: string): PendingRun | undefined {
    return this.live.get(runId);
  }

  /** Every queued run, in no particular order. */
  values(): IterableIterator<PendingRun> {
    return this.live.values();
  }

  push(run: PendingRun): void {
    if (this.live.has(run.runId)) throw new Error(`run ${run.runId} is already queued`);
    this.live.set(run.runId, run);
    this.heap.push(run);
    this.up(this.heap.length - 1);
  }

  /** Removes a run; returns it, or undefined when it was not queued. */
  remove(runId: string): PendingRun | undefined {
    const run = this.live.get(runId);
    if (run === undefined) return undefined;
    this.live.delete(runId);
    // The heap entry stays until it surfaces; compact when dead entries dominate.
    if (this.heap.length > 64 && this.heap.length > 2 * this.live.size) this.rebuild();
    return run;
  }

  /** The earliest run, without removing it. */
  peek(): PendingRun | undefined {
    this.dropDead();
    return this.heap[0];
  }

  /** Removes and returns the earliest run. */
  pop(): PendingRun | undefined {
    this.dropDead();
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.removeTop();
    this.live.delete(top.runId);
    return top;
  }

  clear(): PendingRun[] {
    const all = [...this.live.values()];
    this.heap = [];
    this.live.clear();
    return all;
  }

  private dropDead(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || this.live.get(top.runId) === top) return;
      this.removeTop();
    }
  }

  private removeTop(): void {
    const last = this.heap.pop();
    if (last !== undefined && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private rebuild(): void {
    this.heap = [...this.live.values()].sort(compareRuns);
  }

  private up(i: number): void {
    const h = this.heap;
    const item = h[i] as PendingRun;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as PendingRun;
      if (compareRuns(item, p) >= 0) break;
      h[i] = p;
      i = parent;
    }
    h[i] = item;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const item = h[i] as PendingRun;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && compareRuns(h[r] as PendingRun, h[l] as PendingRun) < 0 ? r : l;
      if (compareRuns(h[child] as PendingRun, item) >= 0) break;
      h[i] = h[child] as PendingRun;
      i = child;
    }
    h[i] = item;
  }
}
