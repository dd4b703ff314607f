/** An in-memory RunStore for the daemon's unit tests, with switchable failures. */
import type {
  FinishedRun,
  JobSummary,
  PauseRecord,
  PreviousRuns,
  RunningRun,
  RunQuery,
  RunRecord,
  RunStore,
  JsonObject,
  StoredPendingRun,
} from '../../src/store/types.js';
import { StoreError } from '../../src/errors.js';

export class MemoryStore implements RunStore {
  readonly kind = 'memory';
  readonly running = new Map<string, RunningRun>();
  readonly finished = new Map<string, FinishedRun>();
  readonly pauses = new Map<string, PauseRecord>();
  readonly pending = new Map<string, StoredPendingRun>();
  /** While set, writes throw this message (a locked database). */
  failWrites: string | null = null;
  closed = false;

  async open(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.failWrites !== null) throw new StoreError(this.failWrites);
  }

  async insertRunning(run: RunningRun, consumesPending?: string): Promise<void> {
    this.check();
    this.running.set(run.runId, run);
    if (consumesPending !== undefined) this.pending.delete(consumesPending);
  }
  async updateRunningData(runId: string, runData: JsonObject): Promise<void> {
    this.check();
    const r = this.running.get(runId);
    if (r) this.running.set(runId, { ...r, runData });
  }
  async finishRun(run: FinishedRun, addPending?: readonly StoredPendingRun[]): Promise<void> {
    this.check();
    this.finished.set(run.runId, run);
    this.running.delete(run.runId);
    this.pending.delete(run.runId);
    this.putPending(addPending ?? []);
  }
  private putPending(runs: readonly StoredPendingRun[]): void {
    for (const p of runs) {
      if (!this.pending.has(p.runId) && !this.running.has(p.runId) && !this.finished.has(p.runId)) this.pending.set(p.runId, p);
    }
  }
  async listPauses(): Promise<PauseRecord[]> {
    return [...this.pauses.values()].sort((a, b) => (a.jobName < b.jobName ? -1 : 1));
  }
  async addPause(pause: PauseRecord): Promise<boolean> {
    this.check();
    if (this.pauses.has(pause.jobName)) return false;
    this.pauses.set(pause.jobName, pause);
    return true;
  }
  async removePause(jobName: string): Promise<boolean> {
    this.check();
    return this.pauses.delete(jobName);
  }
  async listPending(): Promise<StoredPendingRun[]> {
    return [...this.pending.values()].sort((a, b) => a.scheduleTime - b.scheduleTime || (a.runId < b.runId ? -1 : 1));
  }
  async addPending(runs: readonly StoredPendingRun[]): Promise<void> {
    this.check();
    this.putPending(runs);
  }
  async removePending(runIds: readonly string[]): Promise<void> {
    this.check();
    for (const id of runIds) this.pending.delete(id);
  }
  async lastScheduledFires(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const r of [...this.finished.values(), ...this.running.values()]) {
      if (r.triggerType !== 'schedule') continue;
      const seen = out.get(r.jobName);
      if (seen === undefined || r.scheduleTime > seen) out.set(r.jobName, r.scheduleTime);
    }
    return out;
  }
  async listRunning(): Promise<RunningRun[]> {
    return [...this.running.values()];
  }
  async getRun(runId: string): Promise<RunRecord | null> {
    const f = this.finished.get(runId);
    if (f) return { ...f, running: false };
    const r = this.running.get(runId);
    return r ? { ...r, stopTime: null, exitCode: null, running: true } : null;
  }
  async listRuns(_query?: RunQuery): Promise<RunRecord[]> {
    return [...this.finished.values()].map((f) => ({ ...f, running: false }));
  }
  async previousRuns(jobName: string): Promise<PreviousRuns> {
    const runs = [...this.finished.values()].filter((r) => r.jobName === jobName).sort((a, b) => b.stopTime - a.stopTime);
    return { last: runs[0] ?? null, lastGood: runs.find((r) => r.exitCode === 0) ?? null, lastBad: runs.find((r) => r.exitCode !== 0) ?? null };
  }
  async jobSummaries(): Promise<JobSummary[]> {
    return [];
  }
  async durations(): Promise<number[]> {
    return [];
  }
  async latencies(): Promise<number[]> {
    return [];
  }
  async *iterateFinished(): AsyncIterable<FinishedRun[]> {
    yield [...this.finished.values()];
  }
}
