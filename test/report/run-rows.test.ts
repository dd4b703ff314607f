// The built-in job page makes its run table's rows with the `run_rows` helper (JavaScript, for
// speed); these tests hold it to the template loop it replaced: the same page, byte for byte.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { durationChartSvg } from '../../src/report/chart.js';
import { applySummary, jobView, runView, type RunView } from '../../src/report/model.js';
import { builtinTemplateDir, loadTemplates } from '../../src/report/template-env.js';
import type { RunRecord } from '../../src/store/types.js';
import { job } from './fixtures.js';

/** The loop of templates/job.html before `run_rows` took its place. */
const LOOP = `{% for run in runs %}
<tr{% if run.failed %} class="fail"{% endif %}><td><a href="{{ run.id | urlencode }}/">{{ when(run.stop_time) }}</a></td><td class="num">{{ run.duration | duration }}</td><td class="num">{{ outcome(run) }}</td><td class="opt">{{ run.display_trigger_type }}</td><td class="opt mono"><a href="{{ run.id | urlencode }}/">{{ run.id }}</a></td></tr>
{% endfor %}`;

const builtin = readFileSync(join(builtinTemplateDir(), 'job.html'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'dsari-run-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'job.html'), builtin.replace('{{ run_rows(runs) }}', LOOP));

const NOW = 1_800_000_000;
const helper = loadTemplates({ templateDir: null, now: NOW });
const loop = loadTemplates({ templateDir: dir, now: NOW });

function page(templates: typeof helper, runs: unknown[]): string {
  const view = jobView(job('build & <test>'));
  return templates.render('job.html', { job: view, runs, chart_svg: '', chart_runs: 200, root: '../', job_name: view.name });
}

const text = fc.oneof(fc.string(), fc.constantFrom('a&b', '<x>', '"q"', "it's", 'back\\slash', 'é – ☃', '%2F/?#', ''));
const record = fc.record({
  runId: text,
  startTime: fc.double({ min: NOW - 1e8, max: NOW + 1e6, noNaN: true }),
  length: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(null)),
  exitCode: fc.oneof(fc.integer({ min: -1, max: 255 }), fc.constant(null)),
  triggerType: fc.constantFrom('schedule', 'file', 'retry', 'after', 'upstream', 'http'),
  triggerData: fc.oneof(fc.constant({}), fc.record({ type: text }), fc.record({ attempt: fc.integer(), retry_of: text })),
  runData: fc.oneof(fc.constant({}), fc.constant({ dsari_status: 'cancelled' }), fc.constant({ dsari_catchup: true })),
});

function toView(r: { runId: string; startTime: number; length: number | null; exitCode: number | null; triggerType: string; triggerData: Record<string, unknown>; runData: Record<string, unknown> }): RunView {
  const running = r.length === null;
  const rec = {
    jobName: 'build', runId: r.runId, scheduleTime: r.startTime - 1, startTime: r.startTime,
    stopTime: running ? null : r.startTime + (r.length as number), exitCode: running ? null : r.exitCode,
    triggerType: r.triggerType, triggerData: r.triggerData, runData: r.runData, running,
  } as RunRecord;
  return runView(rec, jobView(job('build')));
}

describe('run_rows: the built-in job page rows', () => {
  it('is the template loop it replaced, byte for byte, for any runs (property)', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (records) => {
        const runs = records.map(toView);
        expect(page(helper, runs)).toBe(page(loop, runs));
      }),
      { numRuns: 400 },
    );
  });

  it('also for what a template could pass that is not a run view', () => {
    const odd: unknown[] = [null, undefined, 'text', 42, {}, { id: 7, failed: 1, stop_time: 'soon', duration: 3.5, exit_code: '2' }, { id: ['a', 'b'], running: true }];
    expect(page(helper, odd)).toBe(page(loop, odd));
    expect(page(helper, [])).toBe(page(loop, []));
  });

  it('a page of 4,000 runs with a chart and a summary, as dsari-render gives it', () => {
    const view = jobView(job('build'));
    const runs = Array.from({ length: 4000 }, (_, i) => toView({
      runId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, startTime: NOW - 30 * i, length: (i % 97) * 1.7,
      exitCode: i % 13 === 0 ? 1 : 0, triggerType: i % 5 === 0 ? 'file' : 'schedule', triggerData: i % 5 === 0 ? { type: 'webhook' } : {}, runData: {},
    }));
    applySummary(view, { jobName: 'build', runCount: 4000, successCount: 3692, failureCount: 308, durationSum: 0, latencySum: 0, lastRun: null, lastSuccessfulRun: null });
    const context = { job: view, runs, chart_svg: durationChartSvg(runs), chart_runs: 200, root: '../', job_name: 'build' };
    const a = helper.render('job.html', context);
    expect(a).toBe(loop.render('job.html', context));
    expect(a.match(/<tr class="fail">/g)).toHaveLength(308);
  });
});
