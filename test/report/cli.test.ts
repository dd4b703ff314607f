/**
 * The built `dsari-render` on a temp configuration directory and a SQLite database created with
 * the original's schema and rows, as a user runs it.
 */
import { existsSync, readFileSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, writeTree } from '../helpers/index.js';
import { type FixtureRun, runId, writeRuns } from './fixtures.js';

let tmp: { path: string; cleanup: () => void };
let etc: string;
let data: string;
let html: string;
const NOW = Date.now() / 1000;

function writeConfig(extra = ''): void {
  writeTree(tmp.path, {
    'etc/dsari.yaml': `data_dir: ${data}
jobs:
  build:
    command: [/bin/true]
    schedule: "H/5 * * * *"
  deploy:
    command: /bin/true
  hidden:
    command: /bin/true
    render_reports: false
${extra}`,
  });
}

function runs(): FixtureRun[] {
  return [
    { job: 'build', id: runId(1), start: NOW - 600, stop: NOW - 540, exit: 0, output: 'first build\n' },
    {
      job: 'build', id: runId(2), start: NOW - 300, stop: NOW - 290, exit: 1, triggerType: 'file',
      triggerData: { description: '<script>alert("d")</script>', environment: { X: '<script>' } },
      output: '<script>alert("o")</script>\n\x1b[31mfailed\x1b[0m\n',
    },
    { job: 'deploy', id: runId(3), start: NOW - 200, stop: NOW - 100, exit: 0, output: 'deployed\n' },
    { job: 'hidden', id: runId(4), start: NOW - 50, stop: NOW - 40, exit: 0, output: 'secret\n' },
  ];
}

beforeEach(() => {
  tmp = makeTempDir('dsari-render-cli-');
  etc = join(tmp.path, 'etc');
  data = join(tmp.path, 'var');
  html = join(data, 'html');
  writeConfig();
  writeRuns(data, runs());
});
afterEach(() => tmp.cleanup());

function render(...args: string[]) {
  return runCli('dsari-render', ['-c', etc, ...args], { env: { DSARI_HOME: undefined } });
}

function pages(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith('index.html')) out.set(p.slice(html.length + 1), statSync(p).mtimeMs);
    }
  };
  walk(html);
  return out;
}

/** Moves every page's mtime an hour back so that a rewrite shows. */
function agePages(): Map<string, number> {
  const past = new Date(Date.now() - 3_600_000);
  for (const f of pages().keys()) utimesSync(join(html, f), past, past);
  return pages();
}

function changedPages(before: Map<string, number>): string[] {
  return [...pages().entries()].filter(([f, m]) => before.get(f) !== m).map(([f]) => f).sort();
}

describe('dsari-render', () => {
  it('writes the index, job and run pages; escapes run text; leaves out render_reports: false', async () => {
    const r = await render();
    expect(r.stderr).toMatch(/^INFO: Wrote 3 run pages, 2 job pages and the index in [\d.]+ s\n$/);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
    expect([...pages().keys()].sort()).toEqual([
      `build/${runId(1)}/index.html`, `build/${runId(2)}/index.html`, 'build/index.html',
      `deploy/${runId(3)}/index.html`, 'deploy/index.html', 'index.html',
    ]);
    expect(existsSync(join(html, 'hidden'))).toBe(false);
    expect(readFileSync(join(html, 'index.html'), 'utf8')).not.toContain('hidden');
    const page = readFileSync(join(html, 'build', runId(2), 'index.html'), 'utf8');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(&quot;o&quot;)&lt;/script&gt;');
    expect(page).toContain('&lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt;');
    expect(page).toContain('<span class="a-f1">failed</span>');
    expect(page).toContain('<tr><th>Trigger type</th><td>file</td></tr>');
  });

  it('incremental: a second render writes nothing; one new run rewrites only its page, its job page and the index', async () => {
    expect((await render()).code).toBe(0);
    const before = agePages();
    const second = await render();
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^INFO: Nothing new to render/);
    expect(changedPages(before)).toEqual([]);

    writeRuns(data, [{ job: 'deploy', id: runId(9), start: NOW - 20, stop: NOW - 10, exit: 0, output: 'again\n' }]);
    const before2 = agePages();
    const third = await render();
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/^INFO: Wrote 1 run page, 1 job page and the index/);
    expect(changedPages(before2)).toEqual([`deploy/${runId(9)}/index.html`, 'deploy/index.html', 'index.html']);
  });

  it('-r regenerates every page', async () => {
    expect((await render()).code).toBe(0);
    const before = agePages();
    const r = await render('-r');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Wrote 3 run pages, 2 job pages and the index/);
    expect(changedPages(before)).toEqual([...before.keys()].sort());
  });

  it('report_html_gz writes index.html.gz; output limits apply', async () => {
    writeConfig('report_html_gz: true\nreport_run_output_start: 3\nreport_run_output_end: 4\n');
    const r = await render();
    expect(r.code).toBe(0);
    expect(existsSync(join(html, 'index.html'))).toBe(false);
    expect(gunzipSync(readFileSync(join(html, 'index.html.gz'))).toString()).toContain('<!DOCTYPE html>');
    const run = gunzipSync(readFileSync(join(html, 'build', runId(1), 'index.html.gz'))).toString();
    expect(run).toContain('<pre class="output">fir\n<span class="output-cut">[...]</span>\nild\n</pre>');
  });

  it('template_dir overrides a template by name', async () => {
    writeTree(tmp.path, { 'tpl/run.html': 'RUN {{ run.job.name }} {{ run.id }} {{ run.trigger_data.description }} {{ strip_ms(run.stop_time - run.start_time) }}' });
    writeConfig(`template_dir: ${join(tmp.path, 'tpl')}\n`);
    const r = await render();
    expect(r.code).toBe(0);
    expect(readFileSync(join(html, 'build', runId(2), 'index.html'), 'utf8')).toBe(
      `RUN build ${runId(2)} &lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt; 0:00:10`,
    );
    expect(readFileSync(join(html, 'index.html'), 'utf8')).toContain('<!DOCTYPE html>');
  });

  it('a broken template: exit 1, one line naming the file and line, nothing written', async () => {
    const tpl = join(tmp.path, 'tpl');
    writeTree(tmp.path, { 'tpl/job.html': '<h1>{{ job.name }}</h1>\n{% for run in runs %}\n{{ run.id }\n{% endfor %}\n' });
    writeConfig(`template_dir: ${tpl}\n`);
    const r = await render();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^dsari-render: template ${tpl}/job\\.html, line 3: .+\\n$`));
    expect(existsSync(html)).toBe(false);
  });

  it('a bad configuration: exit 1 with the config error', async () => {
    writeTree(tmp.path, { 'etc/dsari.yaml': 'jobs:\n  x:\n    schedule: "* * * * *"\n' });
    const r = await render();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dsari-render: .*dsari\.yaml.*command/);
  });

  it('--help and dsari render', async () => {
    const help = await runCli('dsari-render', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('-r, --regenerate');
    const sub = await runCli('dsari', ['render', '-c', etc]);
    expect(sub.code).toBe(0);
    expect(existsSync(join(html, 'index.html'))).toBe(true);
  });
});
