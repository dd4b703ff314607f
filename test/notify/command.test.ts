/** The command deliverer (SPEC-BEYOND §12.6) with real processes. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runNotifyCommand } from '../../src/notify/command.js';
import { makeTempDir, pidAlive, waitFor } from '../helpers/index.js';

const temps: (() => void)[] = [];
afterEach(() => {
  for (const c of temps.splice(0)) c();
});
function dir(): string {
  const t = makeTempDir('dsari-notify-cmd-');
  temps.push(t.cleanup);
  return t.path;
}
const env = { PATH: '/usr/bin:/bin', NOTIFY_EVENT: 'failure' };

describe('runNotifyCommand', () => {
  it('runs with the given environment, stdin /dev/null, output appended to the file', async () => {
    const d = dir();
    const out = join(d, 'notify-1.txt');
    const r = await runNotifyCommand({ argv: ['/bin/sh', '-c', 'echo "$NOTIFY_EVENT"; cat; echo err >&2'], env, cwd: d, outputFile: out, timeoutMs: 10_000 });
    expect(r).toEqual({ ok: true, error: null });
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^--- \S+ \/bin\/sh -c .*\nfailure\nerr\n$/);
  });

  it('a non-zero exit and a missing program are failed attempts', async () => {
    const d = dir();
    expect(await runNotifyCommand({ argv: ['/bin/sh', '-c', 'exit 3'], env, cwd: d, outputFile: null, timeoutMs: 10_000 })).toEqual({ ok: false, error: 'exit status 3' });
    const missing = await runNotifyCommand({ argv: ['/no/such/notifier'], env, cwd: d, outputFile: null, timeoutMs: 10_000 });
    expect(missing.ok).toBe(false);
    expect(missing.error).toMatch(/^cannot run \/no\/such\/notifier: .*ENOENT/);
  });

  it('a command that hangs is ended at its limit, with its whole process group', async () => {
    const d = dir();
    const pidFile = join(d, 'grandchild.pid');
    const started = Date.now();
    const r = await runNotifyCommand({ argv: ['/bin/sh', '-c', `sleep 600 & echo $! > ${pidFile}; wait`], env, cwd: d, outputFile: null, timeoutMs: 500 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^timed out after 0.5 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor('grandchild gone', () => !pidAlive(grandchild));
  });

  it('1 GB of output cannot fill the disk: the file stops at the cap', async () => {
    const d = dir();
    const out = join(d, 'notify-1.txt');
    const cap = 64 * 1024;
    // 1 GB from head -c; the file keeps the cap and a note, the rest is read and dropped
    const r = await runNotifyCommand({ argv: ['/bin/sh', '-c', 'head -c 1073741824 /dev/zero | tr "\\0" x'], env, cwd: d, outputFile: out, timeoutMs: 120_000, capBytes: cap });
    expect(r).toEqual({ ok: true, error: null });
    const size = statSync(out).size;
    expect(size).toBeLessThan(cap + 1024);
    expect(readFileSync(out, 'utf8')).toContain(`[dsari: output after ${cap} bytes discarded]`);
    expect(existsSync(out)).toBe(true);
  }, 180_000);
});
