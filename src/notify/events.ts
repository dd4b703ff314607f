/**
 * Which notification events a finished run produces (SPEC-BEYOND §12.6): a pure function of
 * the run, the outcome of the job's previous run sequence and whether a retry is pending.
 *
 * - A failure whose retry is pending produces nothing (its sequence has not ended), so a retry
 *   sequence produces one `failure` when its attempts are exhausted.
 * - `failure` on every failed sequence; `lost` and `timeout` beside it for those runs;
 *   `still_failing` when the previous sequence failed too (notifiers get it only if listed).
 * - `recovery` exactly on the first success after one or more failures; `success` on every success.
 * - `skipped` for a fire skipped by the overlap policy (it changes no outcome).
 *
 * A notifier gets at most one notification per run: the most specific of the run's events that
 * it lists, in the order of {@link EVENT_PRIORITY}.
 */
import type { NotifierConfig, NotifyEvent } from '../config/notify.js';
import type { JsonObject } from '../store/types.js';

/** Outcome of a job's last ended run sequence; null = no run yet. */
export type SequenceOutcome = 'success' | 'failure' | null;

export interface EventInput {
  readonly exitCode: number;
  readonly runData: JsonObject;
  /** The outcome of the job's previous sequence. */
  readonly previous: SequenceOutcome;
  /** A retry of this failed run is scheduled (§12.3). */
  readonly retryPending: boolean;
}

export interface EventDecision {
  /** Every event of the run, in {@link EVENT_PRIORITY} order. */
  readonly events: readonly NotifyEvent[];
  /** The job's sequence outcome after this run (unchanged for a pending retry or a skip). */
  readonly outcome: SequenceOutcome;
}

/** Most specific first: a notifier listing several of a run's events gets the first. */
export const EVENT_PRIORITY: readonly NotifyEvent[] = ['lost', 'timeout', 'still_failing', 'failure', 'recovery', 'success', 'skipped'];

/** The events of a finished (or skipped) run. */
export function decideEvents(input: EventInput): EventDecision {
  const status = input.runData['dsari_status'];
  if (status === 'skipped') return { events: ['skipped'], outcome: input.previous };
  const lost = status === 'lost';
  if (input.exitCode === 0 && !lost) {
    return { events: input.previous === 'failure' ? ['recovery', 'success'] : ['success'], outcome: 'success' };
  }
  if (input.retryPending) return { events: [], outcome: input.previous };
  const events = new Set<NotifyEvent>(['failure']);
  if (lost) events.add('lost');
  if (input.runData['dsari_timed_out'] === true) events.add('timeout');
  if (input.previous === 'failure') events.add('still_failing');
  return { events: EVENT_PRIORITY.filter((e) => events.has(e)), outcome: 'failure' };
}

/** The event a notifier is told about for a run with `events`, or null if it lists none. */
export function eventFor(notifier: Pick<NotifierConfig, 'on'>, events: readonly NotifyEvent[]): NotifyEvent | null {
  for (const e of EVENT_PRIORITY) if (events.includes(e) && notifier.on.includes(e)) return e;
  return null;
}
