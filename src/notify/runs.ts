/**
 * From a finished run to its outbox rows (SPEC-BEYOND §12.6): the job's notifiers, the events of
 * the run ({@link decideEvents}) and the outcome of the job's previous run sequence, which is
 * kept in memory and, after a start, read once from the job's last recorded run.
 */
import { jobNotifiers } from '../config/notify.js';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { FinishedRun, OutboxEntry, RunStore } from '../store/types.js';
import { decideEvents, eventFor, type SequenceOutcome } from './events.js';
import { notifierKey, notifierLabel } from './identity.js';

/** The outcome a recorded run stands for. */
export function outcomeOf(run: Pick<FinishedRun, 'exitCode' | 'runData'>): SequenceOutcome {
  return run.exitCode === 0 && run.runData['dsari_status'] !== 'lost' ? 'success' : 'failure';
}

export class RunNotifications {
  private readonly outcomes = new Map<string, SequenceOutcome>();

  constructor(
    private readonly store: RunStore,
    private readonly log: Logger,
  ) {}

  /**
   * The notifications of a run about to be recorded (call it before the record is written).
   * `retryPending`: a retry of this failed run is scheduled (§12.3).
   */
  async entriesFor(config: Config, run: FinishedRun, retryPending = false): Promise<OutboxEntry[]> {
    const job = config.jobs.get(run.jobName);
    const notifiers = job === undefined ? [] : jobNotifiers(config, job);
    if (notifiers.length === 0) {
      // Nothing to tell; a reload adding notifiers reads the outcome from the store again.
      this.outcomes.delete(run.jobName);
      return [];
    }
    const previous = this.outcomes.has(run.jobName) ? (this.outcomes.get(run.jobName) ?? null) : await this.recordedOutcome(run.jobName);
    const decision = decideEvents({ exitCode: run.exitCode, runData: run.runData, previous, retryPending });
    this.outcomes.set(run.jobName, decision.outcome);
    const out: OutboxEntry[] = [];
    for (const [index, notifier] of notifiers.entries()) {
      const event = eventFor(notifier, decision.events);
      if (event === null) continue;
      out.push({ jobName: run.jobName, runId: run.runId, event, notifier: notifierKey(notifier, index), label: notifierLabel(notifier, index), createdAt: run.stopTime });
    }
    return out;
  }

  private async recordedOutcome(jobName: string): Promise<SequenceOutcome> {
    try {
      const last = (await this.store.previousRuns(jobName)).last;
      return last === null ? null : outcomeOf(last);
    } catch (err) {
      this.log.child({ job: jobName }).warning(`Cannot read the previous run for notifications (${errorMessage(err)}); treating it as unknown`);
      return null;
    }
  }
}
