/**
 * The `json` report: the window, each job's duration, every event in the order it happened
 * and the summary. Produced in pieces, so a week of events is written without building one
 * string of hundreds of megabytes.
 */
import { formatIso } from '../schedule/time.js';
import type { SimulationResult } from './index.js';
import { EventKind, RunEnd, SKIP_REASONS, TRIGGERS } from './timeline.js';

/** The JSON document in pieces (concatenated, they are one JSON object). */
export function* renderJson(result: SimulationResult): Generator<string> {
  const { timeline: tl, jobs, groups, zone } = result;
  const iso = (t: number): string => formatIso(t, zone, 3);
  const round = (t: number): number => Math.round(t * 1000) / 1000;
  const head = {
    from: iso(result.from),
    until: iso(result.until),
    zone,
    seed: result.seed,
    jobs: jobs.map((j) => {
      const d = result.durations.get(j.name);
      return {
        name: j.name,
        schedule: j.schedule,
        schedule_timezone: j.scheduleTimezone,
        concurrency_groups: j.concurrencyGroups,
        duration: d?.seconds ?? null,
        duration_source: d?.source ?? null,
        failure_rate: d?.failureRate ?? 0,
      };
    }),
    concurrency_groups: groups.map((g) => ({ name: g.name, max: g.max })),
  };
  const text = JSON.stringify(head, null, 2);
  yield `${text.slice(0, -2)},\n  "events": [`;
  const CHUNK = 2000;
  let buf: string[] = [];
  for (let e = 0; e < tl.eventCount; e++) {
    const t = tl.eventTime.get(e);
    const ref = tl.eventRef.get(e);
    const kind = tl.eventKind.get(e);
    let obj: Record<string, unknown>;
    if (kind === EventKind.skip) {
      obj = { type: 'skip', time: iso(t), epoch: round(t), job: jobs[tl.skipJob.get(ref)]?.name, reason: SKIP_REASONS[tl.skipReason.get(ref)], count: tl.skipCount.get(ref), first: iso(tl.skipFirst.get(ref)), last: iso(tl.skipLast.get(ref)) };
    } else {
      const job = jobs[tl.runJob.get(ref)]?.name;
      const base = { type: '', time: iso(t), epoch: round(t), job, run: ref };
      switch (kind) {
        case EventKind.fire:
          obj = { ...base, type: 'fire', trigger: TRIGGERS[tl.runTrigger.get(ref)], schedule_time: iso(tl.runSchedule.get(ref)) };
          break;
        case EventKind.start: {
          const g = tl.runGroup.get(ref);
          obj = { ...base, type: 'start', concurrency_group: g >= 0 ? (groups[g]?.name ?? null) : null, waited: round(t - tl.runSchedule.get(ref)) };
          break;
        }
        case EventKind.end: {
          const how = tl.runFailed.get(ref);
          obj = { ...base, type: 'end', exit_status: how === RunEnd.ok ? 0 : how === RunEnd.failed ? 1 : 143, ended_by: how === RunEnd.timedOut ? 'max_execution' : how === RunEnd.replaced ? 'replace' : null, duration: round(t - tl.runStart.get(ref)) };
          break;
        }
        default:
          obj = { ...base, type: 'wait', for: kind === EventKind.waitGroup ? 'group' : kind === EventKind.waitPrevious ? 'previous run' : kind === EventKind.waitPaused ? 'pause' : 'other' };
          if (kind === EventKind.waitGroup) obj['concurrency_groups'] = jobs[tl.runJob.get(ref)]?.concurrencyGroups ?? [];
      }
    }
    buf.push(`${e === 0 ? '' : ','}\n    ${JSON.stringify(obj)}`);
    if (buf.length >= CHUNK) {
      yield buf.join('');
      buf = [];
    }
  }
  yield buf.join('');
  const summary = {
    jobs: result.summary.jobs.map((s) => ({
      name: s.name,
      fires: s.fires,
      runs: s.runs,
      skipped: s.skipped,
      skipped_for: s.skippedFor,
      queued: s.queued,
      retries: s.retries,
      dependency_runs: s.dependencyRuns,
      replaced: s.replaced,
      waiting_at_end: s.waitingAtEnd,
      failed: s.failed,
      longest_wait: round(s.longestWait),
      longest_wait_run: s.longestWaitAt === null ? null : iso(s.longestWaitAt),
      longest_wait_for: s.longestWaitFor,
    })),
    concurrency_groups: result.summary.groups.map((g) => ({
      name: g.name,
      max: g.max,
      peak: g.peak,
      time_full: round(g.timeFull),
      longest_queue: g.longestQueue,
      longest_queue_at: g.longestQueueAt === null ? null : iso(g.longestQueueAt),
    })),
    warnings: result.summary.warnings,
  };
  yield `${tl.eventCount > 0 ? '\n  ' : ''}],\n  "summary": ${JSON.stringify(summary, null, 2).replace(/\n/g, '\n  ')}\n}\n`;
}
