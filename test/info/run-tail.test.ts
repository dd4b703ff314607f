import { appendFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killLeftovers, runCli, startProcess } from '../helpers/index.js';
import { addOriginalRuns, finishOriginalRun } from './original-db.js';
import { NOW, RUNS, makeInfoFixture, type InfoFixture } from './setup.js';

const [, B2, , L2] = RUNS.map((r) => r.id) as [string, string, string, string];
const NEW = 'dddddddd-0000-4000-8000-000000000001';

describe('dsari-info run tail', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(async () => {
    expect(await killLeftovers()).toBe(0);
    fx.cleanup();
  });

  it('follows one named running run from its last lines and ends (exit 0) when it finishes', async () => {
    const out = fx.writeOutput('lint', L2, 'output.txt', 'old 1\nold 2\nold 3\n');
    const tail = startProcess('dsari-info', fx.args('run', 'tail', '-n', '2', L2));
    await tail.waitForOutput('old 3\n', 20_000, 'stdout');
    appendFileSync(out, 'new 1\npartial');
    await tail.waitForOutput('partial', 20_000, 'stdout');
    appendFileSync(out, ' line\n');
    finishOriginalRun(fx.dbFile, L2, NOW, 0);
    await tail.exited;
    expect(tail.exitCode).toBe(0);
    expect(tail.stdout).toBe('old 2\nold 3\nnew 1\npartial line\n');
    expect(tail.stderr).toBe('');
  });

  it('without ids: follows all running runs, picks up runs that start later, prefixes lines; SIGINT ends it cleanly', async () => {
    fx.writeOutput('lint', L2, 'output.txt', 'lint says hi\n');
    const tail = startProcess('dsari-info', fx.args('run', 'tail'));
    await tail.waitForOutput(`[lint ${L2}] lint says hi\n`, 20_000, 'stdout');
    // a run that starts after tail did: picked up from the store, shown from its first line
    addOriginalRuns(fx.dbFile, [{ job: 'backup', id: NEW, schedule: NOW, start: NOW }]);
    const out = fx.writeOutput('backup', NEW, 'output.txt', 'backup line 1\n');
    await tail.waitForOutput(`[backup ${NEW}] backup line 1\n`, 20_000, 'stdout');
    appendFileSync(out, 'backup line 2\nno newline yet');
    await tail.waitForOutput(`[backup ${NEW}] backup line 2\n`, 20_000, 'stdout');
    // a finished run is flushed (its partial last line ended) and dropped
    finishOriginalRun(fx.dbFile, NEW, NOW + 1, 0);
    await tail.waitForOutput(`[backup ${NEW}] no newline yet\n`, 20_000, 'stdout');
    tail.signal('SIGINT');
    await tail.exited;
    expect(tail.exitCode).toBe(0);
    expect(tail.stderr).toBe('');
  });

  it('several named runs: prefixed; a finished one shows its last lines; ends when all have finished', async () => {
    fx.writeOutput('backup', B2, 'output.txt', 'b1\nb2\n');
    fx.writeOutput('lint', L2, 'output.txt', 'l1\n');
    const tail = startProcess('dsari-info', fx.args('run', 'tail', B2, L2));
    await tail.waitForOutput(`[lint ${L2}] l1\n`, 20_000, 'stdout');
    expect(tail.stdout).toContain(`[backup ${B2}] b1\n[backup ${B2}] b2\n`);
    finishOriginalRun(fx.dbFile, L2, NOW, 0);
    await tail.exited;
    expect(tail.exitCode).toBe(0);
  });

  it('an unknown run id is an error (exit 1), nothing followed', async () => {
    const r = await runCli('dsari-info', fx.args('run', 'tail', L2, 'nope'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsari-info: cannot find run ID nope\n');
  });

  it('the output of a run finished and compressed meanwhile is read to the end', async () => {
    const out = fx.writeOutput('lint', L2, 'output.txt', 'one\n');
    const tail = startProcess('dsari-info', fx.args('run', 'tail', L2));
    await tail.waitForOutput('one\n', 20_000, 'stdout');
    // the run writes more, ends, and its output is compressed before tail looks again
    const { gzipSync } = await import('node:zlib');
    const { rmSync, writeFileSync } = await import('node:fs');
    writeFileSync(`${out}.gz`, gzipSync(Buffer.from('one\ntwo\n')));
    rmSync(out);
    finishOriginalRun(fx.dbFile, L2, NOW, 0);
    await tail.exited;
    expect(tail.exitCode).toBe(0);
    expect(tail.stdout).toBe('one\ntwo\n');
  });
});

