/* eslint-disable no-control-regex -- the tests look for control characters in output */
/**
 * The renderer in-process, through the real SQLite store, on a database file created with the
 * original's exact schema and rows as the original writes them (JSON text, float epoch times).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { Logger, MemorySink } from '../../src/log.js';
import { renderReports } from '../../src/report/render.js';
import { STATE_FILE } from '../../src/report/state.js';
import { TemplateError } from '../../src/report/template-env.js';
import { makeTempDir, writeTree } from '../helpers/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { type FixtureRun, config, job, recordingStore, runId, writeRuns } from './fixtures.js';

const NOW = 1_780_000_000;
let tmp: { path: string; cleanup: () => void };
let dataDir: string;
let html: string;

beforeEach(() => {
  tmp = makeTempDir('dsari-render-');
  dataDir = tmp.path;
  html = join(dataDir, 'html');
});
afterEach(() => tmp.cleanup());

async function render(cfg: Config, regenerate = false) {
  const log = new Logger({ sink: new MemorySink() });
  const real = new SqliteStore(join(cfg.dataDir, 'dsari.sqlite3'), { log });
  await real.open();
  const { store, queries } = recordingStore(real);
  try {
    const result = await renderReports({ config: cfg, store, regenerate, log, now: NOW });
    return { ...result, queries };
  } finally {
    await real.close();
  }
}

function read(rel: string): string {
  return readFileSync(join(html, rel), 'utf8');
}

function baseRuns(): FixtureRun[] {
  const runs: FixtureRun[] = [];
  for (let i = 0; i < 6; i++) {
    runs.push({ job: 'build', id: runId(i), start: NOW - 7200 + i * 600, stop: NOW - 7200 + i * 600 + 65, exit: i === 4 ? 1 : 0, output: `build ${i}\n` });
  }
  runs.push({ job: 'backup', id: runId(100), start: NOW - 3000, stop: NOW - 2990, exit: 0, output: 'ok\n' });
  runs.push({ job: 'secret', id: runId(200), start: NOW - 100, stop: NOW - 50, exit: 0, output: 'hidden\n' });
  runs.push({ job: 'removed-from-config', id: runId(300), start: NOW - 100, stop: NOW - 50, exit: 0 });
  return runs;
}

const JOBS = [job('build', { schedule: 'H/5 * * * *' }), job('backup'), job('secret', { renderReports: false }), job('idle')];

/** Every file under html/ with its mtime (ms). */
function snapshot(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p.slice(html.length + 1), statSync(p).mtimeMs);
    }
  };
  walk(html);
  return out;
}

/** Sets every file's mtime into the past so that a rewrite is visible. */
function age(): void {
  const past = new Date(Date.now() - 3_600_000);
  for (const f of snapshot().keys()) utimesSync(join(html, f), past, past);
}

function changed(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after.entries()].filter(([f, m]) => before.get(f) !== m).map(([f]) => f).sort();
}

describe('renderReports', () => {
  it('writes the index, a page per job and per run, and the stylesheet', async () => {
    writeRuns(dataDir, baseRuns());
    const r = await render(config(dataDir, JOBS));
    expect(r.runPages).toBe(7);
    expect(r.indexWritten).toBe(true);
    for (let i = 0; i < 6; i++) expect(existsSync(join(html, 'build', runId(i), 'index.html'))).toBe(true);
    expect(existsSync(join(html, 'backup', runId(100), 'index.html'))).toBe(true);
    expect(existsSync(join(html, 'idle', 'index.html'))).toBe(true);
    expect(existsSync(join(html, 'dsari.css'))).toBe(true);

    const index = read('index.html');
    expect(index).toContain('href="build/"');
    expect(index).toContain(`href="build/${runId(4)}/"`);
    expect(index).toContain('<meta name="viewport"');
    // The failing job is marked: its last run (i = 5) succeeded, so build is not failing.
    expect(index).not.toMatch(/build<\/a> <span class="badge fail">failing/);
    const failedSection = index.slice(index.indexOf('Failed runs'), index.indexOf('Latest runs'));
    expect(failedSection).toContain(runId(4));
    expect(failedSection).not.toContain(runId(3));
    // Newest first.
    const latest = index.slice(index.indexOf('Latest runs'));
    expect(latest.indexOf(runId(100))).toBeLessThan(latest.indexOf(runId(5)));
    expect(latest.indexOf(runId(5))).toBeLessThan(latest.indexOf(runId(0)));

    const jobPage = read('build/index.html');
    const table = jobPage.slice(jobPage.indexOf('<h2>Runs</h2>'));
    expect(table.indexOf(runId(5))).toBeLessThan(table.indexOf(runId(0)));
    expect(jobPage).toContain('<svg class="chart"');
    expect((jobPage.match(/<rect class="bar /g) ?? []).length).toBe(6);
    expect(jobPage).toContain('1 min 5 s');

    const runPage = read(`build/${runId(4)}/index.html`);
    expect(runPage).toContain(runId(4));
    expect(runPage).toContain('build 4');
    expect(runPage).toContain('href="../../dsari.css"');
  });

  it('marks paused jobs on the index and rewrites the job page when a pause starts or ends', async () => {
    writeRuns(dataDir, baseRuns());
    const cfg = config(dataDir, JOBS);
    await render(cfg);
    expect(read('build/index.html')).not.toContain('Paused');
    const log = new Logger({ sink: new MemorySink() });
    const store = new SqliteStore(join(dataDir, 'dsari.sqlite3'), { log });
    await store.open();
    await store.addPause({ jobName: 'build', pausedAt: NOW - 60, pausedBy: 'alice', reason: 'disk <swap>' });
    await render(cfg);
    expect(read('index.html')).toMatch(/build<\/a> <span class="badge" title="paused by alice: disk &lt;swap&gt;">paused<\/span>/);
    expect(read('build/index.html')).toContain('<dt>Paused</dt><dd>since ');
    expect(read('build/index.html')).toContain('by alice: disk &lt;swap&gt;</dd>');
    expect(read('backup/index.html')).not.toContain('Paused');
    await store.removePause('build');
    await store.close();
    await render(cfg);
    expect(read('build/index.html')).not.toContain('Paused');
  });

  it('leaves out jobs with render_reports false and jobs no longer configured, with their runs', async () => {
    writeRuns(dataDir, baseRuns());
    const r = await render(config(dataDir, JOBS));
    expect(existsSync(join(html, 'secret'))).toBe(false);
    expect(existsSync(join(html, 'removed-from-config'))).toBe(false);
    const index = read('index.html');
    expect(index).not.toContain('secret');
    expect(index).not.toContain(runId(200));
    expect(index).not.toContain(runId(300));
    expect(r.queries.filter((q) => q.method === 'listRuns').every((q) => !q.query?.jobNames?.includes('secret'))).toBe(true);
  });

  it('escapes everything that comes from runs, renders ANSI colours, survives bad bytes', async () => {
    const evil = '<script>alert(1)</script>';
    writeRuns(dataDir, [
      {
        job: 'build', id: runId(1), start: NOW - 10, stop: NOW - 5, exit: 2, triggerType: 'file',
        triggerData: { type: `<b>t</b>`, description: evil, environment: { 'K<': `v${evil}` } },
        output: Buffer.concat([
          Buffer.from(`${evil}\n\x1b[31mred\x1b[0m \x1b[1;92mok\x1b[0m\x1b]0;title\x07\x1b[2K\n`),
          Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]),
        ]),
      },
    ]);
    await render(config(dataDir, [job('build')]));
    const page = read(`build/${runId(1)}/index.html`);
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<b>t</b>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;b&gt;t&lt;/b&gt;');
    expect(page).toContain('K&lt;');
    expect(page).toContain('<span class="a-f1">red</span>');
    expect(page).toContain('<span class="a-f10 a-bold">ok</span>');
    expect(page).not.toMatch(/[\x00\x1b]/);
    expect(page).toContain('\ufffd\ufffdA\ufffd');
    const output = page.slice(page.indexOf('<pre class="output">'), page.indexOf('</pre>'));
    expect(output).not.toContain('title');
    expect(output).toContain('\n<span class="a-f1">red</span> <span class="a-f10 a-bold">ok</span>\n');
  });

  it('reads gzip-compressed output', async () => {
    writeRuns(dataDir, [{ job: 'build', id: runId(1), start: NOW - 10, stop: NOW - 5, output: 'from gzip\n', gzipOutput: true }]);
    await render(config(dataDir, [job('build')]));
    expect(read(`build/${runId(1)}/index.html`)).toContain('from gzip');
  });

  it('reads xz-compressed output, and shows a note for output that cannot be read', async () => {
    writeRuns(dataDir, [
      { job: 'build', id: runId(1), start: NOW - 10, stop: NOW - 5 },
      { job: 'build', id: runId(2), start: NOW - 4, stop: NOW - 3 },
    ]);
    const dir1 = join(dataDir, 'runs', 'build', runId(1));
    mkdirSync(dir1, { recursive: true });
    writeFileSync(join(dir1, 'output.txt.xz'), execFileSync('xz', ['-c'], { input: 'from xz <x>\n' }));
    const dir2 = join(dataDir, 'runs', 'build', runId(2));
    mkdirSync(dir2, { recursive: true });
    writeFileSync(join(dir2, 'output.txt.gz'), 'this is not gzip');
    const r = await render(config(dataDir, [job('build')]));
    expect(r.runPages).toBe(2);
    expect(read(`build/${runId(1)}/index.html`)).toContain('from xz &lt;x&gt;');
    expect(read(`build/${runId(2)}/index.html`)).toMatch(/\[dsari-render: the output of this run cannot be read: .+\]/);
  });

  it('limits output to report_run_output_start/end with a [...] marker', async () => {
    const output = `${'A'.repeat(100)}${'M'.repeat(1000)}${'Z'.repeat(50)}`;
    writeRuns(dataDir, [{ job: 'build', id: runId(1), start: NOW - 10, stop: NOW - 5, output }]);
    await render(config(dataDir, [job('build')], { reportRunOutputStart: 100, reportRunOutputEnd: 50 }));
    const page = read(`build/${runId(1)}/index.html`);
    expect(page).toContain(`${'A'.repeat(100)}\n<span class="output-cut">[...]</span>\n${'Z'.repeat(50)}`);
    expect(page).not.toContain('M');
  });

  it('incremental: nothing is rewritten without new runs; one new run rewrites its page, its job and the index', async () => {
    writeRuns(dataDir, baseRuns());
    const cfg = config(dataDir, JOBS);
    await render(cfg);
    age();
    const before = snapshot();
    const again = await render(cfg);
    expect(again.written).toEqual([]);
    expect(again.indexWritten).toBe(false);
    expect(changed(before, snapshot())).toEqual([STATE_FILE]);
    // Unchanged jobs are not even queried.
    expect(again.queries.filter((q) => q.method === 'listRuns')).toEqual([]);

    writeRuns(dataDir, [{ job: 'build', id: runId(50), start: NOW - 20, stop: NOW - 10, exit: 3, output: 'new\n' }]);
    age();
    const before2 = snapshot();
    const third = await render(cfg);
    expect(third.runPages).toBe(1);
    expect(changed(before2, snapshot())).toEqual([STATE_FILE, `build/${runId(50)}/index.html`, 'build/index.html', 'index.html'].sort());
    const index = read('index.html');
    expect(index).toMatch(/build<\/a> <span class="badge fail">failing/);
  });

  it('incremental without a state file: pages that exist are kept (the original rule)', async () => {
    writeRuns(dataDir, baseRuns());
    const cfg = config(dataDir, JOBS);
    await render(cfg);
    rmSync(join(html, STATE_FILE));
    rmSync(join(html, 'build', runId(2)), { recursive: true });
    age();
    const before = snapshot();
    const r = await render(cfg);
    expect(r.runPages).toBe(1);
    expect(changed(before, snapshot())).toEqual([STATE_FILE, `build/${runId(2)}/index.html`, 'build/index.html', 'index.html'].sort());
  });

  it('incremental without a state file: a run directory left without its page gets the page again', async () => {
    writeRuns(dataDir, baseRuns());
    const cfg = config(dataDir, JOBS);
    await render(cfg);
    rmSync(join(html, STATE_FILE));
    // the job's directory is listed once; a listed run directory still has its page looked for
    rmSync(join(html, 'build', runId(2), 'index.html'));
    writeFileSync(join(html, 'build', runId(2), 'stray.txt'), 'x');
    age();
    const before = snapshot();
    const r = await render(cfg);
    expect(r.runPages).toBe(1);
    expect(changed(before, snapshot())).toEqual([STATE_FILE, `build/${runId(2)}/index.html`, 'build/index.html', 'index.html'].sort());
  });

  it('reads output.txt at once only when it is a file with something in it; odd ones are looked at as before', async () => {
    const runs: FixtureRun[] = [
      { job: 'build', id: runId(1), start: NOW - 500, stop: NOW - 490, exit: 0 },
      { job: 'build', id: runId(2), start: NOW - 400, stop: NOW - 390, exit: 0 },
      { job: 'build', id: runId(3), start: NOW - 300, stop: NOW - 290, exit: 0, output: '' },
      { job: 'build', id: runId(4), start: NOW - 200, stop: NOW - 190, exit: 0, output: 'plain\n' },
    ];
    writeRuns(dataDir, runs);
    const runDir = (i: number): string => join(dataDir, 'runs', 'build', runId(i));
    // a FIFO named output.txt (nobody writing it) is no output, and must not hang the render
    mkdirSync(runDir(1), { recursive: true });
    execFileSync('mkfifo', [join(runDir(1), 'output.txt')]);
    // a directory named output.txt beside output.txt.gz: the gz is the output
    mkdirSync(join(runDir(2), 'output.txt'), { recursive: true });
    execFileSync('sh', ['-c', `printf 'from gz\\n' | gzip > ${JSON.stringify(join(runDir(2), 'output.txt.gz'))}`]);
    await render(config(dataDir, [job('build')]));
    expect(read(`build/${runId(1)}/index.html`)).toContain('No output recorded.');
    expect(read(`build/${runId(2)}/index.html`)).toContain('from gz');
    const empty = read(`build/${runId(3)}/index.html`);
    expect(empty).not.toContain('No output recorded.');
    expect(empty).toContain('<pre class="output">');
    expect(read(`build/${runId(4)}/index.html`)).toContain('plain');
  });

  it('a run inserted late with an older stop time is still rendered', async () => {
    writeRuns(dataDir, baseRuns());
    const cfg = config(dataDir, JOBS);
    await render(cfg);
    writeRuns(dataDir, [{ job: 'build', id: runId(60), start: NOW - 90_000, stop: NOW - 89_000, output: 'late\n' }]);
    const r = await render(cfg);
    expect(r.runPages).toBe(1);
    expect(read(`build/${runId(60)}/index.html`)).toContain('late');
  });

  it('-r rewrites every page', async () => {
    writeRuns(dataDir, baseRuns());
    const cfg = config(dataDir, JOBS);
    await render(cfg);
    age();
    const before = snapshot();
    const r = await render(cfg, true);
    expect(r.runPages).toBe(7);
    const rewritten = changed(before, snapshot());
    expect(rewritten).toEqual([...before.keys()].filter((f) => f !== 'dsari.css').sort());
  });

  it('report_html_gz writes index.html.gz files', async () => {
    writeRuns(dataDir, baseRuns());
    await render(config(dataDir, JOBS, { reportHtmlGz: true }));
    expect(existsSync(join(html, 'index.html'))).toBe(false);
    const index = gunzipSync(readFileSync(join(html, 'index.html.gz'))).toString('utf8');
    expect(index).toContain('<!DOCTYPE html>');
    const run = gunzipSync(readFileSync(join(html, 'build', runId(1), 'index.html.gz'))).toString('utf8');
    expect(run).toContain('build 1');
    expect(gunzipSync(readFileSync(join(html, 'build', 'index.html.gz'))).toString('utf8')).toContain(runId(1));
  });

  it('pages hold the title dash as UTF-8 and wide characters of the data as they are, plain and gzipped, large pages too', async () => {
    // 1,000 runs make a job page of ~400 K characters: written in pieces (small pages in one).
    const runs: FixtureRun[] = Array.from({ length: 1000 }, (_, i) => ({
      job: 'build', id: runId(i), start: NOW - 90_000 + i * 60, stop: NOW - 90_000 + i * 60 + 5, exit: i % 7 === 0 ? 2 : 0,
      triggerType: 'file', triggerData: { type: i === 3 ? 'hook → ☃' : 'hook' }, output: i === 3 ? 'snow ☃\n' : 'ok\n',
    }));
    writeRuns(dataDir, runs);
    for (const gz of [false, true]) {
      await render(config(dataDir, JOBS, { reportHtmlGz: gz }), true);
      const page = (rel: string): string => {
        const bytes = readFileSync(join(html, rel, gz ? 'index.html.gz' : 'index.html'));
        return (gz ? gunzipSync(bytes) : bytes).toString('utf8');
      };
      const jobPage = page('build');
      expect(jobPage.length).toBeGreaterThan(256 * 1024);
      expect(jobPage).toContain('<title>build – dsari</title>');
      expect(jobPage).toContain('<td class="opt">hook → ☃</td>');
      expect(jobPage).not.toContain('\x01');
      expect(jobPage.match(/<tr class="fail">/g)).toHaveLength(143);
      const runPage = page(`build/${runId(3)}`);
      expect(runPage).toMatch(/<title>build [^<]+ \(0\) – dsari<\/title>/);
      expect(runPage).toContain('snow ☃');
      expect(runPage).not.toContain('\x01');
    }
  });

  it('template_dir overrides templates by name; templates in the original style work', async () => {
    writeRuns(dataDir, [
      { job: 'build', id: runId(1), start: NOW - 125.5, stop: NOW - 60, exit: 0, triggerType: 'file', triggerData: { description: 'by <hand>' }, output: 'out <1>' },
      { job: 'build', id: runId(2), start: NOW - 30, stop: NOW - 20, exit: 4 },
    ]);
    const tdir = join(dataDir, 'templates');
    writeTree(tdir, {
      'index.html': [
        '{% for run in runs %}[{{ run.job.name }} {{ strip_ms(run.stop_time) }} {{ strip_ms(run.stop_time - run.start_time) }} {{ run.exit_code }}]{% endfor %}',
        '{% for run in failed_runs %}F:{{ run.id }}{% endfor %}',
        '{% for job in jobs %}{% if job.last_run.start_time != job.last_successful_run.start_time %}danger:{{ job.name }}{% endif %}{% endfor %}',
        '<!-- Generated {{ now }} -->',
      ].join('\n'),
      'job.html': '{{ job.name }}:{% for run in runs %}<a href="{{ run.id }}/">{{ run.stop_datetime - run.start_datetime }}</a>{% endfor %}',
      'run.html': '{{ run.job.name }}|{{ run.trigger_type }}|{{ run.trigger_data.description }}|{{ run.output }}|{{ run.start_time }}|{{ job_name }}|{{ run_output }}',
    });
    await render(config(dataDir, [job('build')], { templateDir: tdir }));
    const index = read('index.html');
    expect(index).toContain('[build 2026-05-28 20:26:20+00:00 0:00:10 4]');
    expect(index).toContain('[build 2026-05-28 20:25:40+00:00 0:01:05 0]');
    expect(index).toContain(`F:${runId(2)}`);
    expect(index).toContain('danger:build');
    expect(index).toContain('<!-- Generated 2026-05-28 20:26:40+00:00 -->');
    expect(read('build/index.html')).toBe(`build:<a href="${runId(2)}/">0:00:10</a><a href="${runId(1)}/">0:01:05.500000</a>`);
    expect(read(`build/${runId(1)}/index.html`)).toBe(
      'build|file|by &lt;hand&gt;|out &lt;1&gt;|2026-05-28 20:24:34.500000+00:00|build|out &lt;1&gt;',
    );
  });

  it('a broken template stops before any page is written', async () => {
    writeRuns(dataDir, baseRuns());
    const tdir = join(dataDir, 'templates');
    writeTree(tdir, { 'run.html': 'ok\n{% if run.id %}\nnever closed\n' });
    await expect(render(config(dataDir, JOBS, { templateDir: tdir }))).rejects.toThrowError(TemplateError);
    expect(existsSync(html)).toBe(false);
  });
});
