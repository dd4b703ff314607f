import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../dist/cli/', import.meta.url).pathname;

async function cli(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [BIN + bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('every command', () => {
  for (const bin of ['dsari.js', 'dsari-daemon.js', 'dsari-info.js', 'dsari-render.js', 'dsari-prometheus-exporter.js']) {
    it(`${bin} --help and --version exit 0; an unknown option exits 2`, async () => {
      const help = await cli(bin, ['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: /);
      const version = await cli(bin, ['--version']);
      expect(version.code).toBe(0);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      const bad = await cli(bin, ['--no-such-option']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("unknown option '--no-such-option'");
    });
  }
});

describe('a closed stdout', () => {
  it('`dsari schedule … -n 100000 | head -n1` ends quietly, without an EPIPE stack trace', async () => {
    const { stdout, stderr } = await run('/bin/sh', ['-c', `node ${BIN}dsari.js schedule '* * * * * *' --from 0 --timezone UTC -n 100000 | head -n1`]);
    expect(stdout).toMatch(/^1970-01-01T00:00:01/);
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });
});
