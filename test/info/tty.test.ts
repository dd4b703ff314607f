/**
 * Terminal behaviour under a real pseudo-terminal (`script` from util-linux): pager with
 * LESS=-FRSXMQ, colours, tables fitted to the terminal's width, control sequences stripped from
 * run output; and none of it when piped.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIST_CLI, runCli } from '../helpers/index.js';
import { RUNS, makeInfoFixture, type InfoFixture } from './setup.js';

const [, B2, , L2] = RUNS.map((r) => r.id) as [string, string, string, string];

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** Runs dsari-info on a pty of the given width; resolves with what the terminal received. */
function onTty(args: string[], env: Record<string, string | undefined>, cols = 200): Promise<{ code: number | null; screen: string }> {
  const cmd = `stty cols ${cols} rows 50; exec ${shQuote(process.execPath)} ${shQuote(join(DIST_CLI, 'dsari-info.js'))} ${args.map(shQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', LANG: 'C.UTF-8', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
    child.stdin.end();
  });
}

describe('on a terminal', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(() => fx.cleanup());

  it('run list goes through $PAGER with LESS=-FRSXMQ, in colour', async () => {
    const seen = join(fx.root, 'pager-input');
    const envFile = join(fx.root, 'pager-env');
    const pager = `echo "$LESS" > ${shQuote(envFile)}; cat > ${shQuote(seen)}`;
    const r = await onTty(fx.args('run', 'list'), { PAGER: pager, LESS: undefined, NO_COLOR: undefined });
    expect(r.code).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe('-FRSXMQ\n');
    const text = readFileSync(seen, 'utf8');
    expect(text).toContain('\x1b[31m3\x1b[0m'); // the failure in red
    expect(text).toContain('\x1b[34m...\x1b[0m'); // the running run in blue
    const ESC = String.fromCharCode(0x1b);
    expect(text).toMatch(new RegExp(`${ESC}\\[(1;)?3[2-7]mbackup${ESC}\\[0m`)); // job name in its colour
    expect(text).toContain('─'); // UTF-8 locale: box-drawing rule
  });

  it('keeps LESS when it is set', async () => {
    const envFile = join(fx.root, 'pager-env');
    const r = await onTty(fx.args('job', 'list'), { PAGER: `echo "$LESS" > ${shQuote(envFile)}; cat >/dev/null`, LESS: '-R' });
    expect(r.code).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe('-R\n');
  });

  it('fits tables to the terminal width', async () => {
    const r = await onTty(fx.args('run', 'list'), { PAGER: 'cat', NO_COLOR: '1' }, 70);
    expect(r.code).toBe(0);
    const lines = r.screen.split(/\r?\n/).filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(70);
    expect(r.screen).toContain('Duration');
    expect(r.screen).not.toContain('Schedule Delay');
  });

  it('run output keeps colours but strips other control sequences', async () => {
    fx.writeOutput('backup', B2, 'output.txt', 'a\x1b[31mred\x1b[0m\x1b]0;evil title\x07\x1b[2Jb\n');
    const seen = join(fx.root, 'pager-input');
    const r = await onTty(fx.args('run', 'output', B2), { PAGER: `cat > ${shQuote(seen)}` });
    expect(r.code).toBe(0);
    expect(readFileSync(seen, 'utf8')).toBe('a\x1b[31mred\x1b[0mb\n');
  });

  it('the default pager is less, which shows a short output and quits by itself', async () => {
    fx.writeOutput('lint', L2, 'output.txt', 'hello from the run\n');
    const r = await onTty(fx.args('run', 'output', L2), { PAGER: undefined, LESS: undefined });
    expect(r.code).toBe(0);
    expect(r.screen).toContain('hello from the run');
  });

  it('piped: no pager, no colour', async () => {
    const marker = join(fx.root, 'pager-ran');
    const r = await runCli('dsari-info', fx.args('run', 'list'), { env: { PAGER: `touch ${shQuote(marker)}; cat` } });
    expect(r.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toContain(B2);
  });
});
