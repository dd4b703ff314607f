// The pages dsari-render writes (PageTemplates.page) are the UTF-8 of what the templates give
// (render), byte for byte, although the built-in templates' '–' is carried as a mark while a page
// is built (so that V8 keeps the page one byte a character).
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, writeTree } from '../helpers/index.js';
import { jobView, runView } from '../../src/report/model.js';
import { loadTemplates } from '../../src/report/template-env.js';
import type { RunRecord } from '../../src/store/types.js';
import { job } from './fixtures.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const NOW = 1_800_000_000;
const bytesOf = (pieces: readonly string[]): Buffer => Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8')));

function contexts(name: string) {
  const view = jobView(job(name));
  const rec = {
    jobName: name, runId: 'r-1', scheduleTime: NOW - 100, startTime: NOW - 99, stopTime: NOW - 50, exitCode: 2,
    triggerType: 'file', triggerData: { description: `about ${name}` }, runData: {}, running: false,
  } as RunRecord;
  const run = runView(rec, view);
  return {
    job: { job: view, runs: [run], chart_svg: '', chart_runs: 200, root: '../', job_name: name },
    run: { run, job: view, root: '../../' },
    index: { jobs: [view], runs: [run], failed_runs: [run], failing_count: 0, root: '' },
  };
}

describe('page bytes', () => {
  it('built-in pages: the UTF-8 of the rendered text, with the title dash as it was (–, not a mark)', () => {
    const t = loadTemplates({ templateDir: null, now: NOW });
    const c = contexts('build');
    for (const [name, ctx] of [['job.html', c.job], ['run.html', c.run], ['index.html', c.index]] as const) {
      const text = t.render(name, ctx);
      expect(text).not.toContain('\x01');
      expect(bytesOf(t.page(name, ctx)).equals(Buffer.from(text, 'utf8')), name).toBe(true);
    }
    expect(t.render('job.html', c.job)).toContain('<title>build – dsari</title>');
    expect(bytesOf(t.page('job.html', c.job)).toString('utf8')).toContain('<title>build – dsari</title>');
  });

  it('data that looks like a mark, or holds wide characters, comes out as escaped text', () => {
    const t = loadTemplates({ templateDir: null, now: NOW });
    const name = 'x\x01&#x2013;\x01 ☃ \u{1F600}';
    const c = contexts(name);
    for (const [page, ctx] of [['job.html', c.job], ['run.html', c.run], ['index.html', c.index]] as const) {
      const text = t.render(page, ctx);
      expect(text).toContain('x\x01&amp;#x2013;\x01 ☃ \u{1F600}');
      expect(bytesOf(t.page(page, ctx)).equals(Buffer.from(text, 'utf8')), page).toBe(true);
    }
  });

  it('templates of template_dir are compiled as written; a bad mark a template prints itself is left alone', () => {
    const t = makeTempDir('dsari-tpl-');
    cleanups.push(t.cleanup);
    writeTree(t.path, { 'index.html': 'a – b → c ☃ {{ v | safe }}' });
    const tpl = loadTemplates({ templateDir: t.path, now: NOW });
    const v = '\x01&#xffffff;\x01 \x01&#x;\x01';
    expect(tpl.render('index.html', { v })).toBe(`a – b → c ☃ ${v}`);
    expect(bytesOf(tpl.page('index.html', { v })).toString('utf8')).toBe(`a – b → c ☃ ${v}`);
  });
});
