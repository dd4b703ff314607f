import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/index.js';
import { RUNS, makeInfoFixture, runCliBytes, type InfoFixture } from './setup.js';

const [B1, B2, L1, L2] = RUNS.map((r) => r.id) as [string, string, string, string];
// escape sequences and bytes that are not UTF-8 pass through unchanged when piped
const CONTENT = Buffer.concat([Buffer.from('first line\n\x1b[31mred\x1b[0m \x1b]0;title\x07\x1b[2J\n'), Buffer.from([0xff, 0x0a])]);

describe('dsari-info run output', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(() => fx.cleanup());

  it.each([
    ['output.txt', (b: Buffer) => b],
    ['output.txt.gz', (b: Buffer) => gzipSync(b)],
    ['output.txt.xz', (b: Buffer) => execFileSync('xz', ['-c'], { input: b })],
  ])('prints %s byte for byte when piped', async (name, encode) => {
    fx.writeOutput('backup', B2, name, encode(CONTENT));
    const r = await runCliBytes('dsari-info', fx.args('run', 'output', B2));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toEqual(CONTENT);
  });

  it("prints a running run's output so far", async () => {
    fx.writeOutput('lint', L2, 'output.txt', 'still going\n');
    const r = await runCli('dsari-info', fx.args('run', 'output', L2));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('still going\n');
  });

  it('unknown run id: one line, exit 1', async () => {
    const r = await runCli('dsari-info', fx.args('run', 'output', 'no-such-run'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('dsari-info: cannot find run ID no-such-run\n');
  });

  it('missing output file: a clear message naming the run and directory, exit 1', async () => {
    const r = await runCli('dsari-info', fx.args('run', 'output', L1));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dsari-info: run ${L1} (job lint) has no output file in ${fx.runDir('lint', L1)}\n`);
    fx.writeOutput('backup', B1, 'output.txt.gz', 'not gzip at all');
    const bad = await runCli('dsari-info', fx.args('run', 'output', B1));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^dsari-info: .*output\.txt\.gz: not valid gzip data .*\n$/);
  });

  it('a missing run id argument is bad usage (exit 2)', async () => {
    const r = await runCli('dsari-info', fx.args('run', 'output'));
    expect(r.code).toBe(2);
  });
});
