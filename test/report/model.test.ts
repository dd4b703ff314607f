import { describe, expect, it } from 'vitest';
import { durationChartSvg, niceCeiling } from '../../src/report/chart.js';
import { absoluteTime, humanDuration, relativeTime } from '../../src/report/humanize.js';
import {
  OUTPUT_MARKER, applySummary, attachOutput, displayTriggerType, jobView, limitOutput, runView,
} from '../../src/report/model.js';
import type { FinishedRun } from '../../src/store/types.js';
import { job } from './fixtures.js';

const T0 = 1_700_000_000;

function run(id: string, start: number, stop: number, exit = 0, extra: Partial<FinishedRun> = {}): FinishedRun {
  return {
    jobName: 'build', runId: id, scheduleTime: start - 1, startTime: start, stopTime: stop, exitCode: exit,
    triggerType: 'schedule', triggerData: {}, runData: {}, ...extra,
  };
}

describe('runView', () => {
  it('has the original template names and shapes', () => {
    const j = jobView(job('my job'));
    const v = runView({ ...run('r1', T0, T0 + 65.5, 3), running: false }, j);
    expect(v.job).toBe(j);
    expect(v.id).toBe('r1');
    expect(String(v.start_time)).toBe('2023-11-14 22:13:20+00:00');
    expect(String(v.stop_time)).toBe('2023-11-14 22:14:25.500000+00:00');
    expect(String(v.schedule_time)).toBe('2023-11-14 22:13:19+00:00');
    expect(v.start_datetime).toBe(v.start_time);
    expect(String(v.duration)).toBe('0:01:05.500000');
    expect(v.exit_code).toBe(3);
    expect(v.failed).toBe(true);
    expect(v.url).toBe('my%20job/r1/');
    expect(j.url).toBe('my%20job/');
  });

  it('trigger type shown: file triggers show their own type, default "file"', () => {
    expect(displayTriggerType('file', {})).toBe('file');
    expect(displayTriggerType('file', { type: 'webhook' })).toBe('webhook');
    expect(displayTriggerType('file', { type: null })).toBe('file');
    expect(displayTriggerType('schedule', { type: 'x' })).toBe('schedule');
  });

  it('description and environment of the trigger as text, whatever their JSON type', () => {
    const v = runView(run('r', T0, T0 + 1, 0, {
      triggerType: 'file', triggerData: { description: 42, environment: { B: 'x', A: 1, C: { n: 1 } } },
    }), jobView(job('build')));
    expect(v.description).toBe('42');
    expect(v.trigger_environment).toEqual([['A', '1'], ['B', 'x'], ['C', '{"n":1}']]);
  });

  it('survives trigger_data / run_data that are not objects', () => {
    const v = runView(run('r', T0, T0 + 1, 0, { triggerData: ['x'] as never, runData: null as never }), jobView(job('b')));
    expect(v.trigger_data).toEqual({});
    expect(v.run_data).toEqual({});
  });
});

describe('limitOutput (report_run_output_start/end)', () => {
  const text = 'abcdefghijklmnopqrstuvwxyz';
  it.each([
    [0, 0, text, false],
    [5, 0, `abcde${OUTPUT_MARKER}`, true],
    [0, 5, `${OUTPUT_MARKER}vwxyz`, true],
    [3, 4, `abc${OUTPUT_MARKER}wxyz`, true],
    [20, 6, text, false],
    [13, 13, text, false],
  ])('start %i end %i', (s, e, out, cut) => {
    expect(limitOutput(text, s, e)).toMatchObject({ text: out, truncated: cut });
  });

  it('does not split a surrogate pair', () => {
    expect(limitOutput('a😀b😀', 2, 0).text).toBe(`a${OUTPUT_MARKER}`);
    expect(limitOutput('😀b😀c', 0, 2).text).toBe(`${OUTPUT_MARKER}c`);
  });

  it('attachOutput marks the cut in HTML and drops NULs', () => {
    const v = runView(run('r', T0, T0 + 1), jobView(job('b')));
    attachOutput(v, '\x1b[31mred\0 start\x1b[0m middle tail', 13, 4);
    expect(v.output).toBe(`\x1b[31mred star${OUTPUT_MARKER}tail`);
    expect(v.output_truncated).toBe(true);
    expect(v.output_html).toBe('<span class="a-f1">red star</span>\n<span class="output-cut">[...]</span>\ntail');
    attachOutput(v, null, 0, 0);
    expect(v.output).toBeNull();
  });
});

describe('applySummary', () => {
  it('marks a job failing when its last run failed, shares the run when last = last good', () => {
    const j = jobView(job('b'));
    const last = run('r2', T0 + 100, T0 + 160, 1);
    applySummary(j, { jobName: 'b', runCount: 2, successCount: 1, failureCount: 1, durationSum: 0, latencySum: 0, lastRun: last, lastSuccessfulRun: run('r1', T0, T0 + 5) });
    expect(j.failing).toBe(true);
    expect(j.last_run?.id).toBe('r2');
    expect(j.last_successful_run?.id).toBe('r1');
    expect(String(j.last_duration)).toBe('0:01:00');
    const k = jobView(job('k'));
    const ok = run('r3', T0, T0 + 5);
    applySummary(k, { jobName: 'k', runCount: 1, successCount: 1, failureCount: 0, durationSum: 5, latencySum: 1, lastRun: ok, lastSuccessfulRun: { ...ok } });
    expect(k.failing).toBe(false);
    expect(k.last_successful_run).toBe(k.last_run);
  });
});

describe('humanize', () => {
  it.each([
    [0.35, '350 ms'], [4.25, '4.2 s'], [5, '5 s'], [42.9, '42 s'], [65, '1 min 5 s'], [120, '2 min'],
    [3600 * 2 + 180, '2 h 3 min'], [86400 * 3 + 3600 * 4, '3 d 4 h'], [-65, '-1 min 5 s'],
  ])('humanDuration(%s) = %s', (s, text) => {
    expect(humanDuration(s)).toBe(text);
  });
  it.each([
    [T0, 'just now'], [T0 - 30, '30 seconds ago'], [T0 - 60, '1 minute ago'], [T0 - 3 * 3600 - 5, '3 hours ago'],
    [T0 - 86400 * 2, '2 days ago'], [T0 - 86400 * 400, '1 year ago'], [T0 + 300, 'in 5 minutes'],
  ])('relativeTime(%s) = %s', (t, text) => {
    expect(relativeTime(t, T0)).toBe(text);
  });
  it('absoluteTime', () => {
    expect(absoluteTime(T0 + 0.9)).toBe('2023-11-14 22:13:20 UTC');
    expect(humanDuration(null)).toBe('');
  });
});

describe('duration chart', () => {
  it('one bar per run, oldest first, coloured by outcome, linked and titled', () => {
    const j = jobView(job('b'));
    const views = [run('c', T0 + 200, T0 + 230, 2), run('b', T0 + 100, T0 + 110), run('a', T0, T0 + 5)].map((r) => runView(r, j));
    const svg = durationChartSvg(views);
    const bars = [...svg.matchAll(/<a href="([^"]+)"><rect class="bar (ok|fail)"[^>]* height="([\d.]+)"/g)];
    expect(bars.map((m) => [m[1], m[2]])).toEqual([['a/', 'ok'], ['b/', 'ok'], ['c/', 'fail']]);
    const heights = bars.map((m) => Number(m[3]));
    expect(heights[0]).toBeLessThan(heights[1] ?? 0);
    expect(heights[1]).toBeLessThan(heights[2] ?? 0);
    expect(svg).toContain('<title>2023-11-14 22:16:40 UTC · 30 s · exit 2</title>');
    expect(durationChartSvg([])).toBe('');
  });
  it('axis maxima are round durations', () => {
    expect(niceCeiling(282)).toBe(600);
    expect(niceCeiling(9)).toBe(10);
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(86400 * 3)).toBe(86400 * 4);
  });
});

describe('time formatting matches Date', () => {
  it('absoluteTime and isoTime agree with toISOString over a wide range (property)', async () => {
    const fc = (await import('fast-check')).default;
    const { isoTime } = await import('../../src/report/humanize.js');
    fc.assert(
      fc.property(fc.double({ min: -2e9, max: 2e10, noNaN: true }), (t) => {
        const iso = new Date(Math.round(t * 1000)).toISOString();
        expect(isoTime(t)).toBe(iso);
        expect(absoluteTime(t)).toBe(`${new Date(Math.floor(t) * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
      }),
      { numRuns: 2000 },
    );
  });
  it('isoAndAbsoluteTime is isoTime and absoluteTime of the same time, also where they round apart (property)', async () => {
    const fc = (await import('fast-check')).default;
    const { isoTime, isoAndAbsoluteTime } = await import('../../src/report/humanize.js');
    // 5.9996 rounds up to 6.000 in milliseconds but is still second 5
    expect(isoAndAbsoluteTime(T0 + 0.9996)).toEqual([isoTime(T0 + 0.9996), absoluteTime(T0 + 0.9996)]);
    expect(isoAndAbsoluteTime(T0 + 0.9996)[0]).toMatch(/:21\.000Z$/);
    expect(isoAndAbsoluteTime(T0 + 0.9996)[1]).toMatch(/:20 UTC$/);
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -2e9, max: 2e10, noNaN: true }), fc.tuple(fc.integer({ min: -2e9, max: 2e10 }), fc.double({ min: 0.9995, max: 0.99999, noNaN: true })).map(([s, f]) => s + f)), (t) => {
        expect(isoAndAbsoluteTime(t)).toEqual([isoTime(t), absoluteTime(t)]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('runView: runs the policies made or ended (SPEC-BEYOND §12)', () => {
  const j = () => jobView(job('build'));
  it('a retry shows its attempt and links its chain; the failed run links its retry', () => {
    const retry = runView(run('r3', T0, T0 + 1, 0, { triggerType: 'retry', triggerData: { retry_of: 'first-run-id', previous_run: 'second-run-id', attempt: 2 } }), j());
    expect(retry.display_trigger_type).toBe('retry 2 of first-ru');
    expect(retry.policy_links).toEqual([
      { label: 'Retry of (first attempt)', id: 'first-run-id', url: '../first-run-id/' },
      { label: 'Previous attempt', id: 'second-run-id', url: '../second-run-id/' },
    ]);
    const failed = runView(run('r1', T0, T0 + 1, 1, { runData: { dsari_retry: { run_id: 'retry-run-id', schedule_time: T0 + 30, attempt: 1 } } }), j());
    expect(failed.display_trigger_type).toBe('schedule, retried by retry-ru');
    expect(failed.policy_links).toEqual([{ label: 'Retried by (attempt 1)', id: 'retry-run-id', url: '../retry-run-id/' }]);
  });

  it('catch-up, dependency, replaced and cancelled runs are named; a Part I run is unchanged', () => {
    expect(runView(run('c', T0, T0 + 1, 0, { runData: { dsari_catchup: true } }), j()).display_trigger_type).toBe('schedule (catch-up)');
    const after = runView(run('d', T0, T0 + 1, 0, { triggerType: 'after', triggerData: { after: { b: 'run-b', a: 'run-a' } } }), j());
    expect(after.display_trigger_type).toBe('after a, b');
    expect(after.policy_links?.map((l) => l.url)).toEqual(['../../a/run-a/', '../../b/run-b/']);
    expect(runView(run('u', T0, T0 + 1, 0, { triggerType: 'upstream', triggerData: { upstream: { job: 'compile', run_id: 'x', exit_code: 0 } } }), j()).display_trigger_type).toBe('upstream compile');
    expect(runView(run('p', T0, T0 + 1, 143, { runData: { dsari_status: 'replaced' } }), j()).display_trigger_type).toBe('schedule (replaced)');
    expect(runView(run('q', T0, T0 + 1, 143, { triggerType: 'file', runData: { dsari_status: 'cancelled' } }), j()).display_trigger_type).toBe('file (cancelled)');
    const plain = runView(run('z', T0, T0 + 1), j());
    expect(plain.display_trigger_type).toBe('schedule');
    expect('policy_links' in plain).toBe(false);
  });
});
