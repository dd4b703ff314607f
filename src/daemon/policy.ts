/**
 * The pure parts of the run policies (SPEC-BEYOND §12): which fires were missed, whether and
 * when a failed run is retried, and what a retry or a dependency run carries. No clock, no I/O:
 * the core calls these with the times it is given.
 */
import type { EpochSeconds } from '../clock.js';
import type { JobConfig, RetryPolicy } from '../config/types.js';
import { jobPolicies, MAX_CATCHUP_RUNS } from '../config/policies.js';
import type { JsonObject } from '../store/types.js';
import type { RunResult } from './types.js';

/** Fire times looked at when finding missed fires, at most (a per-second job over a day is 86,400). */
export const MAX_CATCHUP_SCAN = 200_000;

export interface MissedFires {
  /** The fires to run, oldest first. */
  readonly fires: EpochSeconds[];
  /** Missed fires not run (beyond {@link MAX_CATCHUP_RUNS}, or all but the latest for `latest`). */
  readonly dropped: number;
}

/**
 * The fires of `job` missed while no daemon ran: after its last scheduled fire `last`, within
 * `catchup_window` seconds before `now`, up to and including `now`. With no scheduled fire on
 * record nothing is missed (a new job does not backfill).
 */
export function missedFires(job: JobConfig, last: EpochSeconds | undefined, now: EpochSeconds, nextFireTime: (job: JobConfig, after: EpochSeconds) => EpochSeconds | null): MissedFires {
  const p = jobPolicies(job);
  if (p.catchup === 'none' || last === undefined || job.schedule === null) return { fires: [], dropped: 0 };
  let t: EpochSeconds = Math.max(last, now - p.catchupWindow);
  const found: EpochSeconds[] = [];
  let total = 0;
  for (let i = 0; i < MAX_CATCHUP_SCAN; i++) {
    const next = nextFireTime(job, t);
    if (next === null || next > now) break;
    total++;
    found.push(next);
    // Only the newest ones are kept: the list never grows past what could be run.
    if (found.length > MAX_CATCHUP_RUNS) found.shift();
    t = next;
  }
  if (p.catchup === 'latest') return { fires: found.slice(-1), dropped: Math.max(0, total - 1) };
  return { fires: found, dropped: total - found.length };
}

/** Whether a run that ended so is retried by `policy` (before counting attempts). */
export function retryable(policy: RetryPolicy, result: RunResult): boolean {
  if (result.endedBy !== null) return false;
  if (result.lost) return policy.onLost;
  if (result.timedOut) return policy.onTimeout;
  if (result.exitCode === 0) return false;
  return policy.onExitCodes === null || policy.onExitCodes.includes(result.exitCode);
}

/** A run's place in its retry sequence, from its trigger data (0: a first attempt). */
export function retryAttemptOf(triggerType: string, triggerData: JsonObject): { attempt: number; retryOf: string | null } {
  if (triggerType !== 'retry') return { attempt: 0, retryOf: null };
  const attempt = triggerData['attempt'];
  const of = triggerData['retry_of'];
  return { attempt: typeof attempt === 'number' && Number.isInteger(attempt) && attempt > 0 ? attempt : 1, retryOf: typeof of === 'string' ? of : null };
}

/**
 * Seconds before retry `attempt` (1-based): delay·backoff^(attempt−1), capped at max_delay, then
 * moved by ± jitter·delay by a fraction taken from the failed run's id (the same id always gives
 * the same delay, so a restarted daemon or the simulator computes the same time).
 */
export function retryDelay(policy: RetryPolicy, attempt: number, failedRunId: string): number {
  const base = Math.min(policy.maxDelay, policy.delay * policy.backoff ** (attempt - 1));
  if (policy.jitter === 0) return base;
  const unit = (fnv1a(failedRunId) / 0x1_0000_0000) * 2 - 1; // [-1, 1)
  return Math.max(0, base + base * policy.jitter * unit);
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Environment variables a run gets from its policies (SPEC-BEYOND §12.3, §12.5): RETRY_ATTEMPT
 * and RETRY_OF for jobs with a retry policy (0 and empty for a first attempt), UPSTREAM_* for
 * dependency runs. Empty for a job with no policies, as in Part I.
 */
export function policyEnvironment(job: JobConfig, triggerType: string, triggerData: JsonObject): Record<string, string> {
  const env: Record<string, string> = {};
  if (jobPolicies(job).retry !== null || triggerType === 'retry') {
    const { attempt, retryOf } = retryAttemptOf(triggerType, triggerData);
    env['RETRY_ATTEMPT'] = String(attempt);
    env['RETRY_OF'] = retryOf ?? '';
  }
  if (triggerType === 'upstream') {
    const up = triggerData['upstream'];
    if (typeof up === 'object' && up !== null && !Array.isArray(up)) {
      const u = up as JsonObject;
      env['UPSTREAM_JOB'] = String(u['job'] ?? '');
      env['UPSTREAM_RUN_ID'] = String(u['run_id'] ?? '');
      env['UPSTREAM_EXIT_CODE'] = String(u['exit_code'] ?? '');
    }
  }
  if (triggerType === 'after') {
    const after = triggerData['after'];
    if (typeof after === 'object' && after !== null && !Array.isArray(after)) {
      env['UPSTREAM_RUN_IDS'] = Object.entries(after as JsonObject)
        .map(([job, id]) => `${job}=${String(id)}`)
        .join(' ');
    }
  }
  return env;
}
