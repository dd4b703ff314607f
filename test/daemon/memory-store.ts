/** An in-memory RunStore for the daemon's unit tests, with switchable failures. */
import type { FinishedRun, JobSummary, PreviousRuns, RunningRun, RunQuery, RunRecord, RunStore, JsonObject } from '../../src/store/types.js';
import { StoreError } from '../../src/errors.js';

export class MemoryStore implements RunStore {
  readonly kind = 'memory';
  readonly running = new Map<string, RunningRun>();
  readonly finished = new Map<string, FinishedRun>();
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

  async insertRunning(run: RunningRun): Promise<void> {
    this.check();
    this.running.set(run.runId, run);
  }
  async updateRunningData(runId: string, runData: JsonObject): Promise<void> {
    this.check();
    const r = this.running.get(runId);
    if (r) this.running.set(runId, { ...r, runData });
  }
  async finishRun(run: FinishedRun): Promise<void> {
    this.check();
    this.finished.set(run.runId, run);
    this.running.delete(run.runId);
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
