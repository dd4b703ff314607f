import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/index.js';
import { makeInfoFixture, type InfoFixture } from './setup.js';

describe('dsari-info job list', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(() => fx.cleanup());

  it('pretty: a table of name, schedule, next run, command (shell-quoted), no colour when piped', async () => {
    const r = await runCli('dsari-info', fx.args('job', 'list'), { env: { COLUMNS: '' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Job Name\s+Schedule\s+Next Scheduled Run\s+Command$/);
    expect(lines[1]).toMatch(/^[-─]{8} {3}/);
    expect(lines[2]).toMatch(/^backup\s+H H \* \* \*\s+\S*\s+\/usr\/bin\/backup --all 'two words'$/);
    expect(lines[3]).toMatch(/^lint\s+\*\/5 \* \* \* \*\s+\S*\s+make lint$/);
    expect(lines[4]).toMatch(/^manual\s+true$/);
    expect(r.stdout).not.toContain('\x1b');
  });

  it('json: the jobs mapping of config dump, filtered by --job', async () => {
    const all = await runCli('dsari-info', fx.args('job', 'list', '--format', 'json'));
    expect(all.code).toBe(0);
    const jobs = JSON.parse(all.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(jobs)).toEqual(['backup', 'lint', 'manual']);
    expect(jobs['manual']?.['next_scheduled_run']).toBeNull();
    expect(jobs['backup']?.['command']).toEqual(['/usr/bin/backup', '--all', 'two words']);
    const dump = await runCli('dsari-info', fx.args('config', 'dump', '--format', 'json'));
    expect(dump.code).toBe(0);
    const dumped = (JSON.parse(dump.stdout) as { jobs: Record<string, Record<string, unknown>> }).jobs;
    // next_scheduled_run is computed at "now": compare everything else exactly
    const strip = (j: Record<string, Record<string, unknown>>) =>
      Object.fromEntries(Object.entries(j).map(([k, v]) => [k, { ...v, next_scheduled_run: 'x' }]));
    expect(strip(jobs)).toEqual(strip(dumped));
    expect(all.stdout).toMatch(/^\{\n {4}"backup": \{\n {8}"command": \[/); // indented by 4, keys sorted

    const some = await runCli('dsari-info', fx.args('job', 'list', '--format', 'json', '--job', 'lint', '--job', 'manual'));
    expect(Object.keys(JSON.parse(some.stdout) as object)).toEqual(['lint', 'manual']);
  });

  it('yaml: the same mapping', async () => {
    const r = await runCli('dsari-info', fx.args('job', 'list', '--format', 'yaml', '--job', 'lint'));
    expect(r.code).toBe(0);
    const jobs = parseYaml(r.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(jobs)).toEqual(['lint']);
    expect(jobs['lint']?.['command']).toEqual(['make', 'lint']);
    expect(jobs['lint']?.['schedule']).toBe('*/5 * * * *');
  });

  it('tabular: tab-separated name, schedule, command, next run', async () => {
    const r = await runCli('dsari-info', fx.args('job', 'list', '--format', 'tabular'));
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    expect(rows.map((row) => row.length)).toEqual([4, 4, 4]);
    expect(rows[2]).toEqual(['manual', '', 'true', '']);
    expect(rows[0]?.slice(0, 3)).toEqual(['backup', 'H H * * *', "/usr/bin/backup --all 'two words'"]);
  });

  it('an unknown --job is an error naming it (exit 1); a bad --format is bad usage (exit 2)', async () => {
    const r = await runCli('dsari-info', fx.args('job', 'list', '--job', 'lint', '--job', 'nope'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('dsari-info: unknown job: "nope"\n');
    const bad = await runCli('dsari-info', fx.args('job', 'list', '--format', 'xml'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pretty, tabular, json, yaml');
  });

  it('works as `dsari info job list` too', async () => {
    const r = await runCli('dsari', ['info', ...fx.args('job', 'list', '--format', 'json')]);
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['backup', 'lint', 'manual']);
  });
});
