/**
 * Whatever the mix of policies, pauses, triggers and outcomes: no scheduled fire starts twice,
 * and no accepted trigger, retry or dependency run disappears (it starts, or it is still pending).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATCHUP_WINDOW } from '../../src/config/policies.js';
import type { JobConfig, OverlapPolicy } from '../../src/config/types.js';
import { SchedulerCore } from '../../src/daemon/core.js';
import type { PendingRun } from '../../src/daemon/types.js';
import { counterIds, everyN, job, schedulingConfig } from './fixtures.js';

const T0 = 1_699_998_300;

const jobArb = fc.record({
  overlap: fc.constantFrom<OverlapPolicy>('queue', 'skip', 'replace', 'allow'),
  period: fc.constantFrom(1, 2, 3, 5),
  retry: fc.boolean(),
  group: fc.boolean(),
});

type Step =
  | { kind: 'advance'; dt: number }
  | { kind: 'trigger'; job: number }
  | { kind: 'finish'; pick: number; exitCode: number }
  | { kind: 'pause'; job: number }
  | { kind: 'resume' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), dt: fc.double({ min: 0.1, max: 4, noNaN: true }) }),
  fc.record({ kind: fc.constant('trigger' as const), job: fc.nat(3) }),
  fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(10), exitCode: fc.constantFrom(0, 0, 1, 2) }),
  fc.record({ kind: fc.constant('pause' as const), job: fc.nat(3) }),
  fc.record({ kind: fc.constant('resume' as const) }),
);

describe('policies: property', () => {
  it('no fire runs twice; nothing accepted is dropped', () => {
    fc.assert(
      fc.property(fc.array(jobArb, { minLength: 1, maxLength: 4 }), fc.array(stepArb, { minLength: 1, maxLength: 120 }), (specs, steps) => {
        const names = specs.map((_, i) => `j${i}`);
        const jobs: JobConfig[] = specs.map((s, i) =>
          job(`j${i}`, {
            schedule: `every:${s.period}`,
            concurrentRuns: s.overlap === 'allow',
            concurrencyGroups: s.group ? ['g'] : [],
            policies: {
              catchup: 'none',
              catchupWindow: DEFAULT_CATCHUP_WINDOW,
              overlap: s.overlap,
              retry: s.retry ? { attempts: 2, delay: 1, backoff: 2, maxDelay: 10, jitter: 0, onExitCodes: null, onTimeout: true, onLost: true } : null,
              after: i === 0 && specs.length > 1 ? names.slice(1) : [],
              onSuccess: [],
              onFailure: i === 1 && specs.length > 2 ? ['j2'] : [],
            },
          }),
        );
        const c = new SchedulerCore({ nextFireTime: everyN, newRunId: counterIds(), random: () => 0 });
        let now = T0 + 0.5;
        c.reload(schedulingConfig(jobs, { g: 2 }), now);
        const fired = new Set<string>();
        const started = new Set<string>();
        const accepted = new Map<string, PendingRun>();
        const replacedTriggers = new Set<string>();
        const running: string[] = [];
        const look = () => {
          const d = c.decide(now);
          for (const s of d.start) {
            if (s.run.triggerType === 'schedule') {
              const key = `${s.run.jobName}@${s.run.scheduleTime}`;
              expect(fired.has(key)).toBe(false);
              fired.add(key);
            }
            expect(started.has(s.run.runId)).toBe(false);
            started.add(s.run.runId);
            running.push(s.run.runId);
          }
          for (const s of d.skipped) expect(s.run.triggerType).toBe('schedule');
        };
        const pauses = new Set<string>();
        for (const step of steps) {
          switch (step.kind) {
            case 'advance':
              now += step.dt;
              break;
            case 'trigger': {
              const name = names[step.job % names.length] as string;
              if (c.triggerRefusal(name) !== null) break;
              const out = c.addTrigger({ jobName: name, scheduleTime: now, triggerData: {} }, now);
              if (out !== null) {
                accepted.set(out.run.runId, out.run);
                for (const r of out.replaced) if (r.triggerType === 'file') replacedTriggers.add(r.runId);
              }
              break;
            }
            case 'finish': {
              if (running.length === 0) break;
              const [id] = running.splice(step.pick % running.length, 1);
              const out = c.runFinished(id as string, { exitCode: step.exitCode, stopTime: now, timedOut: false, lost: false, endedBy: null }, now);
              for (const f of out.followUps) accepted.set(f.runId, f);
              break;
            }
            case 'pause':
              pauses.add(names[step.job % names.length] as string);
              c.setPauses([...pauses].map((j) => ({ jobName: j, pausedAt: now, pausedBy: 't', reason: null })));
              break;
            case 'resume':
              pauses.clear();
              c.setPauses([]);
              break;
          }
          look();
        }
        const pending = new Set(c.pendingRuns().map((r) => r.runId));
        for (const id of accepted.keys()) {
          if (replacedTriggers.has(id)) continue;
          expect(started.has(id) || pending.has(id), `run ${id} (${accepted.get(id)?.triggerType}) was dropped`).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
