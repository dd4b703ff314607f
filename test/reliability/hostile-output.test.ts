/**
 * Hostile run output and run records (docs/RELIABILITY.md): output that is not UTF-8, holds NUL
 * bytes and terminal escape sequences, and trigger data with markup. `dsari-info run output` and
 * `dsari-render` never crash; HTML escapes everything; a pipe gets the bytes unchanged; a
 * terminal gets no control sequence but SGR colours; run ids cannot name paths.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_CLI, runCli } from '../helpers/index.js';
import { makeInfoFixture, NOW, runCliBytes, type InfoFixture } from '../info/setup.js';

const RUN = 'cccccccc-0000-4000-8000-000000000001';
const ESC = '\x1b';
const HOSTILE_OUTPUT = Buffer.concat([
  Buffer.from(`start\n</pre><script>alert("out")</script>\n`),
  Buffer.from([0x00, 0x41, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x0a]), // NUL and invalid UTF-8
  Buffer.from(`${ESC}]0;owned title${'\x07'}${ESC}c${ESC}[2J${ESC}[10;10H${ESC}]8;;http://evil/${ESC}\\link${ESC}[31mred${ESC}[0m\n`),
  Buffer.from('end\n'),
]);

let fx: InfoFixture;
beforeAll(() => {
  fx = makeInfoFixture([
    {
      job: 'backup',
      id: RUN,
      schedule: NOW - 100,
      start: NOW - 99,
      stop: NOW - 90,
      exit: 0,
      trigger: 'file',
      triggerData: { type: '<script>alert("type")</script>', description: '<script>alert("desc")</script>', environment: { X: '<script>alert("env")</script>' } },
      runData: { return_data: { '<b>key</b>': '<script>alert("rd")</script>' } },
    },
  ]);
  fx.writeOutput('backup', RUN, 'output.txt', HOSTILE_OUTPUT);
});
afterAll(() => fx.cleanup());

function htmlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? htmlFiles(p) : p.endsWith('.html') ? [p] : [];
  });
}

describe('hostile run output', () => {
  it('piped: dsari-info run output passes the bytes through unchanged', async () => {
    const r = await runCliBytes('dsari-info', fx.args('run', 'output', RUN));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.equals(HOSTILE_OUTPUT)).toBe(true);
  }, 30_000);

  it('on a terminal: no control sequence but SGR colours reaches it', () => {
    const cmd = `${process.execPath} ${join(DIST_CLI, 'dsari-info.js')} ${fx.args('run', 'output', RUN).join(' ')}`;
    // PAGER=cat: what dsari-info itself writes to the terminal, not what less adds.
    const out = execFileSync('script', ['-qfc', cmd, '/dev/null'], { encoding: 'latin1', timeout: 30_000, env: { ...process.env, PAGER: 'cat' } });
    expect(out).toContain('start');
    expect(out).toContain('end');
    expect(out).not.toContain(`${ESC}]`); // OSC: titles, hyperlinks
    expect(out).not.toContain(`${ESC}c`); // reset
    expect(out).not.toMatch(new RegExp(`${ESC}\\[[0-9;]*[A-HJKSTfn]`)); // cursor movement, clearing
    // Only SGR (…m) escape sequences are left.
    const sequences = out.match(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g')) ?? [];
    for (const s of sequences) expect(s.endsWith('m'), JSON.stringify(s)).toBe(true);
  }, 30_000);

  it('dsari-render writes pages with everything escaped: no raw <script> from output, trigger data or return data', async () => {
    const r = await runCli('dsari-render', ['-c', fx.configDir], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const files = htmlFiles(join(fx.dataDir, 'html'));
    expect(files.length).toBeGreaterThan(0);
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(all).toContain('start');
    expect(all).toContain('&lt;script&gt;');
    expect(all).not.toMatch(/<script>alert/i);
    expect(all).not.toContain('<b>key</b>');
    expect(all).not.toContain(`${ESC}]0;`);
    expect(all).not.toContain('\u0000');
  }, 60_000);

  it.each([['../../etc/passwd'], ['/etc/passwd'], ['..'], ['.'], [`../backup/${RUN}`], ['%2e%2e%2f'], ['x'.repeat(5000)]])(
    'run id %j given to dsari-info run output: an error, nothing read',
    async (id) => {
      const r = await runCli('dsari-info', fx.args('run', 'output', id));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('cannot find run');
      expect(r.stderr).not.toContain('root:');
    },
    30_000,
  );
});
