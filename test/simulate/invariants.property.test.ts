/**
 * Whatever the configuration, a simulation keeps the scheduler's promises (fast-check over random
 * jobs, periods, durations, groups, overlap policies, retries and failure rates): events come in
 * time order; a group never holds more runs than its slots; a job that does not allow overlap
 * never runs twice at once; no scheduled fire gets two runs; every run starts at most once, not
 * before its time, and ends after it starts; one seed gives one timeline.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATCHUP_WINDOW } from '../../src/config/policies.js';
import type { JobConfig, JobPolicies, OverlapPolicy } from '../../src/config/types.js';
import { EventKind, parseDurationSpec, simulate, type SimulationResult } from '../../src/simulate/index.js';
import { everyN, job, schedulingConfig } from '../daemon/fixtures.js';

const T0 = 1_800_000_000;

const jobArb = fc.record({
  period: fc.constantFrom(1, 2, 3, 5, 10),
  duration: fc.double({ min: 0, max: 12, noNaN: true }),
  groups: fc.subarray(['g1', 'g2', 'g3'], { maxLength: 2 }),
  overlap: fc.constantFrom<OverlapPolicy>('queue', 'skip', 'replace', 'allow'),
  retry: fc.boolean(),
  maxExecution: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
});

type JobSpec = typeof jobArb extends fc.Arbitrary<infer T> ? T : never;

function config(specs: readonly JobSpec[], maxes: readonly number[]) {
  const jobs: JobConfig[] = specs.map((s, i) => {
    const policies: JobPolicies = {
      catchup: 'none',
      catchupWindow: DEFAULT_CATCHUP_WINDOW,
      overlap: s.overlap,
      retry: s.retry ? { attempts: 2, delay: 1, backoff: 2, maxDelay: 60, jitter: 0, onExitCodes: null, onTimeout: true, onLost: true } : null,
      after: [],
      onSuccess: [],
      onFailure: [],
    };
    return job(`j${i}`, { schedule: `every:${s.period}`, concurrencyGroups: [...s.groups].sort(), concurrentRuns: s.overlap === 'allow', maxExecution: s.maxExecution, policies });
  });
  return schedulingConfig(jobs, { g1: maxes[0] ?? 1, g2: maxes[1] ?? 1, g3: maxes[2] ?? 1 });
}

function check(r: SimulationResult): void {
  const tl = r.timeline;
  let last = -Infinity;
  const use = new Map<number, number>();
  const runningJob = new Map<number, number>();
  const fired = new Set<string>();
  const started = new Set<number>();
  for (let e = 0; e < tl.eventCount; e++) {
    const t = tl.eventTime.get(e);
    expect(t).toBeGreaterThanOrEqual(last);
    last = t;
    const kind = tl.eventKind.get(e);
    if (kind === EventKind.skip) continue;
    const i = tl.eventRef.get(e);
    const j = tl.runJob.get(i);
    const job = r.jobs[j] as JobConfig;
    const g = tl.runGroup.get(i);
    if (kind === EventKind.fire && tl.runTrigger.get(i) === 0) {
      const key = `${j}@${tl.runSchedule.get(i)}`;
      expect(fired.has(key), `fire ${key} twice`).toBe(false);
      fired.add(key);
    }
    if (kind === EventKind.start) {
      expect(started.has(i)).toBe(false);
      started.add(i);
      expect(t).toBeGreaterThanOrEqual(tl.runSchedule.get(i));
      if (g >= 0) {
        use.set(g, (use.get(g) ?? 0) + 1);
        expect(use.get(g)).toBeLessThanOrEqual(r.groups[g]?.max ?? 1);
      }
      runningJob.set(j, (runningJob.get(j) ?? 0) + 1);
      if (!job.concurrentRuns) expect(runningJob.get(j), `${job.name} overlaps itself`).toBe(1);
    }
    if (kind === EventKind.end) {
      expect(started.has(i)).toBe(true);
      expect(t).toBeGreaterThanOrEqual(tl.runStart.get(i));
      if (g >= 0) use.set(g, (use.get(g) ?? 1) - 1);
      runningJob.set(j, (runningJob.get(j) ?? 1) - 1);
    }
  }
  // Everything that started has ended.
  expect([...runningJob.values()].every((n) => n === 0)).toBe(true);
}

describe('simulation invariants', () => {
  it('hold for random configurations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        async (specs, maxes, failureRate, seed) => {
          const cfg = config(specs, maxes);
          const durations = parseDurationSpec(specs.map((s, i) => `j${i}=${s.duration.toFixed(3)}`));
          const run = () => simulate({ config: cfg, store: null, from: T0 - 0.5, until: T0 + 60, seed, zone: 'UTC', hostZone: 'UTC', nextFireTime: everyN, durations, failureRates: new Map(specs.map((_, i) => [`j${i}`, failureRate])) });
          const r = await run();
          check(r);
          const again = await run();
          expect(again.summary).toEqual(r.summary);
          expect(again.timeline.eventCount).toBe(r.timeline.eventCount);
        },
      ),
      { numRuns: 150 },
    );
  });
});
