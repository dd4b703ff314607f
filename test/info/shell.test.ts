import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/index.js';
import { RUNS, makeInfoFixture, type InfoFixture } from './setup.js';

describe('dsari-info shell', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(() => fx.cleanup());

  it('is a REPL with config, jobs and the opened store; exits at end of input', async () => {
    const input = [
      '[...jobs.keys()].join(",")',
      'config.dataDir === ' + JSON.stringify(fx.dataDir),
      `"exit=" + (await store.getRun(${JSON.stringify(RUNS[1]!.id)})).exitCode`,
      '"lintRuns=" + (await store.listRuns({ jobNames: ["lint"] })).length',
      'store.kind',
      '',
    ].join('\n');
    const r = await runCli('dsari-info', fx.args('shell'), { input });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Additional variables available:');
    expect(r.stdout).toContain('store: RunStore (sqlite3)');
    expect(r.stdout).toContain("'backup,lint,manual'");
    expect(r.stdout).toContain('true');
    expect(r.stdout).toContain("'exit=3'");
    expect(r.stdout).toContain("'lintRuns=2'");
    expect(r.stdout).toContain("'sqlite3'");
  });
});
